package storetest

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

var outboxTests = []testCase{
	{"EventsPerChange", testEventsPerChange},
	{"NoneForFailedOrNoOpChanges", testNoEventsForFailures},
	{"RequestInfo", testRequestInfo},
	{"EventsOfRequest", testEventsOfRequest},
	{"SeqAndPaging", testEventSeq},
	{"LastSeq", testLastSeq},
}

// ev is the comparable part of a store.Event.
type ev struct {
	Type                        store.EventType
	ResourceType, ResourceID    string
	Version                     int64
	Paths, Members              []string
	GroupsAdded, GroupsRemoved  []string
	DisplayName, OldDisplayName string
}

func outboxOf(t *testing.T, s store.Store) store.Outbox {
	t.Helper()
	o, ok := s.(store.Outbox)
	if !ok {
		t.Skip("store does not implement store.Outbox")
	}
	return o
}

// drainer reads the events recorded since the previous call.
type drainer struct {
	h    *h
	o    store.Outbox
	last int64
}

func (d *drainer) next() []store.Event {
	d.h.t.Helper()
	var out []store.Event
	for {
		evs, err := d.o.Events(d.h.ctx, d.last, 7)
		if err != nil {
			d.h.t.Fatalf("Events(%d, 7): %v", d.last, err)
		}
		if len(evs) == 0 {
			return out
		}
		for _, e := range evs {
			if e.Seq <= d.last {
				d.h.t.Fatalf("event seq %d not after %d", e.Seq, d.last)
			}
			d.last = e.Seq
		}
		out = append(out, evs...)
	}
}

// summary drops what varies (ids, times, seq) and orders a commit's events
// by type and resource, with sorted member lists.
func summary(evs []store.Event) []ev {
	out := []ev{}
	for _, e := range evs {
		out = append(out, ev{Type: e.Type, ResourceType: e.ResourceType, ResourceID: e.ResourceID, Version: e.Version,
			Paths: e.Paths, Members: sortedOrNil(e.Members), GroupsAdded: sortedOrNil(e.GroupsAdded), GroupsRemoved: sortedOrNil(e.GroupsRemoved),
			DisplayName: e.DisplayName, OldDisplayName: e.OldDisplayName})
	}
	slices.SortStableFunc(out, func(a, b ev) int {
		return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.ResourceID, b.ResourceID))
	})
	return out
}

func sortedOrNil(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return sorted(s)
}

func (d *drainer) expect(what string, want ...ev) {
	d.h.t.Helper()
	if want == nil {
		want = []ev{}
	}
	for i := range want {
		want[i].Members = sortedOrNil(want[i].Members)
	}
	got := d.next()
	for _, e := range got {
		if e.Tenant != d.h.ten || e.ID == "" || e.Time.IsZero() {
			d.h.t.Errorf("%s: event %+v lacks tenant, id or time", what, e)
		}
	}
	slices.SortStableFunc(want, func(a, b ev) int {
		return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.ResourceID, b.ResourceID))
	})
	diff(d.h.t, what+": events", want, summary(got))
}

