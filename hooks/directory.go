package hooks

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// DefaultSearchLimit is the number of groups SearchGroups returns when
// called with limit <= 0; MaxSearchLimit caps larger limits.
const (
	DefaultSearchLimit = 100
	MaxSearchLimit     = 1000
)

// GroupInfo is what policy editors and policies need of a group. Policies
// should refer to groups by ID, which the server assigned and never
// changes or reuses; DisplayName follows the IdP's renames.
type GroupInfo struct {
	// ID is the server-assigned group id, ExternalID the IdP's id, DisplayName the group's name.
	ID, ExternalID, DisplayName string
}

// Directory answers policy editors (search groups, look one up) and
// per-request policy evaluation (a user's effective groups, whether the
// user is active) from the store's indexes, so it always reflects the
// IdP's current state. It is safe for concurrent use.
//
// Every call reads through to the store: UserGroups and Active are one
// indexed read of the user (with its groups from the membership index),
// Group one read of a group without its members. BenchmarkDirectory (a
// user in 20 of 10,000 groups, 2 shared cores) measured UserGroups at
// about 7µs on memory, 180µs on SQLite and 415µs on PostgreSQL, Active at
// 1µs, 37µs and 80µs. There is deliberately no cache: one invalidated by
// events would let a policy see a deactivated user's groups for as long
// as delivery lags (indefinitely while a handler is failing), and every
// replica would need its own event consumer. A gateway that needs less
// per-request cost can keep the groups in its sessions, as NoAction
// evaluates them, accepting that they lag behind the IdP.
type Directory struct {
	st            store.Store
	users, groups *schema.ResourceType
	displayName   schema.AttrRef // of groups
}

// NewDirectory returns a Directory over st for the given user and group
// resource types (nil means schema.UserResourceType() and
// schema.GroupResourceType(), the types scim.New serves by default). Pass
// the same values as scim.Config.ResourceTypes, so that the Directory and
// the SCIM handler read the store with one schema.
func NewDirectory(st store.Store, users, groups *schema.ResourceType) *Directory {
	if users == nil {
		users = schema.UserResourceType()
	}
	if groups == nil {
		groups = schema.GroupResourceType()
	}
	ref, _ := groups.Lookup("", "displayName", "")
	return &Directory{st: st, users: users, groups: groups, displayName: ref}
}

// SearchGroups returns up to limit groups of tenant whose displayName
// starts with prefix, compared case-insensitively (the filter
// displayName sw "prefix" of RFC 7644 §3.4.2.2, folded per rune as package
// filter folds), sorted by displayName (ties in creation order). An empty
// prefix lists every group. limit <= 0 means DefaultSearchLimit; limits
// above MaxSearchLimit are capped.
func (d *Directory) SearchGroups(ctx context.Context, tenant, prefix string, limit int) ([]GroupInfo, error) {
	if limit <= 0 {
		limit = DefaultSearchLimit
	}
	limit = min(limit, MaxSearchLimit)
	q := store.Query{SortBy: d.displayName, Count: limit, Read: store.ReadOptions{OmitMembers: true}}
	if prefix != "" {
		f, err := d.prefixFilter(prefix)
		if err != nil {
			return nil, err
		}
		q.Filter = f
	}
	page, err := d.st.List(ctx, tenant, d.groups, q)
	if err != nil {
		return nil, fmt.Errorf("hooks: search groups: %w", err)
	}
	out := make([]GroupInfo, 0, len(page.Resources))
	for _, r := range page.Resources {
		out = append(out, groupInfo(r))
	}
	return out, nil
}

// prefixFilter builds the bound filter displayName sw "prefix"; the value
// is a JSON string literal, so no character of prefix can change the
// filter's structure.
func (d *Directory) prefixFilter(prefix string) (filter.Expr, error) {
	lit, err := json.Marshal(prefix)
	if err != nil {
		return nil, fmt.Errorf("hooks: search groups: %w", err)
	}
	e, err := filter.Parse("displayName sw " + string(lit))
	if err == nil {
		e, err = filter.Bind(d.groups, e)
	}
	if err != nil {
		return nil, fmt.Errorf("hooks: search groups by prefix: %w", err)
	}
	return e, nil
}

// Group returns the group with the given id, without reading its members.
// A missing group (or one of another tenant) returns an error wrapping
// store.ErrNotFound.
func (d *Directory) Group(ctx context.Context, tenant, id string) (GroupInfo, error) {
	r, err := d.st.Get(ctx, tenant, d.groups, id, store.ReadOptions{OmitMembers: true})
	if err != nil {
		return GroupInfo{}, fmt.Errorf("hooks: group %s: %w", id, err)
	}
	return groupInfo(r), nil
}

func groupInfo(r *schema.Resource) GroupInfo {
	name, _ := r.Attrs["displayName"].(string)
	return GroupInfo{ID: r.ID, ExternalID: r.ExternalID, DisplayName: name}
}

// UserGroups returns the ids of the groups the user is a direct member of,
// sorted, from the store's membership index (the user's derived "groups"
// attribute, RFC 7643 §4.1.2). A deactivated user (active false) has no
// effective groups: the result is empty. A missing user returns an error
// wrapping store.ErrNotFound. Groups of groups are not expanded.
func (d *Directory) UserGroups(ctx context.Context, tenant, userID string) ([]string, error) {
	u, err := d.st.Get(ctx, tenant, d.users, userID, store.ReadOptions{OmitMembers: true})
	if err != nil {
		return nil, fmt.Errorf("hooks: groups of user %s: %w", userID, err)
	}
	if !store.Active(u) {
		return nil, nil
	}
	return groupIDs(u), nil
}

// groupIDs returns the sorted, distinct values of u's groups attribute.
func groupIDs(u *schema.Resource) []string {
	vs, _ := u.Attrs["groups"].([]any)
	ids := make([]string, 0, len(vs))
	for _, v := range vs {
		m, _ := v.(map[string]any)
		if id, ok := m["value"].(string); ok && id != "" {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// Active reports whether the user is active: its "active" attribute, true
// when absent (store.Active). A missing user returns false and an error
// wrapping store.ErrNotFound.
func (d *Directory) Active(ctx context.Context, tenant, userID string) (bool, error) {
	u, err := d.st.Get(ctx, tenant, d.users, userID, store.ReadOptions{OmitMembers: true, OmitGroups: true})
	if err != nil {
		return false, fmt.Errorf("hooks: user %s: %w", userID, err)
	}
	return store.Active(u), nil
}
