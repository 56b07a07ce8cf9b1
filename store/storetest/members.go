package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

var memberTests = []testCase{
	{"CreateWithMembers", testCreateWithMembers},
	{"MemberTypeResolved", testMemberTypeResolved},
	{"Deltas", testDeltas},
	{"NetEffect", testNetEffect},
	{"LoadMembers", testLoadMembers},
	{"ReturnMembers", testReturnMembers},
	{"MembersInResultIgnored", testMembersInResultIgnored},
	{"OmitMembers", testOmitMembers},
	{"UserGroups", testUserGroups},
	{"UserDeleteRemovesMemberships", testUserDeleteRemovesMemberships},
	{"DeactivatedKeepsMemberships", testDeactivatedKeepsMemberships},
	{"GroupDelete", testGroupDelete},
	{"GroupOfGroups", testGroupOfGroups},
}

func addDelta(ids ...string) []schema.MemberDelta {
	d := schema.MemberDelta{Kind: schema.DeltaAdd}
	for _, id := range ids {
		d.Members = append(d.Members, schema.Member{Value: id})
	}
	return []schema.MemberDelta{d}
}

func removeDelta(ids ...string) []schema.MemberDelta {
	d := schema.MemberDelta{Kind: schema.DeltaRemove}
	for _, id := range ids {
		d.Members = append(d.Members, schema.Member{Value: id})
	}
	return []schema.MemberDelta{d}
}

func clearDelta() []schema.MemberDelta { return []schema.MemberDelta{{Kind: schema.DeltaClear}} }

func deltas(ds ...[]schema.MemberDelta) []schema.MemberDelta { return slices.Concat(ds...) }

// users creates n users named prefix0..prefix(n-1) and returns their ids.
func (h *h) users(prefix string, n int) []string {
	h.t.Helper()
	out := make([]string, n)
	for i := range out {
		out[i] = h.create(UserType(), user(fmt.Sprintf("%s%d", prefix, i))).ID
	}
	return out
}

func (h *h) members(gid string) []string {
	h.t.Helper()
	return memberValues(h.get(GroupType(), gid, store.ReadOptions{}), "members")
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	if s == nil {
		s = []string{}
	}
	return s
}

func testCreateWithMembers(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.users("m", 3)
	in := group("Team")
	in.Attrs["members"] = []any{
		map[string]any{"value": u[2], "type": "User", "display": "Third"},
		map[string]any{"value": u[0], "$ref": "https://example.com/v2/Users/" + u[0]},
		map[string]any{"value": u[2], "type": "User", "display": "Third"}, // duplicate: kept once
		map[string]any{"value": u[1]},
	}
	g := h.create(GroupType(), in)
	// "$ref" is derived when rendering (from the member's type and id),
	// never stored. The type stored is the type of the resource the value
	// names, sent or not.
	want := []any{in.Attrs["members"].([]any)[0], map[string]any{"value": u[0], "type": "User"}, map[string]any{"value": u[1], "type": "User"}}
	diff(t, "members returned by Create", want, g.Attrs["members"])
	diff(t, "members read back", want, h.get(GroupType(), g.ID, store.ReadOptions{}).Attrs["members"])
	empty := h.create(GroupType(), group("Empty"))
	if _, ok := h.get(GroupType(), empty.ID, store.ReadOptions{}).Attrs["members"]; ok {
		t.Error("a group without members has a members attribute")
	}
}