func testEventsPerChange(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	d := &drainer{h: h, o: outboxOf(t, h.s)}
	u1 := h.create(UserType(), user("ev1")).ID
	d.expect("create user", ev{Type: store.UserCreated, ResourceType: "User", ResourceID: u1, Version: 1})
	u2 := h.create(UserType(), user("ev2")).ID
	d.expect("create user 2", ev{Type: store.UserCreated, ResourceType: "User", ResourceID: u2, Version: 1})
	h.update(UserType(), u1, store.Update{Apply: set("title", "Dr")})
	d.expect("set title", ev{Type: store.UserUpdated, ResourceType: "User", ResourceID: u1, Version: 2, Paths: []string{"title"}})
	h.update(UserType(), u1, store.Update{Apply: set("active", false)})
	d.expect("deactivate", ev{Type: store.UserUpdated, ResourceType: "User", ResourceID: u1, Version: 3, Paths: []string{"active"}},
		ev{Type: store.UserDeactivated, ResourceType: "User", ResourceID: u1, Version: 3})
	h.update(UserType(), u1, store.Update{Apply: set("active", true)})
	d.expect("reactivate", ev{Type: store.UserUpdated, ResourceType: "User", ResourceID: u1, Version: 4, Paths: []string{"active"}},
		ev{Type: store.UserReactivated, ResourceType: "User", ResourceID: u1, Version: 4})
	h.update(UserType(), u1, store.Update{Apply: set(schema.EnterpriseUserSchema, map[string]any{"department": "R&D"}, "nickName", "N")})
	d.expect("extension attribute", ev{Type: store.UserUpdated, ResourceType: "User", ResourceID: u1, Version: 5,
		Paths: []string{"nickName", schema.EnterpriseUserSchema + ":department"}})

	g := h.create(GroupType(), group("Eng", u1)).ID
	d.expect("create group with a member",
		ev{Type: store.GroupCreated, ResourceType: "Group", ResourceID: g, Version: 1, DisplayName: "Eng"},
		ev{Type: store.MembersAdded, ResourceType: "Group", ResourceID: g, Version: 1, DisplayName: "Eng", Members: []string{u1}},
		ev{Type: store.UserGroupsChanged, ResourceType: "User", ResourceID: u1, GroupsAdded: []string{g}})
	h.update(GroupType(), g, store.Update{Apply: set(), MemberDeltas: deltas(addDelta(u2), removeDelta(u1))})
	d.expect("add and remove members",
		ev{Type: store.MembersAdded, ResourceType: "Group", ResourceID: g, Version: 2, DisplayName: "Eng", Members: []string{u2}},
		ev{Type: store.MembersRemoved, ResourceType: "Group", ResourceID: g, Version: 2, DisplayName: "Eng", Members: []string{u1}},
		ev{Type: store.UserGroupsChanged, ResourceType: "User", ResourceID: u2, GroupsAdded: []string{g}},
		ev{Type: store.UserGroupsChanged, ResourceType: "User", ResourceID: u1, GroupsRemoved: []string{g}})
	h.update(GroupType(), g, store.Update{Apply: set("displayName", "Engineering")})
	d.expect("rename group",
		ev{Type: store.GroupRenamed, ResourceType: "Group", ResourceID: g, Version: 3, DisplayName: "Engineering", OldDisplayName: "Eng"},
		ev{Type: store.GroupUpdated, ResourceType: "Group", ResourceID: g, Version: 3, DisplayName: "Engineering", Paths: []string{"displayName"}})
	if err := h.s.Delete(h.ctx, h.ten, UserType(), u2, ""); err != nil {
		t.Fatal(err)
	}
	d.expect("delete a member user",
		ev{Type: store.UserDeleted, ResourceType: "User", ResourceID: u2, Version: 1},
		ev{Type: store.UserGroupsChanged, ResourceType: "User", ResourceID: u2, GroupsRemoved: []string{g}})
	sub := h.create(GroupType(), group("Sub")).ID
	d.next()
	h.update(GroupType(), g, store.Update{Apply: set(), MemberDeltas: addDelta(u1, sub)})
	d.expect("add a user and a group",
		ev{Type: store.MembersAdded, ResourceType: "Group", ResourceID: g, Version: 4, DisplayName: "Engineering", Members: []string{u1, sub}},
		ev{Type: store.UserGroupsChanged, ResourceType: "User", ResourceID: u1, GroupsAdded: []string{g}})
	if err := h.s.Delete(h.ctx, h.ten, GroupType(), g, ""); err != nil {
		t.Fatal(err)
	}
	d.expect("delete group",
		ev{Type: store.GroupDeleted, ResourceType: "Group", ResourceID: g, Version: 4, DisplayName: "Engineering"},
		ev{Type: store.UserGroupsChanged, ResourceType: "User", ResourceID: u1, GroupsRemoved: []string{g}})
	if err := h.s.Delete(h.ctx, h.ten, UserType(), u1, ""); err != nil {
		t.Fatal(err)
	}
	d.expect("delete user in no group", ev{Type: store.UserDeleted, ResourceType: "User", ResourceID: u1, Version: 5})

	dev := h.create(DeviceType(), &schema.Resource{Schemas: []string{DeviceSchema}, Attrs: map[string]any{"serial": "1"}}).ID
	d.expect("create device", ev{Type: store.ResourceCreated, ResourceType: "Device", ResourceID: dev, Version: 1})
	h.update(DeviceType(), dev, store.Update{Apply: set("label", "x")})
	d.expect("update device", ev{Type: store.ResourceUpdated, ResourceType: "Device", ResourceID: dev, Version: 2, Paths: []string{"label"}})
	if err := h.s.Delete(h.ctx, h.ten, DeviceType(), dev, ""); err != nil {
		t.Fatal(err)
	}
	d.expect("delete device", ev{Type: store.ResourceDeleted, ResourceType: "Device", ResourceID: dev, Version: 2})
}

