package storetest

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// Membership references (store/refs.go): a member value must name a
// resource of the tenant of a type the members attribute allows; the
// others are left out (DropUnresolved, reported) or refused
// (RejectUnresolved), and never reach the index or the events.
var refTests = []testCase{
	{"DropOnCreate", testRefsDropOnCreate},
	{"DropOnDeltas", testRefsDropOnDeltas},
	{"DropOnReplace", testRefsDropOnReplace},
	{"Reject", testRefsReject},
	{"OtherTenantLikeNothing", testRefsOtherTenant},
	{"AllowedTypes", testRefsAllowedTypes},
	{"DeleteWhileAdding", testRefsDeleteWhileAdding},
}

// missing is a well-formed id that names nothing.
const missing = "6f1c1d4e-0000-4000-8000-000000000000"

// dropping returns h's context with DropUnresolved and a fresh report.
func (x *h) dropping() (*h, *store.RefReport) {
	rep := &store.RefReport{}
	return &h{t: x.t, s: x.s, ten: x.ten, ctx: store.WithRefPolicy(x.ctx, store.DropUnresolved, rep)}, rep
}

func testRefsDropOnCreate(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.users("r", 1)[0]
	sub := h.create(GroupType(), group("Sub")).ID
	dev := h.create(DeviceType(), &schema.Resource{Schemas: []string{DeviceSchema}, Attrs: map[string]any{"serial": "S1"}}).ID
	d := &drainer{h: h, o: outboxOf(t, h.s)}
	d.next()
	hd, rep := h.dropping()
	// Ids are case-sensitive: an upper-cased id names nothing.
	upper := strings.ToUpper(u)
	g := hd.create(GroupType(), group("Team", "nope", u, missing, sub, dev, "nope", upper))
	diff(t, "members returned by Create", []string{u, sub}, memberValues(g, "members"))
	diff(t, "members stored", []string{u, sub}, h.members(g.ID))
	diff(t, "dropped", []string{"nope", missing, dev, upper}, rep.Dropped)
	d.expect("create with dangling members",
		ev{Type: store.GroupCreated, ResourceType: "Group", ResourceID: g.ID, Version: 1, DisplayName: "Team"},
		ev{Type: store.MembersAdded, ResourceType: "Group", ResourceID: g.ID, Version: 1, DisplayName: "Team", Members: []string{u, sub}},
		ev{Type: store.UserGroupsChanged, ResourceType: "User", ResourceID: u, GroupsAdded: []string{g.ID}})
	// A create without dangling members reports none, on the same report.
	hd.create(GroupType(), group("Clean", u))
	diff(t, "dropped by a clean create", []string(nil), rep.Dropped)
}

func testRefsDropOnDeltas(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.users("r", 2)
	g := h.create(GroupType(), group("Team", u[0])).ID
	d := &drainer{h: h, o: outboxOf(t, h.s)}
	d.next()
	hd, rep := h.dropping()
	_, ch := hd.update(GroupType(), g, store.Update{Apply: set(), MemberDeltas: deltas(
		addDelta(missing, u[1], g), removeDelta("never-there"), addDelta("nope"))})
	diff(t, "members", []string{u[0], u[1]}, h.members(g))
	diff(t, "added", []string{u[1]}, ch.MembersAdded)
	diff(t, "dropped (the group itself included)", []string{missing, g, "nope"}, rep.Dropped)
	d.expect("deltas with dangling members",
		ev{Type: store.MembersAdded, ResourceType: "Group", ResourceID: g, Version: 2, DisplayName: "Team", Members: []string{u[1]}},
		ev{Type: store.UserGroupsChanged, ResourceType: "User", ResourceID: u[1], GroupsAdded: []string{g}})
	// Only dangling members: nothing changes, no version, no event.
	_, ch = hd.update(GroupType(), g, store.Update{Apply: set(), MemberDeltas: addDelta(missing)})
	if len(ch.MembersAdded) > 0 {
		t.Errorf("adding only a dangling member added %v", ch.MembersAdded)
	}
	if v := h.get(GroupType(), g, store.ReadOptions{OmitMembers: true}).Meta.Version; v != backend.FormatVersion(2) {
		t.Errorf("version after a dangling-only add = %s, want W/\"2\"", v)
	}
	d.expect("dangling-only add")
}