// testMemberTypeResolved: the type stored with a membership is the type
// of the resource its value names, whatever "type" the client sent (on
// create, in a delta, in a member list replacement), and the events
// follow it: a user sent as type "Group" gets user.groups_changed, a
// group sent as type "User" does not.
func testMemberTypeResolved(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.users("mt", 3)
	sub := h.create(GroupType(), group("Sub"))
	in := group("Typed")
	in.Attrs["members"] = []any{
		map[string]any{"value": u[0], "type": "Group"},
		map[string]any{"value": sub.ID, "type": "User"},
	}
	_, seq := h.eventsSince(0)
	g := h.create(GroupType(), in)
	want := []any{map[string]any{"value": u[0], "type": "User"}, map[string]any{"value": sub.ID, "type": "Group"}}
	diff(t, "members returned by Create", want, g.Attrs["members"])
	diff(t, "members read back", want, h.get(GroupType(), g.ID, store.ReadOptions{}).Attrs["members"])
	h.update(GroupType(), g.ID, store.Update{Apply: set(), MemberDeltas: []schema.MemberDelta{{Kind: schema.DeltaAdd,
		Members: []schema.Member{{Value: u[1], Type: "Group"}}}}})
	h.update(GroupType(), g.ID, store.Update{LoadMembers: true, Apply: withMembers(func(ms []any) []any {
		return append(ms, map[string]any{"value": u[2], "type": "Group", "display": "Two"})
	})})
	want = append(want, map[string]any{"value": u[1], "type": "User"}, map[string]any{"value": u[2], "type": "User", "display": "Two"})
	diff(t, "members after a delta and a replacement", want, h.get(GroupType(), g.ID, store.ReadOptions{}).Attrs["members"])
	evs, _ := h.eventsSince(seq)
	if evs == nil {
		return // no outbox
	}
	var changed []string
	for _, e := range evs {
		if e.Type == store.UserGroupsChanged {
			changed = append(changed, e.ResourceID)
		}
	}
	diff(t, "user.groups_changed about", []string{u[0], u[1], u[2]}, changed)
}

func testDeltas(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.users("d", 5)
	g := h.create(GroupType(), group("G", u[0], u[1]))
	steps := []struct {
		name               string
		d                  []schema.MemberDelta
		want, added, remov []string
	}{
		{"add new and present", addDelta(u[2], u[0]), []string{u[0], u[1], u[2]}, []string{u[2]}, nil},
		{"add again", addDelta(u[2]), []string{u[0], u[1], u[2]}, nil, nil},
		{"remove present and absent", removeDelta(u[1], "nobody"), []string{u[0], u[2]}, nil, []string{u[1]}},
		{"remove again", removeDelta(u[1]), []string{u[0], u[2]}, nil, nil},
		{"re-add goes last", addDelta(u[1]), []string{u[0], u[2], u[1]}, []string{u[1]}, nil},
		{"clear", clearDelta(), []string{}, nil, []string{u[0], u[2], u[1]}},
		{"clear empty", clearDelta(), []string{}, nil, nil},
		{"add several", addDelta(u[3], u[4], u[3]), []string{u[3], u[4]}, []string{u[3], u[4]}, nil},
		{"clear then add", deltas(clearDelta(), addDelta(u[0], u[4])), []string{u[0], u[4]}, []string{u[0]}, []string{u[3]}},
	}
	for _, st := range steps {
		_, ch := h.update(GroupType(), g.ID, store.Update{Apply: set(), MemberDeltas: st.d})
		diff(t, st.name+": members", st.want, h.members(g.ID))
		diff(t, st.name+": Change.MembersAdded", sorted(st.added), sorted(ch.MembersAdded))
		diff(t, st.name+": Change.MembersRemoved", sorted(st.remov), sorted(ch.MembersRemoved))
	}
	if v := h.get(GroupType(), g.ID, store.ReadOptions{}).Meta.Version; v != `W/"7"` {
		t.Errorf("version after 6 changing updates = %s, want W/\"7\"", v)
	}
}

func testNetEffect(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.users("n", 2)
	g := h.create(GroupType(), group("G", u[0]))
	got, ch := h.update(GroupType(), g.ID, store.Update{Apply: set(), MemberDeltas: deltas(addDelta(u[1]), removeDelta(u[1]), removeDelta(u[0]), addDelta(u[0]))})
	if len(ch.MembersAdded)+len(ch.MembersRemoved) != 0 || got.Meta.Version != `W/"1"` {
		t.Errorf("add+remove in one update: added %v removed %v version %s; want no change", ch.MembersAdded, ch.MembersRemoved, got.Meta.Version)
	}
	diff(t, "members", []string{u[0]}, h.members(g.ID))
}