func testNoEventsForFailures(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	d := &drainer{h: h, o: outboxOf(t, h.s)}
	u := h.create(UserType(), user("taken"))
	g := h.create(GroupType(), group("G", u.ID))
	d.next()
	cancelled, cancel := context.WithCancel(h.ctx)
	cancel()
	for name, op := range map[string]func() error{
		"create conflict": func() error { _, err := h.s.Create(h.ctx, h.ten, UserType(), user("TAKEN")); return err },
		"apply error": func() error {
			_, _, err := h.s.Update(h.ctx, h.ten, UserType(), u.ID, store.Update{Apply: func(*schema.Resource) (*schema.Resource, error) {
				return nil, schema.ErrInvalidValue
			}})
			return err
		},
		"apply error with member deltas": func() error {
			_, _, err := h.s.Update(h.ctx, h.ten, GroupType(), g.ID, store.Update{MemberDeltas: clearDelta(), Apply: func(*schema.Resource) (*schema.Resource, error) {
				return nil, schema.ErrInvalidValue
			}})
			return err
		},
		"precondition": func() error {
			_, _, err := h.s.Update(h.ctx, h.ten, UserType(), u.ID, store.Update{IfMatch: `W/"9"`, Apply: set("title", "x")})
			return err
		},
		"delete precondition": func() error { return h.s.Delete(h.ctx, h.ten, UserType(), u.ID, `W/"9"`) },
		"delete missing":      func() error { return h.s.Delete(h.ctx, h.ten, UserType(), store.NewID(), "") },
		"update conflict": func() error {
			v := h.create(UserType(), user("other"))
			d.next()
			_, _, err := h.s.Update(h.ctx, h.ten, UserType(), v.ID, store.Update{Apply: set("userName", "Taken")})
			return err
		},
		"cancelled context": func() error { _, err := h.s.Create(cancelled, h.ten, UserType(), user("new")); return err },
		"no-op update": func() error {
			if _, _, err := h.s.Update(h.ctx, h.ten, UserType(), u.ID, store.Update{Apply: set("userName", "taken")}); err != nil {
				t.Errorf("no-op update: %v", err)
			}
			return errNoOp
		},
		"no-op member deltas": func() error {
			if _, _, err := h.s.Update(h.ctx, h.ten, GroupType(), g.ID, store.Update{Apply: set(), MemberDeltas: deltas(addDelta(u.ID), removeDelta("absent"))}); err != nil {
				t.Errorf("no-op member deltas: %v", err)
			}
			return errNoOp
		},
	} {
		if err := op(); err == nil {
			t.Errorf("%s: succeeded", name)
		}
		d.expect(name)
	}
	diff(t, "members after failed updates", []string{u.ID}, h.members(g.ID))
	if got := h.get(UserType(), u.ID, store.ReadOptions{}); got.Meta.Version != `W/"1"` {
		t.Errorf("user version after failed and no-op updates: %s", got.Meta.Version)
	}
}

