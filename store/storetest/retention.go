package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scimkit/store"
)

// RetentionConfig is what RunRetention asks a store to be opened with.
type RetentionConfig struct {
	// Now is the clock the store must judge retention by (and may stamp
	// events and leases with). It starts at the real time of the test and
	// is moved forward by the suite, never back.
	Now func() time.Time
	// Retention is the store's retention; its Interval is negative: the
	// suite prunes by calling store.Pruner.PruneEvents.
	Retention store.Retention
}

// RunRetention runs the shared tests of the outbox's retention
// (store.Retention, store.Pruner, store.Consumers, store.ErrExpired)
// against the stores newStore returns for a config, under the same rules
// as Run. A store without store.Pruner skips; the tests of consumers skip
// without store.Deliveries or store.Consumers.
//
// Every event of a test is recorded before the suite moves its clock (a
// backend may stamp events with the real time). Beyond the interfaces'
// documentation, it pins: pruning removes the oldest events first, so
// Outbox.Events of a cursor below the oldest kept event minus one fails
// with an *store.ExpiredError naming the highest pruned Seq, and a cursor
// at that Seq succeeds; a consumer registered after pruning starts at the
// highest pruned Seq; removing a consumer removes its parked events.
func RunRetention(t *testing.T, newStore func(t *testing.T, cfg RetentionConfig) store.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, r *retentionH)
	}{
		{"PrunedPastConsumersAndWindow", testPrunePastConsumers},
		{"WindowKeeps", testWindowKeeps},
		{"UnpassedConsumerKeeps", testUnpassedConsumerKeeps},
		{"AbandonedConsumerStopsPinning", testAbandonedConsumer},
		{"ListAndRemoveConsumers", testListRemoveConsumers},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := &fakeClock{t: time.Now().UTC().Truncate(time.Microsecond)}
			cfg := RetentionConfig{Now: c.Now, Retention: store.Retention{
				Window: time.Hour, AbandonAfter: 24 * time.Hour, Interval: -1, Batch: 2}}
			h := newH(t, func(t *testing.T) store.Store { return newStore(t, cfg) })
			p, ok := h.s.(store.Pruner)
			if !ok {
				t.Skip("store does not implement store.Pruner")
			}
			tc.fn(t, &retentionH{h: h, clock: c, o: outboxOf(t, h.s), p: p})
		})
	}
}

// fakeClock is a clock the suite moves forward.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// retentionH is the harness of the retention tests.
type retentionH struct {
	*h
	clock *fakeClock
	o     store.Outbox
	p     store.Pruner
	users int   // users created
	last  int64 // Seq of the last event written
}

// write records n events (one user each) and returns the Seq of the last.
func (r *retentionH) write(n int) int64 {
	r.t.Helper()
	for range n {
		r.users++
		r.create(UserType(), user(fmt.Sprintf("u%d@example.com", r.users)))
	}
	evs := r.events(r.last)
	if len(evs) != n {
		r.t.Fatalf("%d writes recorded %d events, want %d", n, len(evs), n)
	}
	r.last = evs[n-1].Seq
	return r.last
}

// events returns every event after after, failing the test on an error.
func (r *retentionH) events(after int64) []store.Event {
	r.t.Helper()
	evs, err := r.o.Events(r.ctx, after, 1000)
	if err != nil {
		r.t.Fatalf("Events(%d): %v", after, err)
	}
	return evs
}

// prune runs PruneEvents and checks how many events it deleted.
func (r *retentionH) prune(want int64) {
	r.t.Helper()
	n, err := r.p.PruneEvents(r.ctx)
	if err != nil {
		r.t.Fatalf("PruneEvents: %v", err)
	}
	if n != want {
		r.t.Errorf("PruneEvents deleted %d events, want %d", n, want)
	}
}