func testRefsDropOnReplace(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.users("r", 3)
	g := h.create(GroupType(), group("Team", u[0], u[1])).ID
	hd, rep := h.dropping()
	got, ch := hd.update(GroupType(), g, store.Update{LoadMembers: true, Apply: func(cur *schema.Resource) (*schema.Resource, error) {
		next := cur.Clone()
		next.Attrs["members"] = memberList(u[1], missing, u[2], g)
		return next, nil
	}})
	diff(t, "members returned", []string{u[1], u[2]}, memberValues(got, "members"))
	diff(t, "members stored", []string{u[1], u[2]}, h.members(g))
	diff(t, "added", []string{u[2]}, ch.MembersAdded)
	diff(t, "removed", []string{u[0]}, ch.MembersRemoved)
	diff(t, "dropped", []string{missing, g}, rep.Dropped)
	diff(t, "groups of a dropped value", []any(nil), groupsOf(h.get(UserType(), u[0], store.ReadOptions{})))
}

func testRefsReject(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.users("r", 2)
	g := h.create(GroupType(), group("Team", u[0])).ID
	d := &drainer{h: h, o: outboxOf(t, h.s)}
	d.next()
	ctx := store.WithRefPolicy(h.ctx, store.RejectUnresolved, nil)
	check := func(what string, err error) {
		t.Helper()
		var ue *store.UnresolvedError
		if !errors.Is(err, store.ErrUnresolved) || !errors.As(err, &ue) {
			t.Fatalf("%s: %v, want an *UnresolvedError", what, err)
		}
		diff(t, what+": values", []string{missing, "nope"}, ue.Values)
		if ue.Attr != "members" {
			t.Errorf("%s: Attr %q, want members", what, ue.Attr)
		}
	}
	_, err := h.s.Create(ctx, h.ten, GroupType(), group("New", u[1], missing, "nope"))
	check("Create", err)
	if p := h.list(GroupType(), store.Query{Count: 10}); p.TotalResults != 1 {
		t.Errorf("a refused Create stored a group: %d groups", p.TotalResults)
	}
	_, _, err = h.s.Update(ctx, h.ten, GroupType(), g, store.Update{Apply: set("displayName", "Renamed"),
		MemberDeltas: addDelta(u[1], missing, "nope")})
	check("Update with deltas", err)
	_, _, err = h.s.Update(ctx, h.ten, GroupType(), g, store.Update{LoadMembers: true, Apply: func(cur *schema.Resource) (*schema.Resource, error) {
		next := cur.Clone()
		next.Attrs["members"] = memberList(u[0], missing, "nope")
		return next, nil
	}})
	check("Update with LoadMembers", err)
	got := h.get(GroupType(), g, store.ReadOptions{})
	if got.Meta.Version != backend.FormatVersion(1) || got.Attrs["displayName"] != "Team" {
		t.Errorf("refused updates changed the group: %s %v", got.Meta.Version, got.Attrs["displayName"])
	}
	diff(t, "members after refused writes", []string{u[0]}, memberValues(got, "members"))
	d.expect("refused writes")
	// Resolving members are accepted as usual.
	if _, _, err := h.s.Update(ctx, h.ten, GroupType(), g, store.Update{Apply: set(), MemberDeltas: addDelta(u[1])}); err != nil {
		t.Fatalf("strict add of an existing user: %v", err)
	}
}

// testRefsOtherTenant: tenant B naming tenant A's user gets exactly what
// a random id gets.
func testRefsOtherTenant(t *testing.T, newStore factory) {
	a := newH(t, newStore)
	u := a.users("r", 1)[0]
	b := &h{t: t, s: a.s, ctx: a.ctx, ten: "tenant-b"}
	bd, rep := b.dropping()
	g := bd.create(GroupType(), group("B", u, missing))
	diff(t, "B's members", []string{}, sorted(b.members(g.ID)))
	diff(t, "dropped", []string{u, missing}, rep.Dropped)
	_, err := b.s.Create(store.WithRefPolicy(b.ctx, store.RejectUnresolved, nil), b.ten, GroupType(), group("B2", u))
	var ue *store.UnresolvedError
	if !errors.As(err, &ue) {
		t.Fatalf("strict Create naming another tenant's user: %v, want an *UnresolvedError", err)
	}
	diff(t, "A's user's groups", []any(nil), groupsOf(a.get(UserType(), u, store.ReadOptions{})))
}