func testLoadMembers(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.users("l", 4)
	g := h.create(GroupType(), group("G", u[0], u[1], u[2]))
	var seen []string
	got, ch := h.update(GroupType(), g.ID, store.Update{LoadMembers: true, Apply: func(cur *schema.Resource) (*schema.Resource, error) {
		seen = memberValues(cur, "members")
		next := cur.Clone()
		next.Attrs["members"] = memberList(u[3], u[2], u[0])
		next.Attrs["displayName"] = "G2"
		return next, nil
	}})
	diff(t, "members Apply saw", []string{u[0], u[1], u[2]}, seen)
	diff(t, "members returned", []string{u[0], u[2], u[3]}, memberValues(got, "members"))
	diff(t, "members stored", []string{u[0], u[2], u[3]}, h.members(g.ID))
	diff(t, "added", []string{u[3]}, sorted(ch.MembersAdded))
	diff(t, "removed", []string{u[1]}, sorted(ch.MembersRemoved))
	diff(t, "Change.Before members", []string{u[0], u[1], u[2]}, memberValues(ch.Before, "members"))
	got, _ = h.update(GroupType(), g.ID, store.Update{LoadMembers: true, Apply: set("members", nil)})
	if _, ok := got.Attrs["members"]; ok || len(h.members(g.ID)) != 0 {
		t.Errorf("members after replacing with none: %v", h.members(g.ID))
	}
}

func testMembersInResultIgnored(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.users("i", 2)
	g := h.create(GroupType(), group("G", u[0]))
	_, _ = h.update(GroupType(), g.ID, store.Update{Apply: func(cur *schema.Resource) (*schema.Resource, error) {
		if _, ok := cur.Attrs["members"]; ok {
			t.Error("Apply's cur has members without LoadMembers")
		}
		next := cur.Clone()
		next.Attrs["members"] = memberList(u[1])
		return next, nil
	}, MemberDeltas: addDelta(u[1])})
	diff(t, "members", []string{u[0], u[1]}, h.members(g.ID))
}

func testOmitMembers(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	big := h.users("member-", 301) // members must name resources (refs.go)
	extra := big[300]
	big = big[:300]
	g := h.create(GroupType(), group("Big", big...))
	diff(t, "members", big, h.members(g.ID))
	if r := h.get(GroupType(), g.ID, store.ReadOptions{OmitMembers: true}); r.Attrs["members"] != nil || r.Attrs["displayName"] != "Big" {
		t.Errorf("Get with OmitMembers = %v, want displayName and no members", r.Attrs)
	}
	got, _ := h.update(GroupType(), g.ID, store.Update{Apply: set("displayName", "Bigger"), MemberDeltas: addDelta(extra)})
	if _, ok := got.Attrs["members"]; ok {
		t.Error("Update without LoadMembers returned members")
	}
	p := h.list(GroupType(), store.Query{Count: 10, Read: store.ReadOptions{OmitMembers: true}})
	if len(p.Resources) != 1 || p.Resources[0].Attrs["members"] != nil {
		t.Errorf("List with OmitMembers returned %v", p.Resources)
	}
	p = h.list(GroupType(), store.Query{Count: 10})
	if len(p.Resources) != 1 || len(memberValues(p.Resources[0], "members")) != 301 {
		t.Errorf("List without OmitMembers: want the group with 301 members")
	}
}

func groupsOf(r *schema.Resource) []any {
	g, _ := r.Attrs["groups"].([]any)
	return g
}

func groupRef(id, display string) any {
	return map[string]any{"value": id, "display": display, "type": "direct"}
}