// errNoOp stands for the "error" of an operation that succeeds without
// changing anything.
var errNoOp = errors.New("no-op")

func testRequestInfo(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	d := &drainer{h: h, o: outboxOf(t, h.s)}
	ctx := store.WithRequestInfo(h.ctx, store.RequestInfo{Actor: "token-1", RequestID: "req-9"})
	u, err := h.s.Create(ctx, h.ten, UserType(), user("ri"))
	if err != nil {
		t.Fatal(err)
	}
	evs := d.next()
	if len(evs) != 1 || evs[0].Actor != "token-1" || evs[0].RequestID != "req-9" || evs[0].ResourceID != u.ID {
		t.Errorf("events %+v, want one with actor token-1 and request id req-9", evs)
	}
}

func testEventSeq(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	o := outboxOf(t, h.s)
	for i := range 10 {
		h.create(UserType(), user(string(rune('a'+i))))
	}
	all, err := o.Events(h.ctx, 0, 100)
	if err != nil || len(all) != 10 {
		t.Fatalf("Events(0, 100) = %d events, %v; want 10", len(all), err)
	}
	seen := map[string]bool{}
	for i, e := range all {
		if i > 0 && e.Seq <= all[i-1].Seq {
			t.Errorf("seq %d after %d", e.Seq, all[i-1].Seq)
		}
		if seen[e.ID] {
			t.Errorf("event id %s twice", e.ID)
		}
		seen[e.ID] = true
	}
	page, err := o.Events(h.ctx, all[3].Seq, 4)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "Events(after 4th, 4)", all[4:8], page)
	if rest, _ := o.Events(h.ctx, all[9].Seq, 10); len(rest) != 0 {
		t.Errorf("Events after the last: %d events", len(rest))
	}
}

func testEventsOfRequest(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	re, ok := h.s.(store.RequestEvents)
	if !ok {
		t.Skip("store does not implement store.RequestEvents")
	}
	in := func(_, req string) context.Context {
		return store.WithRequestInfo(h.ctx, store.RequestInfo{Actor: "token-1", RequestID: req})
	}
	u, err := h.s.Create(in(h.ten, "req-1"), h.ten, UserType(), user("one"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.Create(in(h.ten, "req-2"), h.ten, UserType(), user("two")); err != nil {
		t.Fatal(err)
	}
	// The same request id in another tenant is another request.
	if _, err := h.s.Create(in("other", "req-1"), "other", UserType(), user("three")); err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.Create(in(h.ten, "req-1"), h.ten, GroupType(), group("g", u.ID)); err != nil {
		t.Fatal(err)
	}
	evs, err := re.EventsOfRequest(h.ctx, h.ten, "req-1", 0)
	if err != nil {
		t.Fatal(err)
	}
	var types []store.EventType
	for i, e := range evs {
		if e.RequestID != "req-1" || e.Tenant != h.ten || (i > 0 && e.Seq <= evs[i-1].Seq) {
			t.Errorf("event %d: %+v; want request req-1 of %s in Seq order", i, e, h.ten)
		}
		types = append(types, e.Type)
	}
	want := []store.EventType{store.UserCreated, store.GroupCreated, store.MembersAdded, store.UserGroupsChanged}
	diff(t, "event types", want, types)
	if evs, err := re.EventsOfRequest(h.ctx, h.ten, "req-1", 1); err != nil || len(evs) != 1 {
		t.Errorf("limit 1: %d events, %v; want 1", len(evs), err)
	}
	for _, req := range []string{"", "req-9"} {
		if evs, err := re.EventsOfRequest(h.ctx, h.ten, req, 0); err != nil || len(evs) != 0 {
			t.Errorf("request %q: %d events, %v; want none", req, len(evs), err)
		}
	}
}
