package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scimkit/internal/pgtest"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/storetest"
)

// TestOutboxRacingWriters runs 32 writers over 8 tenants through two
// Stores on one schema (replicas): they create users, update the same
// users (a new title each time), and add and remove members of the same
// groups, while one consumer per Store polls Events after its last Seq.
// Each consumer must see every event exactly once, with gapless Seq, and
// what a full read returns at the end; the events of each resource must
// follow its versions in commit order, and replaying the membership
// events of each group and each user must be consistent at every step
// and end in the stored memberships.
func TestOutboxRacingWriters(t *testing.T) {
	a := open(t, postgres.Config{MaxConns: 20})
	b := open(t, postgres.Config{MaxConns: 20, Schema: a.Schema()})
	stores := []*postgres.Store{a, b}
	ctx := t.Context()
	const tenants, usersPer, groupsPer, writers, ops = 8, 6, 2, 32, 30
	w := newWorld(t, a, tenants, usersPer, groupsPer)

	var consumers sync.WaitGroup
	stop := make(chan struct{})
	seen := make([][]store.Event, len(stores))
	for i, s := range stores {
		consumers.Go(func() { seen[i] = consume(t, s, stop) })
	}
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() { w.write(ctx, stores[i%2], rand.New(rand.NewPCG(uint64(i), 7)), ops) })
	}
	wg.Wait()
	close(stop)
	consumers.Wait()
	if t.Failed() {
		return
	}
	all, err := b.Events(ctx, 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	for i, evs := range seen {
		if len(evs) != len(all) || !slices.EqualFunc(evs, all, func(x, y store.Event) bool { return x.ID == y.ID && x.Seq == y.Seq }) {
			t.Fatalf("consumer %d saw %d events while polling, a full read returns %d (or another order)", i, len(evs), len(all))
		}
	}
	w.check(t, all)
}

// consume polls s.Events after the last Seq it saw until stop is closed
// and one more read returns nothing, checking that Seq is gapless.
func consume(t *testing.T, s *postgres.Store, stop <-chan struct{}) []store.Event {
	var out []store.Event
	var last int64
	stopped := false
	for {
		evs, err := s.Events(context.Background(), last, 50)
		if err != nil {
			t.Error(err)
			return out
		}
		for _, e := range evs {
			if e.Seq != last+1 {
				t.Errorf("event %s has Seq %d after %d", e.ID, e.Seq, last)
				return out
			}
			last = e.Seq
		}
		out = append(out, evs...)
		if len(evs) == 0 {
			if stopped {
				return out
			}
			select {
			case <-stop:
				stopped = true
			case <-time.After(time.Millisecond):
			}
		}
	}
}

// world is what the writers of TestOutboxRacingWriters share: the users
// and groups of each tenant and the versions the writes returned.
type world struct {
	mu       sync.Mutex
	t        *testing.T
	s        store.Store         // for the final reads
	users    map[string][]string // tenant → user ids
	groups   map[string][]string // tenant → group ids
	versions map[string][]int64  // resource id → versions returned by its writes
	next     int
}

func newWorld(t *testing.T, s store.Store, tenants, users, groups int) *world {
	w := &world{t: t, s: s, users: map[string][]string{}, groups: map[string][]string{}, versions: map[string][]int64{}}
	for i := range tenants {
		ten := fmt.Sprint("tenant-", i)
		for range users {
			w.createUser(t.Context(), s, ten)
		}
		for j := range groups {
			g, err := s.Create(t.Context(), ten, storetest.GroupType(), &schema.Resource{Schemas: []string{schema.GroupSchema}, Attrs: map[string]any{"displayName": fmt.Sprint("G", j)}})
			if err != nil {
				t.Fatal(err)
			}
			w.groups[ten] = append(w.groups[ten], g.ID)
			w.versions[g.ID] = []int64{1}
		}
	}
	return w
}

func (w *world) createUser(ctx context.Context, s store.Store, ten string) {
	w.mu.Lock()
	w.next++
	n := w.next
	w.mu.Unlock()
	u, err := s.Create(ctx, ten, storetest.UserType(), storetest.TypicalUser(n))
	if err != nil {
		w.t.Error(err)
		return
	}
	w.mu.Lock()
	w.users[ten] = append(w.users[ten], u.ID)
	w.versions[u.ID] = []int64{1}
	w.mu.Unlock()
}

