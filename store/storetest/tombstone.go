package storetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// RunTombstones runs the shared tests of store.Tombstones (soft delete)
// against the stores newStore returns (fresh and isolated, as for Run). A
// store without the capability is skipped.
//
// Beyond the contract of store.Tombstones, the suite pins: the events of
// DeleteWithTombstone equal those of Delete; TombstoneRecord.Deleted is in
// UTC truncated to whole microseconds; an ErrConflict for a tombstoned
// externalId names "externalId"; userName is not reserved.
func RunTombstones(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Helper()
	for _, tc := range []testCase{
		{"GoneEverywhere", testTombstoneGone},
		{"Record", testTombstoneRecord},
		{"SameEventsAsDelete", testTombstoneEvents},
		{"GroupMembers", testTombstoneGroup},
		{"ExternalIDReserved", testTombstoneExternalID},
		{"IDNeverReused", testTombstoneID},
		{"IfMatch", testTombstoneIfMatch},
		{"TenantIsolation", testTombstoneTenants},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newStore)
		})
	}
}

// newTH returns the harness and the store's Tombstones, or skips.
func newTH(t *testing.T, newStore func(t *testing.T) store.Store) (*h, store.Tombstones) {
	t.Helper()
	h := newH(t, newStore)
	ts, ok := h.s.(store.Tombstones)
	if !ok {
		t.Skip("store does not implement store.Tombstones")
	}
	return h, ts
}

func (h *h) bury(ts store.Tombstones, rt *schema.ResourceType, id string) {
	h.t.Helper()
	if err := ts.DeleteWithTombstone(h.ctx, h.ten, rt, id, ""); err != nil {
		h.t.Fatalf("DeleteWithTombstone %s %s: %v", rt.Name, id, err)
	}
}

// testTombstoneGone: after DeleteWithTombstone every operation on the id
// is ErrNotFound (RFC 7644 §3.6), lists and filters skip it, and the user
// left its groups.
func testTombstoneGone(t *testing.T, newStore func(t *testing.T) store.Store) {
	h, ts := newTH(t, newStore)
	ut, gt := UserType(), GroupType()
	u := h.create(ut, extID(user("bjensen"), "ext-1"))
	other := h.create(ut, user("jsmith"))
	g := h.create(gt, group("staff", u.ID, other.ID))
	h.bury(ts, ut, u.ID)

	_, err := h.s.Get(h.ctx, h.ten, ut, u.ID, store.ReadOptions{})
	wantErr(t, "Get", err, store.ErrNotFound)
	_, _, err = h.s.Update(h.ctx, h.ten, ut, u.ID, store.Update{Apply: set("displayName", "B")})
	wantErr(t, "Update", err, store.ErrNotFound)
	wantErr(t, "Delete", h.s.Delete(h.ctx, h.ten, ut, u.ID, ""), store.ErrNotFound)
	wantErr(t, "DeleteWithTombstone again", ts.DeleteWithTombstone(h.ctx, h.ten, ut, u.ID, ""), store.ErrNotFound)

	diff(t, "users listed", []string{other.ID}, ids(h.list(ut, store.Query{Count: 10}).Resources))
	for _, f := range []string{`userName eq "bjensen"`, `externalId eq "ext-1"`, `id eq "` + u.ID + `"`} {
		p := h.list(ut, store.Query{Filter: bound(t, ut, f), Count: 10})
		diff(t, f, 0, p.TotalResults)
	}
	diff(t, "members of the group", []string{other.ID}, memberValues(h.get(gt, g.ID, store.ReadOptions{}), "members"))
	diff(t, "groups of the other user", []string{g.ID}, memberValues(h.get(ut, other.ID, store.ReadOptions{}), "groups"))
}

// testTombstoneRecord: the tombstone keeps id, type, externalId, the unique
// values and the deletion time; live, hard-deleted and unknown ids have
// none.
func testTombstoneRecord(t *testing.T, newStore func(t *testing.T) store.Store) {
	h, ts := newTH(t, newStore)
	ut := UserType()
	u := h.create(ut, extID(withExt(user("BJensen"), "badge", "B-7", "alias", "Babs"), "ext-1"))
	hard := h.create(ut, user("hard"))
	live := h.create(ut, user("live"))
	before := time.Now().UTC().Add(-time.Second)
	h.bury(ts, ut, u.ID)
	after := time.Now().UTC().Add(time.Second)
	if err := h.s.Delete(h.ctx, h.ten, ut, hard.ID, ""); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	got, err := ts.Tombstone(h.ctx, h.ten, ut, u.ID)
	if err != nil {
		t.Fatalf("Tombstone: %v", err)
	}
	if got.Deleted.Before(before) || got.Deleted.After(after) || got.Deleted.Location() != time.UTC ||
		!got.Deleted.Equal(got.Deleted.Truncate(time.Microsecond)) {
		t.Errorf("Deleted = %v, want a UTC time in whole microseconds between %v and %v", got.Deleted, before, after)
	}
	got.Deleted = time.Time{}
	want := store.TombstoneRecord{ID: u.ID, ResourceType: "User", ExternalID: "ext-1", Unique: map[string]string{
		"userName": "BJensen", TestExtensionSchema + ":badge": "B-7", TestExtensionSchema + ":alias": "Babs"}}
	diff(t, "tombstone", want, got)
	for name, id := range map[string]string{"live": live.ID, "hard-deleted": hard.ID, "unknown": store.NewID()} {
		_, err := ts.Tombstone(h.ctx, h.ten, ut, id)
		wantErr(t, "Tombstone of a "+name+" id", err, store.ErrNotFound)
	}
	_, err = ts.Tombstone(h.ctx, h.ten, GroupType(), u.ID)
	wantErr(t, "Tombstone under another type", err, store.ErrNotFound)
}

