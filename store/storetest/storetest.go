package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// Run runs the shared suite against the stores newStore returns. newStore
// is called once per subtest, possibly from parallel subtests, and must
// return a fresh, empty, isolated store whose Close is registered with
// t.Cleanup (Close may then be called twice: the suite's "Close" subtest
// closes its store itself).
//
// Beyond the contract of store.Store, the suite pins these choices:
//   - Versions are W/"1" after Create and increase by exactly one per
//     committed Update that changed something. An Update whose Apply result
//     equals the current state and whose member deltas change nothing keeps
//     the version, meta.lastModified, and records no events.
//   - Stored times are UTC, truncated to whole milliseconds (backend.Timestamp), so a Get
//     returns the meta the write returned.
//   - Create and Update return the resource as Get would with ReadOptions
//     {OmitMembers: !loaded}: Create returns the members it was given,
//     Update returns members only when Update.LoadMembers is set. Users
//     carry their groups.
//   - Apply sees cur without the derived "groups" attribute and, unless
//     LoadMembers, without "members"; both are ignored in its result.
//   - Member order is insertion order; with LoadMembers, members kept keep
//     their position and new ones are appended in the result's order. A
//     user's groups are in the order the user joined them, each
//     {"value": id, "display": displayName, "type": "direct"}.
//   - Change.MembersAdded/MembersRemoved and the events report the net
//     effect of the whole update (a member added then removed in one update
//     is in neither list); their order is not specified.
//   - Descending without SortBy is ignored (RFC 7644 §3.4.2.3: sortOrder
//     applies to sortBy). A cursor used with a different sort returns
//     ErrInvalidCursor; a cursor whose row was deleted still works.
//   - After Close, methods return an error wrapping store.ErrClosed.
//   - A write with an already cancelled context fails and commits nothing.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Helper()
	for _, g := range groupsOfTests() {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.fn(t, newStore)
				})
			}
		})
	}
}

type testCase struct {
	name string
	fn   func(t *testing.T, newStore func(t *testing.T) store.Store)
}

type testGroup struct {
	name  string
	tests []testCase
}

func groupsOfTests() []testGroup {
	return []testGroup{
		{"CRUD", crudTests},
		{"Uniqueness", uniquenessTests},
		{"Versions", versionTests},
		{"Members", memberTests},
		{"Refs", refTests},
		{"List", listTests},
		{"Cursor", cursorTests},
		{"Tenants", tenantTests},
		{"Outbox", outboxTests},
		{"Concurrency", concurrencyTests},
		{"Filter", filterTests},
		{"Encoded", encodedTests},
		{"Agreement", agreementTests},
	}
}

// tenant is the tenant most subtests use; tenant isolation subtests use
// others too.
const tenant = "tenant-a"

// h is the per-subtest harness: a fresh store and must-succeed helpers.
type h struct {
	t   *testing.T
	s   store.Store
	ctx context.Context
	ten string
}

func newH(t *testing.T, newStore func(t *testing.T) store.Store) *h {
	t.Helper()
	s := newStore(t)
	if s == nil {
		t.Fatal("newStore returned nil")
	}
	return &h{t: t, s: s, ctx: t.Context(), ten: tenant}
}

func (h *h) create(rt *schema.ResourceType, r *schema.Resource) *schema.Resource {
	h.t.Helper()
	got, err := h.s.Create(h.ctx, h.ten, rt, r)
	if err != nil {
		h.t.Fatalf("Create %s: %v", rt.Name, err)
	}
	return got
}

func (h *h) get(rt *schema.ResourceType, id string, opts store.ReadOptions) *schema.Resource {
	h.t.Helper()
	got, err := h.s.Get(h.ctx, h.ten, rt, id, opts)
	if err != nil {
		h.t.Fatalf("Get %s %s: %v", rt.Name, id, err)
	}
	return got
}

func (h *h) update(rt *schema.ResourceType, id string, u store.Update) (*schema.Resource, *store.Change) {
	h.t.Helper()
	got, ch, err := h.s.Update(h.ctx, h.ten, rt, id, u)
	if err != nil {
		h.t.Fatalf("Update %s %s: %v", rt.Name, id, err)
	}
	return got, ch
}

func (h *h) list(rt *schema.ResourceType, q store.Query) *store.Page {
	h.t.Helper()
	p, err := h.s.List(h.ctx, h.ten, rt, q)
	if err != nil {
		h.t.Fatalf("List %s: %v", rt.Name, err)
	}
	return p
}

// user returns a User with the given userName and extra attributes.
func user(userName string, kv ...any) *schema.Resource {
	r := &schema.Resource{Schemas: []string{schema.UserSchema}, Attrs: map[string]any{"userName": userName}}
	for i := 0; i+1 < len(kv); i += 2 {
		r.Attrs[kv[i].(string)] = kv[i+1]
	}
	return r
}

// group returns a Group with the given displayName and member ids.
func group(name string, members ...string) *schema.Resource {
	r := &schema.Resource{Schemas: []string{schema.GroupSchema}, Attrs: map[string]any{"displayName": name}}
	if len(members) > 0 {
		r.Attrs["members"] = memberList(members...)
	}
	return r
}

func memberList(ids ...string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = map[string]any{"value": id}
	}
	return out
}

// set returns an Apply function that sets top-level attributes (nil
// removes) on a copy of cur.
func set(kv ...any) func(*schema.Resource) (*schema.Resource, error) {
	return func(cur *schema.Resource) (*schema.Resource, error) {
		next := cur.Clone()
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(next.Attrs, kv[i].(string))
			} else {
				next.Attrs[kv[i].(string)] = kv[i+1]
			}
		}
		return next, nil
	}
}

// memberValues returns the "value" of each element of r's members (or any
// multi-valued complex attribute named attr), in order.
func memberValues(r *schema.Resource, attr string) []string {
	list, _ := r.Attrs[attr].([]any)
	out := []string{}
	for _, e := range list {
		m, _ := e.(map[string]any)
		v, _ := m["value"].(string)
		out = append(out, v)
	}
	return out
}

func ids(rs []*schema.Resource) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

// fold is the case rule of filter.Match and of uniqueness: every rune
// mapped with unicode.ToLower.
func fold(s string) string { return filter.Fold(s) }

func wantErr(t *testing.T, op string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want one wrapping %q", op, err, want)
	}
}

func diff(t *testing.T, what string, want, got any, opts ...cmp.Option) {
	t.Helper()
	if d := cmp.Diff(want, got, opts...); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}
