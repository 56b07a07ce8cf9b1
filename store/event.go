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
// stale events by comparing Seq (or Version, for one resource).
type Event struct {
	// Seq is the event's position in the tenant-independent outbox,
	// assigned at commit; it increases monotonically in commit order.
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
	// Version is the resource's version after the change (0 for events
	// about a user whose own representation did not change, such as
	// UserGroupsChanged).
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
	Events(ctx context.Context, after int64, limit int) ([]Event, error)
}