// expired checks that Events(after) fails with an ExpiredError naming
// pruned, and that Events(pruned) starts at pruned+1 (or is empty when
// nothing after it is kept, up to last).
func (r *retentionH) expired(after, pruned, last int64) {
	r.t.Helper()
	_, err := r.o.Events(r.ctx, after, 10)
	if !errors.Is(err, store.ErrExpired) {
		r.t.Fatalf("Events(%d) after pruning up to %d: got error %v, want one wrapping store.ErrExpired", after, pruned, err)
	}
	exp, ok := errors.AsType[*store.ExpiredError](err)
	if !ok || exp.Pruned != pruned || exp.After != after {
		r.t.Errorf("Events(%d): error %v, want an *store.ExpiredError{After: %d, Pruned: %d}", after, err, after, pruned)
	}
	evs := r.events(pruned)
	switch {
	case pruned == last && len(evs) != 0:
		r.t.Errorf("Events(%d) = %d events, want none", pruned, len(evs))
	case pruned < last && (len(evs) == 0 || evs[0].Seq != pruned+1 || evs[len(evs)-1].Seq != last):
		r.t.Errorf("Events(%d) = %v, want Seq %d to %d", pruned, eventSeqs(evs), pruned+1, last)
	}
}

func eventSeqs(evs []store.Event) []int64 {
	out := make([]int64, len(evs))
	for i, e := range evs {
		out[i] = e.Seq
	}
	return out
}

func (r *retentionH) deliveries() store.Deliveries {
	r.t.Helper()
	return deliveriesOf(r.t, r.s)
}

// testPrunePastConsumers: events past every consumer and older than the
// window go, oldest first, in batches; what the consumer has not passed
// stays; a cursor below what is kept is expired, one at the last pruned
// Seq is not.
func testPrunePastConsumers(t *testing.T, r *retentionH) {
	d := r.deliveries()
	mustLease(t, d, "hook", "a", 1000*time.Hour)
	last := r.write(5)
	first := last - 4
	if err := d.Advance(r.ctx, "hook", "a", first+2); err != nil {
		t.Fatal(err)
	}
	r.prune(0) // younger than the window
	r.clock.add(2 * time.Hour)
	r.prune(3)
	r.expired(0, first+2, last)
	r.expired(first+1, first+2, last)
	if err := d.Advance(r.ctx, "hook", "a", last); err != nil {
		t.Fatal(err)
	}
	r.prune(2)
	r.expired(last-1, last, last)
	r.prune(0)
}

// testWindowKeeps: without consumers, events stay for the window and go
// after it.
func testWindowKeeps(t *testing.T, r *retentionH) {
	last := r.write(5)
	r.clock.add(30 * time.Minute)
	r.prune(0)
	if got := r.events(0); len(got) != 5 || got[4].Seq != last {
		t.Fatalf("Events(0) inside the window = %v, want the 5 events up to %d", eventSeqs(got), last)
	}
	r.clock.add(time.Hour)
	r.prune(5)
	r.expired(0, last, last)
	next := r.write(1)
	if evs := r.events(last); len(evs) != 1 || evs[0].Seq != next || next != last+1 {
		t.Errorf("Events(%d) after a new write = %v, want [%d]", last, eventSeqs(evs), last+1)
	}
}

// testUnpassedConsumerKeeps: a registered consumer that has not passed
// events keeps them past the window.
func testUnpassedConsumerKeeps(t *testing.T, r *retentionH) {
	d := r.deliveries()
	mustLease(t, d, "hook", "a", 1000*time.Hour)
	last := r.write(4)
	r.clock.add(10 * time.Hour)
	r.prune(0)
	if got := r.events(0); len(got) != 4 || got[3].Seq != last {
		t.Errorf("Events(0) = %v, want the 4 events up to %d kept for the consumer", eventSeqs(got), last)
	}
}

