package hooks_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
)

var (
	userRT  = schema.UserResourceType()
	groupRT = schema.GroupResourceType()
)

// fixture is a store with helpers to provision users and groups directly.
type fixture struct {
	t  testing.TB
	st store.Store
}

func newFixture(t testing.TB) *fixture {
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	return &fixture{t: t, st: st}
}

func (f *fixture) user(tenant, name string, active bool) string {
	f.t.Helper()
	u, err := f.st.Create(context.Background(), tenant, userRT, &schema.Resource{
		Schemas: []string{schema.UserSchema}, ExternalID: "ext-" + name,
		Attrs: map[string]any{"userName": name, "active": active},
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return u.ID
}

func (f *fixture) group(tenant, name string, members ...string) string {
	f.t.Helper()
	var ms []any
	for _, m := range members {
		ms = append(ms, map[string]any{"value": m})
	}
	attrs := map[string]any{"displayName": name}
	if ms != nil {
		attrs["members"] = ms
	}
	g, err := f.st.Create(context.Background(), tenant, groupRT, &schema.Resource{
		Schemas: []string{schema.GroupSchema}, ExternalID: "ext-" + name, Attrs: attrs,
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return g.ID
}

// members changes the members of group gid by deltas.
func (f *fixture) members(tenant, gid string, ds ...schema.MemberDelta) {
	f.t.Helper()
	_, _, err := f.st.Update(context.Background(), tenant, groupRT, gid, store.Update{
		Apply:        func(cur *schema.Resource) (*schema.Resource, error) { return cur.Clone(), nil },
		MemberDeltas: ds,
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

// set sets one top-level attribute of a resource.
func (f *fixture) set(tenant string, rt *schema.ResourceType, id, attr string, v any) {
	f.t.Helper()
	_, _, err := f.st.Update(context.Background(), tenant, rt, id, store.Update{
		Apply: func(cur *schema.Resource) (*schema.Resource, error) {
			r := cur.Clone()
			r.Attrs[attr] = v
			return r, nil
		},
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

func TestSearchGroups(t *testing.T) {
	f := newFixture(t)
	ids := map[string]string{}
	for _, n := range []string{"Engineering", "eng-oncall", "ENG Leads", "Marketing", `Eng "quoted"`, "Éclair", "éclair-2", "İstanbul"} {
		ids[n] = f.group("acme", n)
	}
	f.group("other", "Engineering other tenant")
	d := hooks.NewDirectory(f.st, nil, nil)
	tests := []struct {
		prefix string
		limit  int
		want   []string
	}{
		{"eng", 0, []string{`Eng "quoted"`, "ENG Leads", "eng-oncall", "Engineering"}},
		{"ENG", 2, []string{`Eng "quoted"`, "ENG Leads"}},
		{`eng "q`, 0, []string{`Eng "quoted"`}},
		{"éc", 0, []string{"Éclair", "éclair-2"}},
		{"is", 0, []string{"İstanbul"}}, // unicode.ToLower('İ') is 'i', as in filter.Fold
		{"İS", 0, []string{"İstanbul"}},
		{"x", 0, nil},
		{"", 3, []string{`Eng "quoted"`, "ENG Leads", "eng-oncall"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q/%d", tt.prefix, tt.limit), func(t *testing.T) {
			got, err := d.SearchGroups(t.Context(), "acme", tt.prefix, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			var want []hooks.GroupInfo
			for _, n := range tt.want {
				want = append(want, hooks.GroupInfo{ID: ids[n], ExternalID: "ext-" + n, DisplayName: n})
			}
			if diff := cmp.Diff(want, got, cmpEmpty); diff != "" {
				t.Errorf("SearchGroups(%q) (-want +got):\n%s", tt.prefix, diff)
			}
		})
	}
}

// cmpEmpty treats nil and empty slices alike.
var cmpEmpty = cmp.FilterValues(func(a, b []hooks.GroupInfo) bool { return len(a) == 0 && len(b) == 0 }, cmp.Comparer(func(a, b []hooks.GroupInfo) bool { return true }))

func TestGroupAndUserGroups(t *testing.T) {
	f := newFixture(t)
	alice := f.user("acme", "alice", true)
	bob := f.user("acme", "bob", false)
	carol := f.user("acme", "carol", true)
	g1 := f.group("acme", "G1", alice, bob)
	g2 := f.group("acme", "G2", alice)
	g3 := f.group("acme", "G3", g1) // a group of groups is not expanded
	f.members("acme", g1, add(carol), remove(carol))
	d := hooks.NewDirectory(f.st, userRT, groupRT)
	ctx := t.Context()

	got, err := d.Group(ctx, "acme", g2)
	if diff := cmp.Diff(hooks.GroupInfo{ID: g2, ExternalID: "ext-G2", DisplayName: "G2"}, got); err != nil || diff != "" {
		t.Errorf("Group: %v (-want +got):\n%s", err, diff)
	}
	if _, err := d.Group(ctx, "other", g2); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Group of another tenant: %v, want ErrNotFound", err)
	}
	tests := []struct {
		name, tenant, id string
		want             []string
		active           bool
		err              error
	}{
		{"member of two", "acme", alice, sorted(g1, g2), true, nil},
		{"deactivated has none", "acme", bob, nil, false, nil},
		{"removed again", "acme", carol, nil, true, nil},
		{"missing", "acme", "nope", nil, false, store.ErrNotFound},
		{"other tenant", "other", alice, nil, false, store.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := d.UserGroups(ctx, tt.tenant, tt.id)
			if !errors.Is(err, tt.err) {
				t.Fatalf("UserGroups err = %v, want %v", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, got, cmpStrings); diff != "" {
				t.Errorf("UserGroups (-want +got):\n%s", diff)
			}
			active, err := d.Active(ctx, tt.tenant, tt.id)
			if !errors.Is(err, tt.err) || active != tt.active {
				t.Errorf("Active = %v, %v; want %v, %v", active, err, tt.active, tt.err)
			}
		})
	}
	_ = g3
}

var cmpStrings = cmp.FilterValues(func(a, b []string) bool { return len(a) == 0 && len(b) == 0 }, cmp.Comparer(func(a, b []string) bool { return true }))

func sorted(ids ...string) []string {
	out := append([]string(nil), ids...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func add(ids ...string) schema.MemberDelta    { return delta(schema.DeltaAdd, ids) }
func remove(ids ...string) schema.MemberDelta { return delta(schema.DeltaRemove, ids) }

func delta(k schema.DeltaKind, ids []string) schema.MemberDelta {
	d := schema.MemberDelta{Kind: k}
	for _, id := range ids {
		d.Members = append(d.Members, schema.Member{Value: id})
	}
	return d
}

// TestUserGroupsDanglingMembers: a group that names another tenant's user
// or an id that names nothing never makes either visible through the
// Directory (the store leaves such members out, store/refs.go).
func TestUserGroupsDanglingMembers(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	theirs := f.user("a", "theirs", true)
	ours := f.user("b", "ours", true)
	g := f.group("b", "B", theirs, "does-not-exist", ours)
	f.members("b", g, schema.MemberDelta{Kind: schema.DeltaAdd, Members: []schema.Member{{Value: theirs}, {Value: "ghost"}}})
	d := hooks.NewDirectory(f.st, nil, nil)
	for _, x := range []struct {
		tenant, id string
		want       []string
	}{{"a", theirs, []string{}}, {"b", ours, []string{g}}, {"b", theirs, nil}} {
		got, err := d.UserGroups(ctx, x.tenant, x.id)
		if x.tenant == "b" && x.id == theirs {
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("UserGroups of another tenant's user: %v, %v; want ErrNotFound", got, err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(x.want, got); d != "" {
			t.Errorf("UserGroups(%s, %s) (-want +got):\n%s", x.tenant, x.id, d)
		}
	}
	gr, err := f.st.Get(ctx, "b", groupRT, g, store.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ms := schema.MembersOf(gr.Attrs["members"]); len(ms) != 1 || ms[0].Value != ours {
		t.Errorf("members of B = %v, want only %s", ms, ours)
	}
}