func (w *world) pick(rng *rand.Rand) (ten, user, grp string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ten = fmt.Sprint("tenant-", rng.IntN(len(w.users)))
	us, gs := w.users[ten], w.groups[ten]
	return ten, us[rng.IntN(len(us))], gs[rng.IntN(len(gs))]
}

func (w *world) wrote(id string, r *schema.Resource) {
	v, ok := backend.ParseVersion(r.Meta.Version)
	if !ok {
		w.t.Errorf("%s: version %q", id, r.Meta.Version)
	}
	w.mu.Lock()
	w.versions[id] = append(w.versions[id], v)
	w.mu.Unlock()
}

// write runs ops random writes through s.
func (w *world) write(ctx context.Context, s store.Store, rng *rand.Rand, ops int) {
	for range ops {
		ten, u, g := w.pick(rng)
		switch k := rng.IntN(10); {
		case k < 2:
			w.createUser(ctx, s, ten)
		case k < 5:
			r, _, err := s.Update(ctx, ten, storetest.UserType(), u, store.Update{Apply: func(cur *schema.Resource) (*schema.Resource, error) {
				next := cur.Clone()
				next.Attrs["title"] = fmt.Sprint(rng.Uint64())
				return next, nil
			}})
			if err != nil {
				w.t.Error(err)
				return
			}
			w.wrote(u, r)
		default:
			kind := schema.DeltaAdd
			if k >= 8 {
				kind = schema.DeltaRemove
			}
			d := []schema.MemberDelta{{Kind: kind, Members: []schema.Member{{Value: u, Type: "User"}}}}
			r, _, err := s.Update(ctx, ten, storetest.GroupType(), g, store.Update{Apply: func(cur *schema.Resource) (*schema.Resource, error) { return cur.Clone(), nil }, MemberDeltas: d})
			if err != nil {
				w.t.Error(err)
				return
			}
			w.wrote(g, r)
		}
	}
}