// testAbandonedConsumer: a consumer whose lease expired more than
// AbandonAfter ago stops pinning events; when it comes back its
// checkpoint is expired, not silently moved.
func testAbandonedConsumer(t *testing.T, r *retentionH) {
	d := r.deliveries()
	mustLease(t, d, "hook", "a", time.Hour)
	last := r.write(3)
	r.clock.add(12 * time.Hour) // lease expired 11h ago: still pinning
	r.prune(0)
	r.clock.add(14 * time.Hour) // expired 25h ago: abandoned
	if cs, ok := r.s.(store.Consumers); ok {
		list, err := cs.Consumers(r.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].Name != "hook" || !list[0].Abandoned || list[0].Checkpoint != 0 {
			t.Errorf("Consumers = %+v, want hook abandoned at checkpoint 0", list)
		}
	}
	r.prune(3)
	mustLease(t, d, "hook", "a", 1000*time.Hour) // it comes back
	cp := mustCheckpoint(t, d, "hook")
	if cp != 0 {
		t.Errorf("Checkpoint of the returning consumer = %d, want 0 (kept)", cp)
	}
	r.expired(cp, last, last)
	if cs, ok := r.s.(store.Consumers); ok {
		list, err := cs.Consumers(r.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].Abandoned || !list[0].Expired {
			t.Errorf("Consumers = %+v, want hook leased again and expired", list)
		}
	}
	// Leased again but expired, it pins nothing: keeping events would not
	// help it.
	last = r.write(2)
	r.clock.add(2 * time.Hour)
	r.prune(2)
	r.expired(cp, last, last)
}

// testListRemoveConsumers: Consumers lists every consumer by name with its
// checkpoint, lease and parked count; RemoveConsumer forgets one, and a
// consumer registered after pruning starts at the highest pruned Seq.
func testListRemoveConsumers(t *testing.T, r *retentionH) {
	d := r.deliveries()
	cs, ok := r.s.(store.Consumers)
	if !ok {
		t.Skip("store does not implement store.Consumers")
	}
	mustLease(t, d, "b", "owner-b", time.Hour)
	mustLease(t, d, "a", "owner-a", time.Hour)
	last := r.write(2)
	if err := d.Advance(r.ctx, "a", "owner-a", last); err != nil {
		t.Fatal(err)
	}
	ev := r.events(0)[0]
	if err := d.Park(r.ctx, "b", ev, 3, "boom"); err != nil {
		t.Fatal(err)
	}
	list, err := cs.Consumers(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Name, Owner        string
		Checkpoint         int64
		Parked             int
		Abandoned, Expired bool
	}
	var got []row
	for _, c := range list {
		got = append(got, row{c.Name, c.Owner, c.Checkpoint, c.Parked, c.Abandoned, c.Expired})
		if c.LeaseUntil.Before(r.clock.Now()) {
			t.Errorf("consumer %s: LeaseUntil %v, want after now (%v)", c.Name, c.LeaseUntil, r.clock.Now())
		}
	}
	diff(t, "Consumers", []row{{"a", "owner-a", last, 0, false, false}, {"b", "owner-b", 0, 1, false, false}}, got)

	if err := cs.RemoveConsumer(r.ctx, "b"); err != nil {
		t.Fatalf("RemoveConsumer(b): %v", err)
	}
	wantErr(t, "RemoveConsumer(b) again", cs.RemoveConsumer(r.ctx, "b"), store.ErrNotFound)
	if list, err = cs.Consumers(r.ctx); err != nil || len(list) != 1 || list[0].Name != "a" {
		t.Errorf("Consumers after removing b = %+v, %v; want only a", list, err)
	}
	r.clock.add(2 * time.Hour)
	r.prune(2) // b no longer pins them
	mustLease(t, d, "b", "owner-b", time.Hour)
	if cp := mustCheckpoint(t, d, "b"); cp != last {
		t.Errorf("Checkpoint of b registered again after pruning = %d, want %d (the highest pruned Seq)", cp, last)
	}
	if p, err := d.Parked(r.ctx, "b", 0); err != nil || len(p) != 0 {
		t.Errorf("Parked(b) after RemoveConsumer = %d events, %v; want none", len(p), err)
	}
}
