package googleworkspace_test

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimkit/scimkit/connector"
	"github.com/scimkit/scimkit/connector/googleworkspace/googletest"
	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// countingStore counts the writes that reach the store.
type countingStore struct {
	store.Store
	store.States
	writes, stateWrites atomic.Int64
}

func (c *countingStore) Create(ctx context.Context, tenant string, rt *schema.ResourceType, r *schema.Resource) (*schema.Resource, error) {
	c.writes.Add(1)
	return c.Store.Create(ctx, tenant, rt, r)
}

func (c *countingStore) Update(ctx context.Context, tenant string, rt *schema.ResourceType, id string, u store.Update) (*schema.Resource, *store.Change, error) {
	c.writes.Add(1)
	return c.Store.Update(ctx, tenant, rt, id, u)
}

func (c *countingStore) Delete(ctx context.Context, tenant string, rt *schema.ResourceType, id, ifMatch string) error {
	c.writes.Add(1)
	return c.Store.Delete(ctx, tenant, rt, id, ifMatch)
}

func (c *countingStore) PutState(ctx context.Context, tenant, key string, value []byte, ifVersion int64) (store.State, error) {
	c.stateWrites.Add(1)
	return c.States.PutState(ctx, tenant, key, value, ifVersion)
}

// TestFullSyncAtScale runs a full sync of 10,000 users and 1,000 groups
// (1,000 and 100 with -short) against the fake, logs the API calls and the
// wall time, and checks that a second run with no change writes no
// resource, no ownership record and records no event (the only write is
// the run's status record).
func TestFullSyncAtScale(t *testing.T) {
	nUsers, nGroups := 10000, 1000
	if testing.Short() {
		nUsers, nGroups = 1000, 100
	}
	w := newWorld(t, nil)
	cs := &countingStore{Store: w.st, States: w.st}
	s, err := connector.New(connector.Config{Store: cs, Tenant: tenant, Source: w.c, Name: "googleworkspace", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	users := make([]string, nUsers)
	for i := range users {
		users[i] = w.d.AddUser(googletest.User{PrimaryEmail: fmt.Sprintf("user%05d@example.com", i),
			GivenName: "User", FamilyName: fmt.Sprint(i), Suspended: i%50 == 0})
	}
	groups := make([]string, nGroups)
	for i := range groups {
		groups[i] = w.d.AddGroup(googletest.Group{Email: fmt.Sprintf("group%04d@example.com", i), Name: fmt.Sprintf("Group %d", i)})
		for j := range 20 { // 20 direct members; every tenth group nests the next
			w.d.AddMember(groups[i], googletest.Member{ID: users[(i*37+j*11)%nUsers], Type: "USER"})
		}
		if i%10 == 0 && i > 0 {
			w.d.AddMember(groups[i-1], googletest.Member{ID: groups[i], Type: "GROUP"})
		}
	}
	w.d.ResetCalls()
	start := time.Now()
	res, err := s.Sync(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	first := time.Since(start)
	if got := res.Count(connector.Created); got != nUsers+nGroups {
		t.Fatalf("created %d, want %d", got, nUsers+nGroups)
	}
	t.Logf("first full sync: %d users, %d groups: %d API calls (users.list %d, groups.list %d, members.list %d, token %d), %d store writes, %v",
		nUsers, nGroups, w.d.Calls("")-w.d.Calls("token"), w.d.Calls("users.list"), w.d.Calls("groups.list"), w.d.Calls("members.list"),
		w.d.Calls("token"), cs.writes.Load(), first.Round(time.Millisecond))

	evs := len(w.events(t))
	writes, stateWrites := cs.writes.Load(), cs.stateWrites.Load()
	w.d.ResetCalls()
	start = time.Now()
	res, err = s.Sync(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	second := time.Since(start)
	if res.Changed() || res.Unchanged != nUsers+nGroups {
		t.Errorf("second run: %s", res.Summary())
	}
	if n := cs.writes.Load() - writes; n != 0 {
		t.Errorf("second run made %d resource writes, want 0", n)
	}
	if n := cs.stateWrites.Load() - stateWrites; n != 1 {
		t.Errorf("second run made %d state writes, want 1 (its status)", n)
	}
	if n := len(w.events(t)) - evs; n != 0 {
		t.Errorf("second run recorded %d events, want 0", n)
	}
	t.Logf("second full sync, no change: %d API calls, 0 writes, 0 events, %v", w.d.Calls("")-w.d.Calls("token"), second.Round(time.Millisecond))
}

// BenchmarkNotificationToRevocation measures the time from a change in
// Google (a suspension, whose users.watch notification the connector
// answers after re-reading the user and writing the store) to the
// user.deactivated event delivered to a hooks.Revoker, and reports its
// p50 and p99 (target: p99 under 2 s).
func BenchmarkNotificationToRevocation(b *testing.B) {
	w := newWorld(b, nil)
	alice := w.d.AddUser(googletest.User{PrimaryEmail: "alice@example.com"})
	revoked := make(chan string, 16)
	access, err := hooks.NewAccess(hooks.AccessConfig{
		Directory: hooks.NewDirectory(w.st, nil, nil),
		Revoker: hooks.RevokerFunc(func(ctx context.Context, r hooks.Revocation) error {
			revoked <- r.ExternalID
			return nil
		}),
	})
	if err != nil {
		b.Fatal(err)
	}
	disp, err := hooks.NewDispatcher(hooks.Config{Store: w.st, Handlers: map[string]hooks.Handler{"access": access}, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); disp.Run(ctx) }()
	defer func() { cancel(); <-done }()
	watching(b, w, nil)
	for deadline := time.Now().Add(10 * time.Second); w.user(b, alice) == nil; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatal("alice not created")
		}
	}
	var lat []time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		w.d.SetSuspended(alice, false) // reactivated (its notification is answered on return)
		b.StartTimer()
		t0 := time.Now()
		w.d.SetSuspended(alice, true)
		select {
		case <-revoked:
		case <-time.After(10 * time.Second):
			b.Fatal("no revocation within 10s")
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
}