// testRefsDeleteWhileAdding: users are deleted while other goroutines add
// them to a group; afterwards the group holds only users that exist, and
// each user's groups agree with the group.
func testRefsDeleteWhileAdding(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	const n = 24
	u := h.users("race", n)
	g := h.create(GroupType(), group("Race")).ID
	var wg sync.WaitGroup
	for i, id := range u {
		wg.Go(func() {
			if err := h.s.Delete(h.ctx, h.ten, UserType(), id, ""); err != nil {
				t.Errorf("delete %d: %v", i, err)
			}
		})
		wg.Go(func() {
			if _, _, err := h.s.Update(h.ctx, h.ten, GroupType(), g, store.Update{Apply: set(), MemberDeltas: addDelta(id)}); err != nil {
				t.Errorf("add %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if left := h.members(g); len(left) > 0 {
		t.Errorf("the group holds %d deleted users: %v", len(left), left)
	}
	// And the other way round: a live user added while another is deleted.
	live := h.users("live", n)
	gone := h.users("gone", n)
	for i := range n {
		wg.Go(func() {
			if err := h.s.Delete(h.ctx, h.ten, UserType(), gone[i], ""); err != nil {
				t.Errorf("delete %d: %v", i, err)
			}
		})
		wg.Go(func() {
			if _, _, err := h.s.Update(h.ctx, h.ten, GroupType(), g, store.Update{Apply: set(), MemberDeltas: addDelta(live[i], gone[i])}); err != nil {
				t.Errorf("add %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	diff(t, "members: the live users only", sorted(live), sorted(h.members(g)))
	for _, id := range live[:3] {
		diff(t, "groups of a live user", []any{groupRef(g, "Race")}, groupsOf(h.get(UserType(), id, store.ReadOptions{})))
	}
}

// teamType is a resource type whose members may only be users (the
// referenceTypes of its members' "$ref").
var teamType = sync.OnceValue(func() *schema.ResourceType {
	s := schema.MustSchema(&schema.Schema{ID: "urn:scimkit:params:scim:schemas:core:2.0:Team", Name: "Team", Attributes: []*schema.Attribute{
		{Name: "displayName", Type: schema.String},
		{Name: "members", Type: schema.Complex, MultiValued: true, SubAttributes: []*schema.Attribute{
			{Name: "value", Type: schema.String, CaseExact: true},
			{Name: "$ref", Type: schema.Reference, ReferenceTypes: []string{"User"}},
			{Name: "type", Type: schema.String},
		}},
	}})
	return schema.MustResourceType(&schema.ResourceType{Name: "Team", Endpoint: "/Teams", Schema: s})
})

// testRefsAllowedTypes: a member must be of a type the members attribute
// allows: a Team takes users only; a Group takes users and groups, not
// devices.
func testRefsAllowedTypes(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.users("r", 1)[0]
	g := h.create(GroupType(), group("G")).ID
	dev := h.create(DeviceType(), &schema.Resource{Schemas: []string{DeviceSchema}, Attrs: map[string]any{"serial": "S1"}}).ID
	hd, rep := h.dropping()
	team := hd.create(teamType(), &schema.Resource{Schemas: []string{teamType().Schema.ID},
		Attrs: map[string]any{"displayName": "T", "members": memberList(g, u, dev)}})
	diff(t, "team members", []string{u}, memberValues(team, "members"))
	diff(t, "team dropped", []string{g, dev}, rep.Dropped)
	got := h.get(teamType(), team.ID, store.ReadOptions{})
	diff(t, "team members stored", []string{u}, memberValues(got, "members"))
	_, err := h.s.Create(store.WithRefPolicy(h.ctx, store.RejectUnresolved, nil), h.ten, GroupType(), group("G2", u, dev))
	var ue *store.UnresolvedError
	if !errors.As(err, &ue) {
		t.Fatalf("strict Create naming a device: %v, want an *UnresolvedError", err)
	}
	diff(t, "refused values", []string{dev}, ue.Values)
	diff(t, "types a Group member may be", []string{"User", "Group"}, ue.Types)
}
