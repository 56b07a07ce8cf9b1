package hooks_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/store"
)

// recorder collects what an Access calls.
type recorder struct {
	mu      sync.Mutex
	revoked []hooks.Revocation
	reauth  []hooks.Reauth
	groups  []hooks.GroupChange
	fail    int // fail this many Revoke calls first
}

func (r *recorder) access(t *testing.T, f *fixture, policy hooks.Policy) *hooks.Access {
	t.Helper()
	a, err := hooks.NewAccess(hooks.AccessConfig{
		Directory: hooks.NewDirectory(f.st, userRT, groupRT),
		Revoker: hooks.RevokerFunc(func(_ context.Context, rv hooks.Revocation) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			if r.fail > 0 {
				r.fail--
				return errors.New("session store down")
			}
			r.revoked = append(r.revoked, rv)
			return nil
		}),
		Reauthenticator: hooks.ReauthenticatorFunc(func(_ context.Context, ra hooks.Reauth) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.reauth = append(r.reauth, ra)
			return nil
		}),
		Groups: hooks.GroupSinkFunc(func(_ context.Context, c hooks.GroupChange) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.groups = append(r.groups, c)
			return nil
		}),
		Policy: func(context.Context, string) (hooks.Policy, error) { return policy, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// events returns the events committed after *seq and advances it.
func (f *fixture) events(seq *int64) []store.Event {
	f.t.Helper()
	evs, err := f.st.(store.Outbox).Events(context.Background(), *seq, 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	if len(evs) > 0 {
		*seq = evs[len(evs)-1].Seq
	}
	return evs
}

// deliver hands every event after *seq to a, as a dispatcher would.
func (f *fixture) deliver(a *hooks.Access, seq *int64) []store.Event {
	f.t.Helper()
	evs := f.events(seq)
	for _, ev := range evs {
		if err := a.HandleEvent(context.Background(), ev); err != nil {
			f.t.Fatalf("HandleEvent(%s %s): %v", ev.Type, ev.ResourceID, err)
		}
	}
	return evs
}

func find(evs []store.Event, typ store.EventType) store.Event {
	for _, ev := range evs {
		if ev.Type == typ {
			return ev
		}
	}
	return store.Event{}
}

func TestRevokeOnDeprovision(t *testing.T) {
	for _, revoke := range []bool{true, false} {
		t.Run(fmt.Sprint("revoke=", revoke), func(t *testing.T) {
			f := newFixture(t)
			var rec recorder
			a := rec.access(t, f, hooks.Policy{RevokeOnDeprovision: revoke, OnGroupChange: hooks.ForceReauth})
			var seq int64
			alice, bob := f.user("acme", "alice", true), f.user("acme", "bob", true)
			f.deliver(a, &seq)
			f.set("acme", userRT, alice, "active", false)
			deact := find(f.deliver(a, &seq), store.UserDeactivated)
			if err := f.st.Delete(t.Context(), "acme", userRT, bob, ""); err != nil {
				t.Fatal(err)
			}
			del := find(f.deliver(a, &seq), store.UserDeleted)
			var want []hooks.Revocation
			if revoke {
				want = []hooks.Revocation{
					{Tenant: "acme", UserID: alice, ExternalID: "ext-alice", Reason: "deactivated", EventID: deact.ID, Time: deact.Time},
					{Tenant: "acme", UserID: bob, ExternalID: "ext-bob", Reason: "deleted", EventID: del.ID, Time: del.Time},
				}
			}
			if diff := cmp.Diff(want, rec.revoked, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("revocations (-want +got):\n%s", diff)
			}
			// Reactivation revokes nothing.
			f.set("acme", userRT, alice, "active", true)
			f.deliver(a, &seq)
			if len(rec.revoked) != len(want) {
				t.Errorf("reactivation revoked: %+v", rec.revoked[len(want):])
			}
		})
	}
}

func TestReceiptsAcrossRedeliveries(t *testing.T) {
	f := newFixture(t)
	rec := recorder{fail: 2}
	a := rec.access(t, f, hooks.DefaultPolicy())
	alice := f.user("acme", "alice", true)
	var seq int64
	f.deliver(a, &seq)
	f.set("acme", userRT, alice, "active", false)
	ev := find(f.events(&seq), store.UserDeactivated)
	ctx := t.Context()
	for i, wantErr := range []bool{true, true, false, false} { // the 4th is a duplicate delivery
		err := a.HandleEvent(ctx, ev)
		if (err != nil) != wantErr {
			t.Fatalf("delivery %d: err = %v, want error %v", i+1, err, wantErr)
		}
		rs, _ := a.Receipts(ctx, "acme", alice)
		if len(rs) != 1 {
			t.Fatalf("delivery %d: %d receipts, want 1", i+1, len(rs))
		}
		r := rs[0]
		wantAttempts := min(i+1, 3)
		if r.Attempts != wantAttempts || r.Requested.IsZero() || r.Completed.IsZero() == (i >= 2) ||
			(r.LastError != "") != (i < 2) || r.EventID != ev.ID || r.Reason != "deactivated" {
			t.Errorf("delivery %d: receipt %+v, want %d attempts", i+1, r, wantAttempts)
		}
	}
	if len(rec.revoked) != 1 {
		t.Errorf("Revoker succeeded %d times, want 1 (a completed receipt suppresses duplicates)", len(rec.revoked))
	}
}

func TestReauthOnGroupChange(t *testing.T) {
	for _, p := range []hooks.IdentityChange{hooks.Automatic, hooks.ForceReauth, hooks.NoAction} {
		t.Run(p.String(), func(t *testing.T) {
			f := newFixture(t)
			var rec recorder
			a := rec.access(t, f, hooks.Policy{RevokeOnDeprovision: true, OnGroupChange: p})
			var seq int64
			alice, bob := f.user("acme", "alice", true), f.user("acme", "bob", false)
			g, h := f.group("acme", "G", alice), f.group("acme", "H", alice)
			k := f.group("acme", "K")
			f.deliver(a, &seq)
			rec.reauth = nil // the creations of G and H with alice are changes too

			f.members("acme", g, remove(alice))
			ev1 := find(f.deliver(a, &seq), store.UserGroupsChanged)
			f.members("acme", k, add(alice, bob)) // bob is deactivated: no effective change
			evs := f.deliver(a, &seq)
			var ev2 store.Event
			for _, ev := range evs {
				if ev.Type == store.UserGroupsChanged && ev.ResourceID == alice {
					ev2 = ev
				}
			}
			if err := f.st.Delete(t.Context(), "acme", groupRT, h, ""); err != nil {
				t.Fatal(err)
			}
			ev3 := find(f.deliver(a, &seq), store.UserGroupsChanged)
			var want []hooks.Reauth
			if p == hooks.ForceReauth {
				want = []hooks.Reauth{
					{Tenant: "acme", UserID: alice, Before: sorted(g, h), After: []string{h}, EventID: ev1.ID, Time: ev1.Time},
					{Tenant: "acme", UserID: alice, Before: []string{h}, After: sorted(h, k), EventID: ev2.ID, Time: ev2.Time},
					{Tenant: "acme", UserID: alice, Before: sorted(h, k), After: []string{k}, EventID: ev3.ID, Time: ev3.Time},
				}
			}
			if diff := cmp.Diff(want, rec.reauth, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("reauth calls (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReauthOfDeletedUser(t *testing.T) {
	f := newFixture(t)
	var rec recorder
	a := rec.access(t, f, hooks.DefaultPolicy())
	var seq int64
	alice := f.user("acme", "alice", true)
	g := f.group("acme", "G", alice)
	f.deliver(a, &seq)
	rec.reauth = nil
	if err := f.st.Delete(t.Context(), "acme", userRT, alice, ""); err != nil {
		t.Fatal(err)
	}
	ev := find(f.deliver(a, &seq), store.UserGroupsChanged)
	want := []hooks.Reauth{{Tenant: "acme", UserID: alice, Before: []string{g}, After: []string{}, EventID: ev.ID, Time: ev.Time}}
	if diff := cmp.Diff(want, rec.reauth); diff != "" {
		t.Errorf("reauth (-want +got):\n%s", diff)
	}
	if len(rec.revoked) != 1 || rec.revoked[0].Reason != "deleted" {
		t.Errorf("revoked = %+v, want one deletion", rec.revoked)
	}
}

func TestGroupSink(t *testing.T) {
	f := newFixture(t)
	var rec recorder
	a := rec.access(t, f, hooks.Policy{OnGroupChange: hooks.NoAction}) // the sink does not depend on the policy
	var seq int64
	g := f.group("acme", "Eng")
	f.set("acme", groupRT, g, "displayName", "Engineering")
	f.set("acme", groupRT, g, "displayName", "Engineering") // no change, no event
	if err := f.st.Delete(t.Context(), "acme", groupRT, g, ""); err != nil {
		t.Fatal(err)
	}
	evs := f.deliver(a, &seq)
	want := []hooks.GroupChange{
		{Tenant: "acme", GroupID: g, ExternalID: "ext-Eng", DisplayName: "Eng", Kind: "created", EventID: find(evs, store.GroupCreated).ID},
		{Tenant: "acme", GroupID: g, ExternalID: "ext-Eng", DisplayName: "Engineering", OldDisplayName: "Eng", Kind: "renamed", EventID: find(evs, store.GroupRenamed).ID},
		{Tenant: "acme", GroupID: g, ExternalID: "ext-Eng", DisplayName: "Engineering", Kind: "deleted", EventID: find(evs, store.GroupDeleted).ID},
	}
	if diff := cmp.Diff(want, rec.groups); diff != "" {
		t.Errorf("group changes (-want +got):\n%s", diff)
	}
}

func TestAccessErrors(t *testing.T) {
	if _, err := hooks.NewAccess(hooks.AccessConfig{Reauthenticator: hooks.ReauthenticatorFunc(func(context.Context, hooks.Reauth) error { return nil })}); err == nil {
		t.Error("NewAccess with a Reauthenticator and no Directory: no error")
	}
	a, err := hooks.NewAccess(hooks.AccessConfig{}) // nothing registered: every event is ignored
	if err != nil {
		t.Fatal(err)
	}
	if err := a.HandleEvent(t.Context(), store.Event{Type: store.UserDeactivated, Tenant: "t", ResourceID: "u"}); err != nil {
		t.Errorf("HandleEvent with no revoker: %v", err)
	}
	errPolicy := errors.New("policy db down")
	a, _ = hooks.NewAccess(hooks.AccessConfig{
		Revoker: hooks.RevokerFunc(func(context.Context, hooks.Revocation) error { t.Error("Revoke called"); return nil }),
		Policy:  func(context.Context, string) (hooks.Policy, error) { return hooks.Policy{}, errPolicy },
	})
	if err := a.HandleEvent(t.Context(), store.Event{ID: "e", Type: store.UserDeleted, Tenant: "t", ResourceID: "u"}); !errors.Is(err, errPolicy) {
		t.Errorf("HandleEvent with a failing policy = %v, want it wrapped (so the event is retried)", err)
	}
	if err := a.HandleEvent(t.Context(), store.Event{Type: store.UserCreated}); err != nil {
		t.Errorf("other events: %v", err)
	}
}

func TestAccessConcurrent(t *testing.T) {
	f := newFixture(t)
	var rec recorder
	a := rec.access(t, f, hooks.DefaultPolicy())
	const n = 50
	var seq int64
	g := f.group("acme", "G")
	ids := make([]string, n)
	for i := range ids {
		ids[i] = f.user("acme", fmt.Sprint("u", i), true)
	}
	f.members("acme", g, add(ids...))
	f.events(&seq)
	for _, id := range ids {
		f.set("acme", userRT, id, "active", false)
	}
	f.members("acme", g, remove(ids...))
	evs := f.events(&seq)
	var wg sync.WaitGroup
	for _, ev := range evs {
		wg.Go(func() {
			for range 2 { // every event twice, concurrently: at least once
				if err := a.HandleEvent(context.Background(), ev); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if len(rec.revoked) < n || len(rec.revoked) > 2*n {
		t.Errorf("%d revocations for %d users", len(rec.revoked), n)
	}
	for _, id := range ids {
		rs, _ := a.Receipts(t.Context(), "acme", id)
		if len(rs) != 1 || rs[0].Completed.IsZero() || rs[0].Attempts < 1 {
			t.Errorf("receipts of %s: %+v", id, rs)
		}
	}
}