func testUserGroups(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.users("g", 2)
	g1 := h.create(GroupType(), group("One", u[0]))
	g2 := h.create(GroupType(), group("Two"))
	h.update(GroupType(), g2.ID, store.Update{Apply: set(), MemberDeltas: addDelta(u[0], u[1])})
	h.update(GroupType(), g1.ID, store.Update{Apply: set("displayName", "Uno")})
	diff(t, "groups of user 0", []any{groupRef(g1.ID, "Uno"), groupRef(g2.ID, "Two")}, groupsOf(h.get(UserType(), u[0], store.ReadOptions{})))
	diff(t, "groups of user 1", []any{groupRef(g2.ID, "Two")}, groupsOf(h.get(UserType(), u[1], store.ReadOptions{})))
	if r := h.get(UserType(), u[0], store.ReadOptions{OmitGroups: true}); r.Attrs["groups"] != nil {
		t.Errorf("Get with OmitGroups has groups %v", r.Attrs["groups"])
	}
	lonely := h.create(UserType(), user("lonely"))
	if _, ok := h.get(UserType(), lonely.ID, store.ReadOptions{}).Attrs["groups"]; ok {
		t.Error("a user in no group has a groups attribute")
	}
	// Every way of listing users derives their groups alike: a page, a
	// userName eq lookup, a cursor page, a sorted page.
	want := map[string][]any{u[0]: {groupRef(g1.ID, "Uno"), groupRef(g2.ID, "Two")}, u[1]: {groupRef(g2.ID, "Two")}}
	for _, q := range []store.Query{
		{Count: 10},
		{Count: 10, Filter: h.bind(UserType(), `userName eq "g0" or userName eq "G1" or userName eq "lonely"`)},
		{Count: 10, Filter: h.bind(UserType(), `userName eq "g0"`)},
		{Count: 10, UseCursor: true},
		{Count: 10, SortBy: mustRef(UserType(), "userName"), Descending: true},
	} {
		p := h.list(UserType(), q)
		for _, r := range p.Resources {
			g, ok := r.Attrs["groups"]
			switch {
			case want[r.ID] != nil:
				diff(t, fmt.Sprintf("groups of %s in List %+v", r.Attrs["userName"], q), want[r.ID], groupsOf(r))
			case ok:
				t.Errorf("List %+v: user %s in no group has groups %v", q, r.Attrs["userName"], g)
			}
		}
	}
	for _, f := range []filter.Expr{nil, h.bind(UserType(), `userName eq "g0"`)} {
		p := h.list(UserType(), store.Query{Count: 10, Filter: f, Read: store.ReadOptions{OmitGroups: true}})
		for _, r := range p.Resources {
			if r.Attrs["groups"] != nil {
				t.Errorf("List with OmitGroups (filter %v): user %s has groups", f, r.ID)
			}
		}
	}
	// The groups attribute is derived: Apply never sees it, and setting it
	// changes nothing.
	got, _ := h.update(UserType(), u[1], store.Update{Apply: func(cur *schema.Resource) (*schema.Resource, error) {
		if cur.Attrs["groups"] != nil {
			t.Error("Apply's cur has groups")
		}
		return set("groups", []any{groupRef(g1.ID, "Uno")})(cur)
	}})
	diff(t, "groups after Apply set them", []any{groupRef(g2.ID, "Two")}, groupsOf(got))
	if got.Meta.Version != `W/"1"` {
		t.Errorf("setting groups changed the version to %s", got.Meta.Version)
	}
}

func testUserDeleteRemovesMemberships(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.users("x", 3)
	g1 := h.create(GroupType(), group("One", u[0], u[1], u[2]))
	g2 := h.create(GroupType(), group("Two", u[1]))
	if err := h.s.Delete(h.ctx, h.ten, UserType(), u[1], ""); err != nil {
		t.Fatal(err)
	}
	diff(t, "members of One", []string{u[0], u[2]}, h.members(g1.ID))
	diff(t, "members of Two", []string{}, h.members(g2.ID))
}

