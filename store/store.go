package store

import (
	"context"
	"errors"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
)

// Sentinel errors. Backends wrap them with the operation and resource
// (fmt.Errorf("store: get User %s: %w", id, ErrNotFound)); callers test with
// errors.Is.
var (
	// ErrNotFound means the resource does not exist in the tenant. A
	// resource of another tenant is reported exactly like a missing one.
	ErrNotFound = errors.New("resource not found")
	// ErrConflict means a uniqueness constraint would be violated (e.g. a
	// userName already in use in the tenant, compared case-insensitively).
	// The wrapping error's text names the attribute, never another tenant.
	ErrConflict = errors.New("uniqueness conflict")
	// ErrPrecondition means the expected version (If-Match) did not match
	// the stored version.
	ErrPrecondition = errors.New("version mismatch")
	// ErrUnavailable means the backend could not be reached or did not
	// answer in time. The operation may be retried; the HTTP layer answers
	// 503 with Retry-After. Nothing was committed.
	ErrUnavailable = errors.New("store unavailable")
	// ErrClosed means the store has been closed.
	ErrClosed = errors.New("store closed")
)

// Store is the storage contract every backend implements. All methods are
// safe for concurrent use, scoped to one tenant (any non-empty string
// chosen by the caller), and keyed by the resource type's Name. Resources
// passed in are not retained; resources returned are the caller's to
// modify.
//
// Resources of a type whose core schema defines a multi-valued complex
// "members" attribute with a "value" sub-attribute (the Group schema) keep
// their members in a membership index, so that membership can change by
// deltas without reading or rewriting the member list, and so that the
// groups of a member are answered from the index. Resource types with a
// readOnly multi-valued "groups" attribute (the User schema) get that
// attribute filled from the same index on read. Only member values that
// name a resource of the tenant of a type the members attribute allows
// enter the index, checked in the write's transaction; a Create or Update
// naming others leaves them out or fails with ErrUnresolved, as the
// context's RefPolicy says (WithRefPolicy, refs.go).
type Store interface {
	// Create stores a new resource and returns it with id, meta.created,
	// meta.lastModified and meta.version (W/"1") set by the store; any id or
	// meta in r is ignored. Uniqueness of attributes with uniqueness
	// "server" or "global" is checked atomically with the insert
	// (case-insensitively unless the attribute is caseExact): a duplicate
	// returns ErrConflict. The change and its events are committed together.
	Create(ctx context.Context, tenant string, rt *schema.ResourceType, r *schema.Resource) (*schema.Resource, error)

	// Get returns the resource or ErrNotFound.
	Get(ctx context.Context, tenant string, rt *schema.ResourceType, id string, opts ReadOptions) (*schema.Resource, error)

	// Update atomically reads, modifies and writes one resource: the
	// read-modify-write behind PUT and PATCH. See Update for the rules.
	// It returns the new resource and what changed, ErrNotFound,
	// ErrPrecondition, ErrConflict, or the error returned by u.Apply
	// unchanged (wrapped). No update is ever lost: concurrent Updates of
	// one resource are serialised or retried.
	Update(ctx context.Context, tenant string, rt *schema.ResourceType, id string, u Update) (*schema.Resource, *Change, error)

	// Delete removes the resource and, for a member resource, every
	// membership that refers to it; for a group, all its memberships.
	// ifMatch as in Update.IfMatch. It returns ErrNotFound when absent.
	Delete(ctx context.Context, tenant string, rt *schema.ResourceType, id string, ifMatch string) error

	// List returns the resources of rt that match q, with the exact total.
	List(ctx context.Context, tenant string, rt *schema.ResourceType, q Query) (*Page, error)

	// Close releases the store's resources.
	Close() error
}

// ReadOptions say which derived or large attributes a read may leave out.
// The zero value reads the whole resource.
type ReadOptions struct {
	// OmitMembers leaves out the members attribute and never touches the
	// membership index (GET /Groups/{id}?excludedAttributes=members).
	OmitMembers bool
	// OmitGroups leaves out the derived groups attribute of a member.
	OmitGroups bool
}

// Update describes a read-modify-write of one resource.
type Update struct {
	// IfMatch is the expected version: "" for none, "*" for any existing
	// resource, else a meta.version value such as W/"3" (the W/ prefix
	// and quotes are optional). A mismatch returns ErrPrecondition.
	IfMatch string

	// Apply computes the new state from the current one. It must be pure:
	// it may run more than once when a backend retries after a concurrent
	// change, and it must not modify cur. id, meta and schemas-derived
	// bookkeeping of the result are set by the store. Returning an error
	// aborts the update; the error is returned to the caller (wrapped).
	Apply func(cur *schema.Resource) (*schema.Resource, error)

	// LoadMembers makes cur carry the full members attribute, and makes the
	// members attribute of Apply's result the new complete member set. When
	// false, cur has no members attribute, any members in the result are
	// ignored, and MemberDeltas are applied instead.
	LoadMembers bool

	// ReturnMembers makes the returned resource carry the complete members
	// attribute as of this update, read in its transaction, also when
	// MemberDeltas were applied instead of LoadMembers (a PATCH whose
	// response asks for members). LoadMembers implies it.
	ReturnMembers bool

	// MemberDeltas are membership changes applied in order after Apply, in
	// the same transaction, at a cost independent of the group's size.
	// Adding a present member or removing an absent one is not an error.
	// Must be empty when LoadMembers is set.
	MemberDeltas []schema.MemberDelta
}

// Change describes what an Update really changed; backends fill it from
// the before and after states, so events and hooks see facts, not intents.
type Change struct {
	// Before is the state before the update (members omitted unless the
	// update loaded them).
	Before *schema.Resource
	// MembersAdded and MembersRemoved are the member values actually added
	// and removed.
	MembersAdded, MembersRemoved []string
}

// Query is a list request (RFC 7644 §3.4.2).
type Query struct {
	// Filter is a filter bound with filter.Bind to the resource type, or
	// nil for all resources.
	Filter filter.Expr
	// SortBy is the attribute to sort by (zero value: creation order).
	// Resources without a value sort last in ascending order (RFC 7644
	// §3.4.2.3); ties are broken by creation order, so pages are stable.
	SortBy schema.AttrRef
	// Descending reverses the order.
	Descending bool
	// StartIndex is the 1-based index of the first result (index paging).
	// Values below 1 mean 1.
	StartIndex int
	// Count is the maximum number of resources to return; 0 returns none
	// (only TotalResults). Callers apply defaults and caps before.
	Count int
	// Cursor selects cursor paging (RFC 9865) when UseCursor is set: ""
	// starts at the beginning; otherwise a Page.NextCursor from an earlier
	// call with the same filter and sort. An unknown or malformed cursor
	// returns an error wrapping ErrInvalidCursor.
	Cursor string
	// UseCursor selects cursor paging (RFC 9865) instead of index paging.
	UseCursor bool
	// Read says which derived or large attributes to leave out.
	Read ReadOptions
}

// ErrInvalidCursor means a cursor was not issued by this store for this
// query, or has expired (RFC 9865 "invalidCursor").
var ErrInvalidCursor = errors.New("invalid cursor")

// Page is one page of a List result.
type Page struct {
	// Resources are the matches on this page, in order.
	Resources []*schema.Resource
	// TotalResults is the exact number of matches of the whole query.
	TotalResults int
	// NextCursor, in cursor mode, continues after the last resource of this
	// page; "" when there are no more results.
	NextCursor string
}
