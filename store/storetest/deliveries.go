package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimkit/scimkit/store"
)

// RunDeliveries runs the shared tests of the store.Deliveries capability
// (and of store.Notifier when the store has it) against the stores newStore
// returns, under the same rules as Run. A store without Deliveries skips.
//
// Beyond the interface's documentation, it pins: a consumer never leased
// has checkpoint 0 and Advance on it fails with store.ErrLeaseLost; of
// several owners leasing one consumer at once exactly one wins; a parked
// event round-trips unchanged (Seq included) and parking it again replaces
// the record; Parked and Unpark return events in Seq order.
func RunDeliveries(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Helper()
	tests := []testCase{
		{"Lease", testLease},
		{"LeaseExpiry", testLeaseExpiry},
		{"LeaseRace", testLeaseRace},
		{"Checkpoint", testCheckpoint},
		{"Park", testPark},
		{"Notify", testNotify},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newStore)
		})
	}
}

func deliveriesOf(t *testing.T, s store.Store) store.Deliveries {
	t.Helper()
	d, ok := s.(store.Deliveries)
	if !ok {
		t.Skip("store does not implement store.Deliveries")
	}
	return d
}

func testLease(t *testing.T, newStore func(t *testing.T) store.Store) {
	h := newH(t, newStore)
	d := deliveriesOf(t, h.s)
	steps := []struct {
		consumer, owner string
		want            bool
	}{
		{"hook", "a", true},
		{"hook", "b", false},
		{"hook", "a", true}, // renewal
		{"hook", "b", false},
		{"other", "b", true}, // consumers are independent
		{"other", "a", false},
		{"hook", "a", true},
	}
	for i, st := range steps {
		got, err := d.Lease(h.ctx, st.consumer, st.owner, time.Hour)
		if err != nil {
			t.Fatalf("step %d: Lease(%s, %s): %v", i, st.consumer, st.owner, err)
		}
		if got != st.want {
			t.Errorf("step %d: Lease(%s, %s) = %v, want %v", i, st.consumer, st.owner, got, st.want)
		}
	}
}

func testLeaseExpiry(t *testing.T, newStore func(t *testing.T) store.Store) {
	h := newH(t, newStore)
	d := deliveriesOf(t, h.s)
	mustLease(t, d, "hook", "a", time.Millisecond)
	// Wait (not a timing assertion: the deadline only bounds a hang) until
	// the expired lease can be taken by another owner.
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, err := d.Lease(h.ctx, "hook", "b", time.Hour)
		if err != nil {
			t.Fatalf("Lease(b): %v", err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a lease of 1ms never expired")
		}
		time.Sleep(5 * time.Millisecond)
	}
	wantErr(t, "Advance by the former owner", d.Advance(h.ctx, "hook", "a", 1), store.ErrLeaseLost)
	if ok, err := d.Lease(h.ctx, "hook", "a", time.Hour); err != nil || ok {
		t.Errorf("Lease(a) after b took over = %v, %v; want false", ok, err)
	}
	if err := d.Advance(h.ctx, "hook", "b", 1); err != nil {
		t.Errorf("Advance by the new owner: %v", err)
	}
}