// check compares the events with the writes: each resource's versions
// appear in order, each once per write (a write's events share one), and
// membership events replay consistently into the stored memberships.
func (w *world) check(t *testing.T, all []store.Event) {
	ids := map[string]bool{}
	evVersions := map[string][]int64{} // resource → distinct versions in Seq order
	members := map[string]map[string]bool{}
	userGroups := map[string]map[string]bool{}
	for i, e := range all {
		if ids[e.ID] {
			t.Fatalf("event id %s twice", e.ID)
		}
		ids[e.ID] = true
		if i > 0 && e.Seq != all[i-1].Seq+1 {
			t.Fatalf("Seq %d after %d", e.Seq, all[i-1].Seq)
		}
		switch e.Type {
		case store.UserGroupsChanged:
			replay(t, userGroups, e.ResourceID, e.GroupsAdded, e.GroupsRemoved, e)
			continue
		case store.MembersAdded:
			replay(t, members, e.ResourceID, e.Members, nil, e)
		case store.MembersRemoved:
			replay(t, members, e.ResourceID, nil, e.Members, e)
		}
		vs := evVersions[e.ResourceID]
		switch {
		case len(vs) > 0 && vs[len(vs)-1] == e.Version: // another event of the same write
		case len(vs) > 0 && vs[len(vs)-1] > e.Version:
			t.Errorf("%s %s: version %d (Seq %d) after version %d", e.ResourceType, e.ResourceID, e.Version, e.Seq, vs[len(vs)-1])
		default:
			evVersions[e.ResourceID] = append(vs, e.Version)
		}
	}
	for id, vs := range w.versions {
		want := slices.Compact(slices.Sorted(slices.Values(vs)))
		if !slices.Equal(want, evVersions[id]) {
			t.Errorf("resource %s: events carry versions %v, its writes returned %v", id, evVersions[id], want)
		}
	}
	for ten, gs := range w.groups {
		for _, g := range gs {
			r, err := w.s.Get(t.Context(), ten, storetest.GroupType(), g, store.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var stored []string
			ms, _ := r.Attrs["members"].([]any)
			for _, m := range ms {
				stored = append(stored, m.(map[string]any)["value"].(string))
			}
			if got := keys(members[g]); !slices.Equal(got, slices.Sorted(slices.Values(stored))) {
				t.Errorf("group %s: events replay to members %v, stored %v", g, got, stored)
			}
			for _, m := range stored {
				if !userGroups[m][g] {
					t.Errorf("user %s is a member of %s, its events say otherwise", m, g)
				}
			}
		}
	}
	t.Logf("%d events, %d resources", len(all), len(evVersions))
}

// replay applies added and removed ids to set[key], failing when an add
// finds the id present or a remove finds it absent: the events of one
// resource would then be out of commit order.
func replay(t *testing.T, set map[string]map[string]bool, key string, added, removed []string, e store.Event) {
	t.Helper()
	m := set[key]
	if m == nil {
		m = map[string]bool{}
		set[key] = m
	}
	for _, id := range added {
		if m[id] {
			t.Errorf("%s of %s (Seq %d) adds %s, already in", e.Type, key, e.Seq, id)
		}
		m[id] = true
	}
	for _, id := range removed {
		if !m[id] {
			t.Errorf("%s of %s (Seq %d) removes %s, not in", e.Type, key, e.Seq, id)
		}
		delete(m, id)
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestOutboxMigration writes events as a release before migration 0008
// did (a one-row counter), then opens the schema: the events keep their
// Seq, and new ones continue after them without a gap.
func TestOutboxMigration(t *testing.T) {
	d := pgtest.DSN(t)
	name := pgtest.Schema(t, d)
	ctx := t.Context()
	if err := postgres.MigrateTo(ctx, postgres.Config{DSN: d, Schema: name}, 7); err != nil {
		t.Fatal(err)
	}
	old := open(t, postgres.Config{DSN: d, Schema: pgtest.Schema(t, d)}) // only for Exec on the old schema
	for i := range 3 {
		if err := old.Exec(ctx, `WITH c AS (UPDATE "`+name+`".event_seq SET last = last + 1 RETURNING last)
			INSERT INTO "`+name+`".events (seq, id, tenant, type, resource_type, resource_id, created, payload)
			SELECT c.last, $1, 't', 'user.created', 'User', $2, now(), jsonb_build_object('ID', $1::text, 'Seq', c.last, 'ResourceID', $2::text) FROM c`,
			fmt.Sprint("old-", i), fmt.Sprint("u", i)); err != nil {
			t.Fatal(err)
		}
	}
	s := open(t, postgres.Config{DSN: d, Schema: name})
	if _, err := s.Create(ctx, "t", storetest.UserType(), storetest.TypicalUser(1)); err != nil {
		t.Fatal(err)
	}
	evs, err := s.Events(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, fmt.Sprint(e.Seq, " ", e.ID[:min(len(e.ID), 5)]))
	}
	diff(t, "events after migrating", []string{"1 old-0", "2 old-1", "3 old-2", "4 " + evs[len(evs)-1].ID[:5]}, got)
}

// TestOutboxLateCommit holds a transaction open after its events
// statement, as a client that stops before COMMIT would: Events does not
// number the events written after it (nor skip it), gives up waiting
// after its bound, and once the transaction commits its event is numbered
// after what the reader has seen, and a Notify listener is woken.
func TestOutboxLateCommit(t *testing.T) {
	s := open(t, postgres.Config{})
	ctx := t.Context()
	wake := s.Notify(ctx)
	<-wake // listening
	if _, err := s.Create(ctx, "t", storetest.UserType(), storetest.TypicalUser(1)); err != nil {
		t.Fatal(err)
	}
	first, err := s.Events(ctx, 0, 10)
	if err != nil || len(first) != 1 {
		t.Fatalf("Events after one create = %d events, %v", len(first), err)
	}
	late := store.Event{ID: store.NewID(), Type: store.UserUpdated, Tenant: "t", ResourceType: "User", ResourceID: "late", Time: time.Now()}
	commit, err := s.OpenEventsTx(ctx, []store.Event{late})
	if err != nil {
		t.Fatal(err)
	}
	after, err := s.Create(ctx, "t", storetest.UserType(), storetest.TypicalUser(2))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	evs, err := s.Events(ctx, first[0].Seq, 10)
	if err != nil || len(evs) != 0 {
		t.Fatalf("Events while a transaction before the create is open = %v, %v; want none", evs, err)
	}
	if d := time.Since(start); d < 500*time.Millisecond || d > 10*time.Second {
		t.Errorf("Events waited %v for the open transaction, want about its bound", d)
	}
	for len(wake) > 0 {
		<-wake
	}
	if err := commit(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-wake:
	case <-time.After(10 * time.Second):
		t.Fatal("no wake-up after the late transaction committed")
	}
	evs, err = s.Events(ctx, first[0].Seq, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, fmt.Sprint(e.Seq-first[0].Seq, " ", e.ResourceID))
	}
	diff(t, "events after the late commit", []string{"1 late", "2 " + after.ID}, got)
}