func testDeactivatedKeepsMemberships(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.users("a", 1)
	g := h.create(GroupType(), group("One", u[0]))
	h.update(UserType(), u[0], store.Update{Apply: set("active", false)})
	diff(t, "members", []string{u[0]}, h.members(g.ID))
	diff(t, "groups", []any{groupRef(g.ID, "One")}, groupsOf(h.get(UserType(), u[0], store.ReadOptions{})))
}

func testGroupDelete(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.users("gd", 2)
	g1 := h.create(GroupType(), group("One", u[0], u[1]))
	g2 := h.create(GroupType(), group("Two", u[0]))
	if err := h.s.Delete(h.ctx, h.ten, GroupType(), g1.ID, ""); err != nil {
		t.Fatal(err)
	}
	diff(t, "groups of user 0", []any{groupRef(g2.ID, "Two")}, groupsOf(h.get(UserType(), u[0], store.ReadOptions{})))
	if g := groupsOf(h.get(UserType(), u[1], store.ReadOptions{})); g != nil {
		t.Errorf("groups of user 1 after deleting its only group: %v", g)
	}
	// Re-creating a group with the same name starts empty.
	g3 := h.create(GroupType(), group("One"))
	diff(t, "members of new One", []string{}, h.members(g3.ID))
}

func testGroupOfGroups(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.users("gg", 1)
	inner := h.create(GroupType(), group("Inner", u[0]))
	outer := h.create(GroupType(), group("Outer"))
	h.update(GroupType(), outer.ID, store.Update{Apply: set(), MemberDeltas: []schema.MemberDelta{{Kind: schema.DeltaAdd,
		Members: []schema.Member{{Value: inner.ID, Type: "Group"}}}}})
	diff(t, "outer members", []any{map[string]any{"value": inner.ID, "type": "Group"}}, h.get(GroupType(), outer.ID, store.ReadOptions{}).Attrs["members"])
	diff(t, "groups of user (no indirect)", []any{groupRef(inner.ID, "Inner")}, groupsOf(h.get(UserType(), u[0], store.ReadOptions{})))
	if err := h.s.Delete(h.ctx, h.ten, GroupType(), inner.ID, ""); err != nil {
		t.Fatal(err)
	}
	diff(t, "outer members after deleting inner", []string{}, h.members(outer.ID))
}

// testReturnMembers: an Update with ReturnMembers returns the members as
// the update left them, read in its transaction, also with deltas and
// when nothing changed; without it (and without LoadMembers) the result
// has no members.
func testReturnMembers(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.users("r", 3)
	g := h.create(GroupType(), group("Team", u[0], u[1]))
	keep := func(cur *schema.Resource) (*schema.Resource, error) { return cur, nil }
	valuesOf := func(r *schema.Resource) []string {
		var out []string
		for _, m := range schema.MembersOf(r.Attrs["members"]) {
			out = append(out, m.Value)
		}
		return out
	}
	out, _ := h.update(GroupType(), g.ID, store.Update{Apply: keep, MemberDeltas: append(removeDelta(u[0]), addDelta(u[2])...), ReturnMembers: true})
	diff(t, "members after remove+add", []string{u[1], u[2]}, valuesOf(out))
	out, _ = h.update(GroupType(), g.ID, store.Update{Apply: keep, ReturnMembers: true})
	diff(t, "members of a no-op update", []string{u[1], u[2]}, valuesOf(out))
	if out.Meta.Version != backend.FormatVersion(2) {
		t.Errorf("version after one change and a no-op = %s, want W/\"2\"", out.Meta.Version)
	}
	out, _ = h.update(GroupType(), g.ID, store.Update{Apply: keep, MemberDeltas: addDelta(u[0])})
	if out.Attrs["members"] != nil {
		t.Errorf("members returned without ReturnMembers: %v", out.Attrs["members"])
	}
}
