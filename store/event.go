package store

import (
	"context"
	"time"
)

// EventType names a lifecycle event derived from what a committed change
// really did (not from the HTTP verb).
type EventType string

// Event types recorded in the outbox.
const (
	UserCreated       EventType = "user.created"
	UserUpdated       EventType = "user.updated"
	UserDeactivated   EventType = "user.deactivated"
	UserReactivated   EventType = "user.reactivated"
	UserDeleted       EventType = "user.deleted"
	UserGroupsChanged EventType = "user.groups_changed"
	GroupCreated      EventType = "group.created"
	GroupRenamed      EventType = "group.renamed"
	GroupUpdated      EventType = "group.updated"
	GroupDeleted      EventType = "group.deleted"
	MembersAdded      EventType = "group.members_added"
	MembersRemoved    EventType = "group.members_removed"
	// ResourceCreated, ResourceUpdated and ResourceDeleted are used for
	// resource types other than User and Group.
	ResourceCreated EventType = "resource.created"
	ResourceUpdated EventType = "resource.updated"
	ResourceDeleted EventType = "resource.deleted"
)

// Event is one entry of the transactional outbox: a fact about a committed
// change. Delivery is at least once: consumers drop duplicates by ID and
// stale events by Seq.
//
// Seq is the ordering key of every event. Version is not: it ties an
// event to a representation of its resource (meta.version, RFC 7644
// §3.14), the events of one write share it, a deletion repeats the last
// version, and UserGroupsChanged carries 0. A consumer that must not apply
// an older event over a newer one keeps, per resource, the highest Seq it
// applied and drops events at or below it.
type Event struct {
	// Seq is the event's position in the tenant-independent outbox,
	// assigned once its change has committed, gapless, never reused; it
	// increases strictly. A change that waited for another or saw it
	// committed has its events after the other's, so the events of one
	// resource (whose changes lock it; for a user's UserGroupsChanged
	// events, the changes of one group) have increasing Seq in the order
	// their changes committed. Changes that ran concurrently without
	// either waiting for the other may be numbered in another order than
	// their commits (PostgreSQL; memory and SQLite commit one write at a
	// time).
	Seq int64
	// ID is unique per event.
	ID string
	// Type says what happened.
	Type EventType
	// Tenant is the tenant of the resource.
	Tenant string
	// ResourceType is the resource type name, e.g. "User".
	ResourceType string
	// ResourceID and ExternalID identify the resource the event is about
	// (for UserGroupsChanged, the user).
	ResourceID, ExternalID string
	// Version is the resource's meta.version number (W/"n") after the
	// change, or the last one for a deletion; the events of one write share
	// it (user.updated and user.deactivated of one PATCH). It is 0 on
	// UserGroupsChanged: a membership change does not change the user's own
	// representation (the derived groups attribute is not versioned), so it
	// has no version of the user to carry. Order events by Seq, never by
	// Version: a per-user value that orders membership changes would need a
	// write to every member's row on each group change.
	Version int64
	// Time is when the change was committed.
	Time time.Time
	// Actor and RequestID come from the RequestInfo of the context of the
	// write.
	Actor, RequestID string
	// Paths lists the canonical attribute paths that changed (UserUpdated,
	// GroupUpdated, ResourceUpdated).
	Paths []string `json:",omitempty"`
	// Members are the member ids added or removed (MembersAdded,
	// MembersRemoved).
	Members []string `json:",omitempty"`
	// GroupsAdded and GroupsRemoved are the group ids a user joined or left
	// (UserGroupsChanged).
	GroupsAdded, GroupsRemoved []string `json:",omitempty"`
	// DisplayName and OldDisplayName are set on group events
	// (OldDisplayName only for GroupRenamed).
	DisplayName, OldDisplayName string `json:",omitempty"`
}

// RequestInfo identifies who made a write; backends copy it into the
// events of the change.
type RequestInfo struct {
	// Actor is the credential that made the request, e.g. a token id.
	Actor string
	// RequestID correlates the events with the request's logs.
	RequestID string
}

type requestInfoKey struct{}

// WithRequestInfo returns a context that carries info for the events of
// writes made with it.
func WithRequestInfo(ctx context.Context, info RequestInfo) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, info)
}

// RequestInfoFrom returns the RequestInfo carried by ctx, or the zero value.
func RequestInfoFrom(ctx context.Context) RequestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(RequestInfo)
	return info
}

// Outbox is implemented by stores that record events (every backend in
// scimkit does). Events are written in the same transaction as the change
// they describe: a committed change has its events, a failed one has none.
type Outbox interface {
	// Events returns up to limit events with Seq > after, in Seq order.
	// Events are kept by the store's Retention; when some events with
	// Seq > after are no longer kept, it returns an error wrapping an
	// *ExpiredError (errors.Is(err, ErrExpired)) instead of skipping them:
	// the reader must resynchronise. after = 0 is expired once anything
	// has been pruned.
	Events(ctx context.Context, after int64, limit int) ([]Event, error)
}