func testLeaseRace(t *testing.T, newStore func(t *testing.T) store.Store) {
	h := newH(t, newStore)
	d := deliveriesOf(t, h.s)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			ok, err := d.Lease(h.ctx, "hook", fmt.Sprintf("owner-%d", i), time.Hour)
			if err != nil {
				t.Errorf("Lease(owner-%d): %v", i, err)
			}
			if ok {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if n := wins.Load(); n != 1 {
		t.Errorf("%d owners won the lease at once, want exactly 1", n)
	}
}

func testCheckpoint(t *testing.T, newStore func(t *testing.T) store.Store) {
	h := newH(t, newStore)
	d := deliveriesOf(t, h.s)
	wantErr(t, "Advance of an unleased consumer", d.Advance(h.ctx, "hook", "a", 3), store.ErrLeaseLost)
	mustLease(t, d, "hook", "a", time.Hour)
	mustLease(t, d, "other", "a", time.Hour)
	steps := []struct {
		owner   string
		seq     int64
		wantErr error
		want    int64
	}{
		{"a", 5, nil, 5},
		{"a", 3, nil, 5}, // never backwards
		{"b", 9, store.ErrLeaseLost, 5},
		{"a", 9, nil, 9},
	}
	for i, st := range steps {
		err := d.Advance(h.ctx, "hook", st.owner, st.seq)
		if !errors.Is(err, st.wantErr) {
			t.Fatalf("step %d: Advance(%s, %d) = %v, want %v", i, st.owner, st.seq, err, st.wantErr)
		}
		if got := mustCheckpoint(t, d, "hook"); got != st.want {
			t.Errorf("step %d: Checkpoint = %d, want %d", i, got, st.want)
		}
	}
	if got := mustCheckpoint(t, d, "other"); got != 0 {
		t.Errorf("Checkpoint of another consumer = %d, want 0", got)
	}
	if got := mustCheckpoint(t, d, "never-seen"); got != 0 {
		t.Errorf("Checkpoint of an unknown consumer = %d, want 0", got)
	}
}

func testPark(t *testing.T, newStore func(t *testing.T) store.Store) {
	h := newH(t, newStore)
	d := deliveriesOf(t, h.s)
	o := outboxOf(t, h.s)
	u := h.create(UserType(), user("parked"))
	h.update(UserType(), u.ID, store.Update{Apply: set("displayName", "Parked User")})
	h.create(GroupType(), group("g", u.ID))
	evs, err := o.Events(h.ctx, 0, 100)
	if err != nil || len(evs) < 3 {
		t.Fatalf("Events = %d events, %v; want at least 3", len(evs), err)
	}
	e1, e2, e3 := evs[0], evs[1], evs[2]
	for _, p := range []struct {
		consumer string
		ev       store.Event
		attempts int
	}{{"hook", e3, 2}, {"hook", e1, 20}, {"other", e2, 1}, {"hook", e3, 7}} {
		if err := d.Park(h.ctx, p.consumer, p.ev, p.attempts, fmt.Sprintf("failed %d times", p.attempts)); err != nil {
			t.Fatalf("Park(%s, %s): %v", p.consumer, p.ev.ID, err)
		}
	}
	type parked struct {
		Event     store.Event
		Attempts  int
		LastError string
	}
	strip := func(ps []store.ParkedEvent) []parked {
		out := []parked{}
		for _, p := range ps {
			if p.ParkedAt.IsZero() {
				t.Errorf("parked event %s has no ParkedAt", p.Event.ID)
			}
			out = append(out, parked{p.Event, p.Attempts, p.LastError})
		}
		return out
	}
	pHook1, pHook3 := parked{e1, 20, "failed 20 times"}, parked{e3, 7, "failed 7 times"}
	diff(t, "Parked(hook)", []parked{pHook1, pHook3}, strip(mustParked(t, d, "hook", 0)))
	diff(t, "Parked(hook, 1)", []parked{pHook1}, strip(mustParked(t, d, "hook", 1)))
	diff(t, "Parked(other)", []parked{{e2, 1, "failed 1 times"}}, strip(mustParked(t, d, "other", 0)))
	diff(t, "Parked(none)", []parked{}, strip(mustParked(t, d, "none", 0)))

	got, err := d.Unpark(h.ctx, "hook", []string{e3.ID, "missing", e2.ID, e1.ID})
	if err != nil {
		t.Fatalf("Unpark: %v", err)
	}
	diff(t, "Unpark(hook)", []parked{pHook1, pHook3}, strip(got))
	diff(t, "Parked(hook) after Unpark", []parked{}, strip(mustParked(t, d, "hook", 0)))
	diff(t, "Parked(other) after Unpark(hook)", []parked{{e2, 1, "failed 1 times"}}, strip(mustParked(t, d, "other", 0)))
	got, err = d.Unpark(h.ctx, "hook", []string{e1.ID})
	if err != nil || len(got) != 0 {
		t.Errorf("second Unpark = %v, %v; want nothing", got, err)
	}
}

func testNotify(t *testing.T, newStore func(t *testing.T) store.Store) {
	h := newH(t, newStore)
	n, ok := h.s.(store.Notifier)
	if !ok {
		t.Skip("store does not implement store.Notifier")
	}
	ctx, cancel := context.WithCancel(h.ctx)
	defer cancel()
	ch := n.Notify(ctx)
	// A subscription may take a moment to become active (PostgreSQL
	// LISTEN), so write until a wake-up arrives; the deadline only bounds
	// a hang.
	deadline := time.After(30 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		h.create(UserType(), user(fmt.Sprintf("notified-%d", i)))
		select {
		case _, ok := <-ch:
			if !ok {
				t.Fatal("Notify channel closed before ctx was done")
			}
			cancel()
			for range ch { // drain until closed
			}
			return
		case <-tick.C:
		case <-deadline:
			t.Fatal("no wake-up from Notify after committed writes")
		}
	}
}

func mustLease(t *testing.T, d store.Deliveries, consumer, owner string, ttl time.Duration) {
	t.Helper()
	ok, err := d.Lease(t.Context(), consumer, owner, ttl)
	if err != nil || !ok {
		t.Fatalf("Lease(%s, %s) = %v, %v; want true", consumer, owner, ok, err)
	}
}

func mustCheckpoint(t *testing.T, d store.Deliveries, consumer string) int64 {
	t.Helper()
	cp, err := d.Checkpoint(t.Context(), consumer)
	if err != nil {
		t.Fatalf("Checkpoint(%s): %v", consumer, err)
	}
	return cp
}

func mustParked(t *testing.T, d store.Deliveries, consumer string, limit int) []store.ParkedEvent {
	t.Helper()
	ps, err := d.Parked(t.Context(), consumer, limit)
	if err != nil {
		t.Fatalf("Parked(%s, %d): %v", consumer, limit, err)
	}
	return ps
}
