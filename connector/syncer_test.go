package connector

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

const tenant = "acme"

func newSyncer(t *testing.T, st store.Store, src Source, mod func(*Config)) *Syncer {
	t.Helper()
	cfg := Config{Store: st, Tenant: tenant, Source: src, Name: "test", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if mod != nil {
		mod(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustSync(t *testing.T, s *Syncer) *Result {
	t.Helper()
	res, err := s.Sync(t.Context())
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	return res
}

// directory builds a small source: 4 users (u4 suspended), an engineering
// group with a nested backend group, and an everyone group.
func directory() *fakeSource {
	f := newFakeSource()
	f.addUser("u1", "alice@example.com", true)
	f.addUser("u2", "bob@example.com", true)
	f.addUser("u3", "carol@example.com", true)
	f.addUser("u4", "dave@example.com", false)
	f.addGroup("g-backend", "Backend", u("u3"))
	f.addGroup("g-eng", "Engineering", u("u1"), g("g-backend"), Member{ID: "ext@gmail.com", Kind: MemberOther})
	f.addGroup("g-all", "Everyone", Member{Kind: MemberEveryone})
	return f
}

func getByExt(t *testing.T, st store.Store, rt *schema.ResourceType, ext string) *schema.Resource {
	t.Helper()
	page, err := st.List(t.Context(), tenant, rt, store.Query{Count: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range page.Resources {
		if r.ExternalID == ext {
			return r
		}
	}
	return nil
}

func memberExts(t *testing.T, st store.Store, group *schema.Resource) []string {
	t.Helper()
	var out []string
	for _, m := range schema.MembersOf(group.Attrs["members"]) {
		r, err := st.Get(t.Context(), tenant, schema.UserResourceType(), m.Value, store.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r.ExternalID)
	}
	slices.Sort(out)
	return out
}

func TestSyncCreatesThenNothing(t *testing.T) { onBackends(t, testSyncCreatesThenNothing) }

func testSyncCreatesThenNothing(t *testing.T, st store.Store) {
	s := newSyncer(t, st, directory(), nil)
	res := mustSync(t, s)
	if got, want := res.Count(Created), 7; got != want {
		t.Fatalf("created %d, want %d: %v", got, want, res.Items)
	}
	users, groups := schema.UserResourceType(), schema.GroupResourceType()
	alice := getByExt(t, st, users, "u1")
	want := map[string]any{
		"userName": "alice@example.com",
		"name":     map[string]any{"givenName": "Gu1", "familyName": "Fu1"},
		"emails":   []any{map[string]any{"value": "alice@example.com", "type": "work", "primary": true}},
		"active":   true,
	}
	got := alice.Attrs
	delete(got, "groups")
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("alice (-want +got):\n%s", d)
	}
	if dave := getByExt(t, st, users, "u4"); store.Active(dave) {
		t.Errorf("suspended dave is active")
	}
	eng := getByExt(t, st, groups, "g-eng")
	if d := cmp.Diff([]string{"u1", "u3"}, memberExts(t, st, eng)); d != "" {
		t.Errorf("Engineering effective members (-want +got):\n%s", d)
	}
	all := getByExt(t, st, groups, "g-all")
	if d := cmp.Diff([]string{"u1", "u2", "u3", "u4"}, memberExts(t, st, all)); d != "" {
		t.Errorf("Everyone members (-want +got):\n%s", d)
	}
	before := events(t, st)
	if n := hasPrefix(before, "user.created"); n != 4 {
		t.Errorf("%d user.created events, want 4", n)
	}
	res = mustSync(t, s)
	if res.Changed() || len(res.Items) != 0 {
		t.Errorf("second run changed %v", res.Items)
	}
	if res.Unchanged != 7 {
		t.Errorf("unchanged %d, want 7", res.Unchanged)
	}
	if after := events(t, st); len(after) != len(before) {
		t.Errorf("second run recorded events: %v", after[len(before):])
	}
}

func TestSyncChanges(t *testing.T) { onBackends(t, testSyncChanges) }

func testSyncChanges(t *testing.T, st store.Store) {
	src := directory()
	src.addUser("u5", "erin@example.com", true)
	s := newSyncer(t, st, src, func(c *Config) { c.MaxDeprovisionShare = -1 })
	mustSync(t, s)
	n := len(events(t, st))
	src.setUser("u1", func(u *User) { u.Active = false })                          // suspended
	src.setUser("u4", func(u *User) { u.Active = true; u.FamilyName = "Renamed" }) // unsuspended
	src.setUser("u2", func(u *User) { u.Deleted = true })                          // deleted (listed as such)
	src.removeUser("u3")                                                           // gone from the listing
	res := mustSync(t, s)
	var got []string
	for _, it := range res.Items {
		got = append(got, string(it.Action)+" "+it.Type+" "+it.ExternalID)
	}
	slices.Sort(got)
	// The groups lose u2 and u3 with their deletion (the store removes a
	// deleted user's memberships), which the run makes first: no group
	// needs a write of its own.
	want := []string{
		"deactivated User u1", "deleted User u2", "deleted User u3", "reactivated User u4",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("items (-want +got):\n%s", d)
	}
	evs := events(t, st)[n:]
	for _, e := range []string{"user.deactivated u1", "user.deleted u2", "user.deleted u3", "user.reactivated u4"} {
		if !slices.Contains(evs, e) {
			t.Errorf("no %q in %v", e, evs)
		}
	}
}

func TestSyncLeavesPushedResourcesAlone(t *testing.T) {
	st := newTestStore(t)
	users := schema.UserResourceType()
	pushed := func(name, ext string) *schema.Resource {
		r, err := st.Create(t.Context(), tenant, users, &schema.Resource{ExternalID: ext, Attrs: map[string]any{"userName": name, "active": true}})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	okta := pushed("okta-user@example.com", "00u123")
	clash := pushed("alice@example.com", "") // same name as a source user
	s := newSyncer(t, st, directory(), nil)
	res := mustSync(t, s)
	if res.Count(Skipped) != 1 {
		t.Errorf("want alice skipped (userName held by a pushed user): %v", res.Items)
	}
	for _, r := range []*schema.Resource{okta, clash} {
		got, err := st.Get(t.Context(), tenant, users, r.ID, store.ReadOptions{})
		if err != nil || got.Meta.Version != r.Meta.Version || got.ExternalID != r.ExternalID {
			t.Errorf("pushed user %s touched: %v %v", r.ID, got, err)
		}
	}
	mustSync(t, s) // the pushed users are absent from the source: still untouched
	if _, err := st.Get(t.Context(), tenant, users, okta.ID, store.ReadOptions{}); err != nil {
		t.Errorf("pushed user deleted: %v", err)
	}
}

func TestSyncFailedListingChangesNothing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		break_ func(*fakeSource)
	}{
		{"users mid-listing", func(f *fakeSource) { f.failUsersAfter = 2 }},
		{"members of one group", func(f *fakeSource) { f.failMembers = "g-backend" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newTestStore(t)
			src := directory()
			s := newSyncer(t, st, src, nil)
			mustSync(t, s)
			n := len(events(t, st))
			src.setUser("u1", func(u *User) { u.Active = false })
			tc.break_(src)
			res, err := s.Sync(t.Context())
			if err == nil {
				t.Fatal("Sync succeeded on a failed listing")
			}
			if res.Changed() {
				t.Errorf("failed run changed %v", res.Items)
			}
			if evs := events(t, st); len(evs) != n {
				t.Errorf("failed run recorded %v", evs[n:])
			}
			st2, _ := s.Status(t.Context())
			if st2.LastError == "" {
				t.Errorf("status does not record the failure: %+v", st2)
			}
		})
	}
}

func TestSyncGuard(t *testing.T) {
	st := newTestStore(t)
	src := newFakeSource()
	for i := range 10 {
		src.addUser(string(rune('a'+i)), string(rune('a'+i))+"@example.com", true)
	}
	s := newSyncer(t, st, src, nil)
	mustSync(t, s)
	n := len(events(t, st))
	for _, id := range []string{"a", "b", "c"} {
		src.setUser(id, func(u *User) { u.Active = false })
	}
	res, err := s.Sync(t.Context())
	if !errors.Is(err, ErrMassDeprovision) {
		t.Fatalf("err = %v, want ErrMassDeprovision", err)
	}
	if len(res.Blocked) != 3 || res.Changed() {
		t.Errorf("blocked %v, items %v", res.Blocked, res.Items)
	}
	if evs := events(t, st); len(evs) != n {
		t.Errorf("guarded run recorded %v", evs[n:])
	}
	// Within the share (2 of 10 is 20%): allowed.
	src.setUser("c", func(u *User) { u.Active = true })
	if res := mustSync(t, s); res.Count(Deactivated) != 2 {
		t.Errorf("deactivated %d, want 2", res.Count(Deactivated))
	}
	// An empty listing (a broken source answering nothing) is blocked.
	for i := range 10 {
		src.removeUser(string(rune('a' + i)))
	}
	if _, err := s.Sync(t.Context()); !errors.Is(err, ErrMassDeprovision) {
		t.Errorf("empty listing: err = %v, want ErrMassDeprovision", err)
	}
}

func TestSyncGuardGroups(t *testing.T) {
	st := newTestStore(t)
	src := directory()
	for i := range 7 {
		src.addGroup(fmt.Sprint("extra", i), fmt.Sprint("Extra ", i))
	}
	s := newSyncer(t, st, src, nil)
	mustSync(t, s)
	n := len(events(t, st))
	src.mu.Lock()
	src.groups = src.groups[:2] // 8 of 10 groups gone at once
	src.mu.Unlock()
	res, err := s.SyncGroups(t.Context())
	if !errors.Is(err, ErrMassDeprovision) || len(res.Blocked) != 8 || res.Changed() {
		t.Fatalf("err %v, blocked %d, items %v", err, len(res.Blocked), res.Items)
	}
	if evs := events(t, st); len(evs) != n {
		t.Errorf("guarded run recorded %v", evs[n:])
	}
}

func TestSyncInaccessibleGroupKeepsMembers(t *testing.T) {
	st := newTestStore(t)
	src := directory()
	s := newSyncer(t, st, src, nil)
	mustSync(t, s)
	src.mu.Lock()
	src.refuse["g-backend"] = true
	src.members["g-eng"] = []Member{u("u2"), g("g-backend")}
	src.mu.Unlock()
	res := mustSync(t, s)
	if len(res.Warnings) == 0 {
		t.Error("no warning for the refused group")
	}
	// Engineering includes the refused group: its membership is unknown
	// and kept; Backend's too.
	eng := getByExt(t, st, schema.GroupResourceType(), "g-eng")
	if d := cmp.Diff([]string{"u1", "u3"}, memberExts(t, st, eng)); d != "" {
		t.Errorf("Engineering members (-want +got):\n%s", d)
	}
}

func TestSyncUserNewerReadWins(t *testing.T) {
	st := newTestStore(t)
	src := directory()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := newSyncer(t, st, src, func(c *Config) { c.Now = func() time.Time { return now } })
	mustSync(t, s)
	now = now.Add(time.Minute)
	src.setUser("u1", func(u *User) { u.Active = false })
	res, err := s.SyncUser(t.Context(), "u1")
	if err != nil || res.Count(Deactivated) != 1 {
		t.Fatalf("SyncUser: %v %v", res, err)
	}
	// A read that started before the one applied (a full run's listing
	// still in flight) must not undo it.
	stale := User{ID: "u1", UserName: "alice@example.com", Email: "alice@example.com", Active: true}
	cur := getByExt(t, st, schema.UserResourceType(), "u1")
	var r2 Result
	if _, err := s.upsertUser(t.Context(), now.Add(-time.Second), stale, cur, true, &r2, false); err != nil {
		t.Fatal(err)
	}
	if cur := getByExt(t, st, schema.UserResourceType(), "u1"); store.Active(cur) {
		t.Error("an older read reactivated the user")
	}
	// Deleted in the source: the notification's re-read finds nothing.
	now = now.Add(time.Minute)
	src.removeUser("u1")
	if res, err := s.SyncUser(t.Context(), "u1"); err != nil || res.Count(Deleted) != 1 {
		t.Fatalf("SyncUser of a deleted user: %v %v", res, err)
	}
	// A user the connector does not own is never deleted by a notification.
	if res, err := s.SyncUser(t.Context(), "unknown"); err != nil || len(res.Items) != 0 {
		t.Errorf("SyncUser of an unknown user: %v %v", res.Items, err)
	}
}

func TestSyncGroupsOnly(t *testing.T) {
	st := newTestStore(t)
	src := directory()
	s := newSyncer(t, st, src, nil)
	mustSync(t, s)
	src.mu.Lock()
	src.members["g-backend"] = []Member{u("u2"), u("u3")}
	src.mu.Unlock()
	src.setUser("u1", func(u *User) { u.Active = false }) // not seen by a group run
	res, err := s.SyncGroups(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if res.Count(Deactivated) != 0 || res.Count(Updated) != 2 {
		t.Errorf("group run: %v", res.Items)
	}
	eng := getByExt(t, st, schema.GroupResourceType(), "g-eng")
	if d := cmp.Diff([]string{"u1", "u2", "u3"}, memberExts(t, st, eng)); d != "" {
		t.Errorf("Engineering members (-want +got):\n%s", d)
	}
}

func TestSyncSoftDelete(t *testing.T) { onBackends(t, testSyncSoftDelete) }

func testSyncSoftDelete(t *testing.T, st store.Store) {
	if _, err := st.(store.Tenants).CreateTenant(t.Context(), store.TenantRecord{ID: tenant, DeletePolicy: store.DeletePolicySoft}); err != nil {
		t.Fatal(err)
	}
	src := directory()
	s := newSyncer(t, st, src, nil)
	mustSync(t, s)
	bob := getByExt(t, st, schema.UserResourceType(), "u2")
	src.removeUser("u2")
	if res := mustSync(t, s); res.Count(Deleted) != 1 {
		t.Fatalf("deleted %d, want 1: %v", res.Count(Deleted), res.Items)
	}
	if _, err := st.(store.Tombstones).Tombstone(t.Context(), tenant, schema.UserResourceType(), bob.ID); err != nil {
		t.Errorf("no tombstone for the user deleted in the source: %v", err)
	}
	// Back in the source (Google's undelete keeps the id): the tombstone
	// reserves the externalId, so the user is reported, not re-created.
	src.addUser("u2", "bob@example.com", true)
	res := mustSync(t, s)
	if res.Count(Skipped) != 1 || getByExt(t, st, schema.UserResourceType(), "u2") != nil {
		t.Errorf("undeleted user: %v", res.Items)
	}
}

// TestSyncReusedNames: one run in which a userName passes to another
// source user (a user deleted and another created with its email; a
// rename and a new user taking the old name, listed first) applies every
// change, instead of skipping the new user until the next run.
func TestSyncReusedNames(t *testing.T) {
	st := newTestStore(t)
	src := directory()
	s := newSyncer(t, st, src, func(c *Config) { c.MaxDeprovisionShare = -1 })
	mustSync(t, s)
	src.setUser("u1", func(u *User) { u.Deleted = true })                  // alice@ deleted...
	src.addUser("u9", "alice@example.com", true)                           // ...and re-created
	src.setUser("u2", func(u *User) { u.UserName = "robert@example.com" }) // bob@ renamed...
	src.mu.Lock()
	src.users = append([]User{{ID: "u8", UserName: "bob@example.com", Active: true}}, src.users...) // ...his old name taken, listed first
	src.mu.Unlock()
	res := mustSync(t, s)
	if n := res.Count(Skipped); n != 0 {
		t.Errorf("skipped %d: %v", n, res.Items)
	}
	users := schema.UserResourceType()
	for ext, name := range map[string]string{"u9": "alice@example.com", "u2": "robert@example.com", "u8": "bob@example.com"} {
		if r := getByExt(t, st, users, ext); r == nil || userName(r) != name {
			t.Errorf("externalId %s: %v, want userName %s", ext, r, name)
		}
	}
	if getByExt(t, st, users, "u1") != nil {
		t.Error("u1, deleted in the source, is still in the store")
	}
}