// testTombstoneEvents: a soft delete records what a hard delete of the same
// situation records (user.deleted and the groups it left).
func testTombstoneEvents(t *testing.T, newStore func(t *testing.T) store.Store) {
	h, ts := newTH(t, newStore)
	o := outboxOf(t, h.s)
	ut, gt := UserType(), GroupType()
	run := func(del func(id string) error) []ev {
		u := h.create(ut, user(store.NewID()))
		g := h.create(gt, group(store.NewID(), u.ID))
		d := &drainer{h: h, o: o}
		d.next()
		if err := del(u.ID); err != nil {
			t.Fatalf("delete: %v", err)
		}
		evs := summary(d.next())
		for i := range evs { // ids differ between the two runs
			evs[i].ResourceID = strings.NewReplacer(u.ID, "U", g.ID, "G").Replace(evs[i].ResourceID)
			evs[i].GroupsRemoved = replaceAll(evs[i].GroupsRemoved, g.ID, "G")
			evs[i].Members = replaceAll(evs[i].Members, u.ID, "U")
			evs[i].DisplayName, evs[i].OldDisplayName = "", ""
		}
		return evs
	}
	hard := run(func(id string) error { return h.s.Delete(h.ctx, h.ten, ut, id, "") })
	soft := run(func(id string) error { return ts.DeleteWithTombstone(h.ctx, h.ten, ut, id, "") })
	if len(hard) == 0 {
		t.Fatal("Delete recorded no events")
	}
	diff(t, "events of DeleteWithTombstone vs Delete", hard, soft)
}

func replaceAll(list []string, from, to string) []string {
	for i, s := range list {
		if s == from {
			list[i] = to
		}
	}
	return list
}

// testTombstoneGroup: a soft-deleted group loses its members (whose groups
// no longer list it) and keeps a tombstone.
func testTombstoneGroup(t *testing.T, newStore func(t *testing.T) store.Store) {
	h, ts := newTH(t, newStore)
	ut, gt := UserType(), GroupType()
	u := h.create(ut, user("bjensen"))
	g := h.create(gt, extID(group("staff", u.ID), "grp-1"))
	h.bury(ts, gt, g.ID)
	_, err := h.s.Get(h.ctx, h.ten, gt, g.ID, store.ReadOptions{})
	wantErr(t, "Get group", err, store.ErrNotFound)
	diff(t, "groups of the member", []string{}, memberValues(h.get(ut, u.ID, store.ReadOptions{}), "groups"))
	got, err := ts.Tombstone(h.ctx, h.ten, gt, g.ID)
	if err != nil {
		t.Fatalf("Tombstone: %v", err)
	}
	diff(t, "tombstone id, type, externalId", []string{g.ID, "Group", "grp-1"}, []string{got.ID, got.ResourceType, got.ExternalID})
	if _, err := h.s.Create(h.ctx, h.ten, gt, extID(group("staff"), "grp-1")); !conflictOn(err, "externalId") {
		t.Errorf("Create group with a tombstoned externalId: %v, want ErrConflict naming externalId", err)
	}
	h.create(gt, group("staff")) // displayName is not reserved
}

// testTombstoneExternalID: the externalId stays reserved in the tenant and
// type (Create and an Update that changes it), userName does not.
func testTombstoneExternalID(t *testing.T, newStore func(t *testing.T) store.Store) {
	h, ts := newTH(t, newStore)
	ut, gt := UserType(), GroupType()
	twin := h.create(ut, extID(user("twin"), "ext-1")) // externalId is not unique among live resources
	u := h.create(ut, extID(user("bjensen"), "ext-1"))
	v := h.create(ut, extID(user("other"), "ext-2"))
	h.bury(ts, ut, u.ID)

	if _, err := h.s.Create(h.ctx, h.ten, ut, extID(user("new"), "ext-1")); !conflictOn(err, "externalId") {
		t.Errorf("Create with a tombstoned externalId: %v, want ErrConflict naming externalId", err)
	}
	_, _, err := h.s.Update(h.ctx, h.ten, ut, v.ID, store.Update{Apply: setExt("ext-1")})
	if !conflictOn(err, "externalId") {
		t.Errorf("Update to a tombstoned externalId: %v, want ErrConflict naming externalId", err)
	}
	diff(t, "externalId after the refused update", "ext-2", h.get(ut, v.ID, store.ReadOptions{}).ExternalID)
	h.update(ut, twin.ID, store.Update{Apply: set("displayName", "Twin")}) // keeps ext-1: allowed

	again := h.create(ut, extID(user("bjensen"), "ext-1b")) // userName is not reserved
	if again.ID == u.ID {
		t.Errorf("re-created user got the tombstoned id %s", u.ID)
	}
	h.create(ut, extID(user("ext-1"), "EXT-1")) // externalId is caseExact
	h.create(gt, extID(group("g"), "ext-1"))    // another type
	h.ten = "tenant-b"
	h.create(ut, extID(user("bjensen"), "ext-1")) // another tenant
}

// testTombstoneID: an id sent by a client is ignored, so a tombstoned id
// is never given to a new resource.
func testTombstoneID(t *testing.T, newStore func(t *testing.T) store.Store) {
	h, ts := newTH(t, newStore)
	ut := UserType()
	u := h.create(ut, user("bjensen"))
	h.bury(ts, ut, u.ID)
	r := user("again")
	r.ID = u.ID
	got := h.create(ut, r)
	if got.ID == u.ID {
		t.Fatalf("Create reused the tombstoned id %s", u.ID)
	}
	_, err := h.s.Get(h.ctx, h.ten, ut, u.ID, store.ReadOptions{})
	wantErr(t, "Get tombstoned id", err, store.ErrNotFound)
}

// testTombstoneIfMatch: a stale If-Match deletes nothing and leaves no
// tombstone; a matching one deletes.
func testTombstoneIfMatch(t *testing.T, newStore func(t *testing.T) store.Store) {
	h, ts := newTH(t, newStore)
	ut := UserType()
	u := h.create(ut, extID(user("bjensen"), "ext-1"))
	err := ts.DeleteWithTombstone(h.ctx, h.ten, ut, u.ID, `W/"7"`)
	wantErr(t, "DeleteWithTombstone with a stale If-Match", err, store.ErrPrecondition)
	h.get(ut, u.ID, store.ReadOptions{})
	_, err = ts.Tombstone(h.ctx, h.ten, ut, u.ID)
	wantErr(t, "Tombstone after a refused delete", err, store.ErrNotFound)
	if err := ts.DeleteWithTombstone(h.ctx, h.ten, ut, u.ID, u.Meta.Version); err != nil {
		t.Fatalf("DeleteWithTombstone with a matching If-Match: %v", err)
	}
	if _, err := ts.Tombstone(h.ctx, h.ten, ut, u.ID); err != nil {
		t.Errorf("Tombstone: %v", err)
	}
}

// testTombstoneTenants: another tenant can neither delete, see nor detect
// the tombstone.
func testTombstoneTenants(t *testing.T, newStore func(t *testing.T) store.Store) {
	h, ts := newTH(t, newStore)
	ut := UserType()
	u := h.create(ut, user("bjensen"))
	err := ts.DeleteWithTombstone(h.ctx, "tenant-b", ut, u.ID, "")
	wantErr(t, "DeleteWithTombstone from another tenant", err, store.ErrNotFound)
	h.get(ut, u.ID, store.ReadOptions{})
	h.bury(ts, ut, u.ID)
	_, err = ts.Tombstone(h.ctx, "tenant-b", ut, u.ID)
	wantErr(t, "Tombstone from another tenant", err, store.ErrNotFound)
}

func extID(r *schema.Resource, ext string) *schema.Resource {
	r.ExternalID = ext
	return r
}

func setExt(ext string) func(*schema.Resource) (*schema.Resource, error) {
	return func(cur *schema.Resource) (*schema.Resource, error) {
		next := cur.Clone()
		next.ExternalID = ext
		return next, nil
	}
}

// conflictOn reports whether err is an ErrConflict whose text names attr.
func conflictOn(err error, attr string) bool {
	return errors.Is(err, store.ErrConflict) && strings.Contains(err.Error(), attr)
}

func bound(t *testing.T, rt *schema.ResourceType, f string) filter.Expr {
	t.Helper()
	e, err := filter.Parse(f)
	if err == nil {
		e, err = filter.Bind(rt, e)
	}
	if err != nil {
		t.Fatalf("filter %s: %v", f, err)
	}
	return e
}
