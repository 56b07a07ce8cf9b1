package hooks_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/hooks/hookstest"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

var fakeStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// sink is a handler that records the events it acknowledged; fail,
// when set, decides whether a delivery fails.
type sink struct {
	mu   sync.Mutex
	got  []hooks.Event
	fail func(ev hooks.Event) error
}

func (r *sink) HandleEvent(ctx context.Context, ev hooks.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		if err := r.fail(ev); err != nil {
			return err
		}
	}
	r.got = append(r.got, ev)
	return nil
}

func (r *sink) events() []hooks.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// writes makes n committed changes over a few users and a group: creates,
// updates, deactivations, membership changes.
func commitChanges(t *testing.T, s store.Store, prefix string, n int) {
	t.Helper()
	ctx := t.Context()
	users, groups := schema.UserResourceType(), schema.GroupResourceType()
	var ids []string
	for i := range n {
		switch {
		case i%5 == 0 || len(ids) == 0:
			u, err := s.Create(ctx, "t", users, &schema.Resource{Schemas: []string{schema.UserSchema},
				Attrs: map[string]any{"userName": fmt.Sprintf("%s-%d", prefix, i), "active": true}})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, u.ID)
		case i%5 == 4:
			g, err := s.Create(ctx, "t", groups, &schema.Resource{Schemas: []string{schema.GroupSchema},
				Attrs: map[string]any{"displayName": fmt.Sprintf("%s-g%d", prefix, i), "members": []any{map[string]any{"value": ids[0]}}}})
			if err != nil {
				t.Fatal(err)
			}
			_ = g
		default:
			id := ids[i%len(ids)]
			_, _, err := s.Update(ctx, "t", users, id, store.Update{Apply: func(cur *schema.Resource) (*schema.Resource, error) {
				next := cur.Clone()
				next.Attrs["displayName"] = fmt.Sprintf("change %d", i)
				next.Attrs["active"] = i%3 != 0
				return next, nil
			}})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
}

// allEvents returns every event of the outbox.
func outboxEvents(t *testing.T, s store.Store) []hooks.Event {
	t.Helper()
	evs, err := s.(store.Outbox).Events(t.Context(), 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// until waits for cond, advancing clk (when not nil) by step between
// checks. The real-time deadline only bounds a hang; nothing is asserted
// about time.
func waitFor(t *testing.T, clk *hookstest.Clock, step time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		if clk != nil {
			clk.Advance(step)
		}
		time.Sleep(time.Millisecond)
	}
}

func eventIDs(evs []hooks.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

// sortedIDs returns the ids of evs sorted, to compare what was delivered
// regardless of the order across resources.
func sortedIDs(evs []hooks.Event) []string {
	ids := eventIDs(evs)
	slices.Sort(ids)
	return ids
}

// checkpoint returns the durable checkpoint of consumer.
func checkpoint(t *testing.T, s store.Store, consumer string) int64 {
	t.Helper()
	cp, err := s.(store.Deliveries).Checkpoint(t.Context(), consumer)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

// checkPerResourceOrder fails when the events of one resource were
// delivered out of Seq order.
func checkPerResourceOrder(t *testing.T, got []hooks.Event) {
	t.Helper()
	last := map[string]int64{}
	for _, e := range got {
		key := e.Tenant + "/" + e.ResourceType + "/" + e.ResourceID
		if e.Seq <= last[key] {
			t.Errorf("%s: event %d delivered after %d", key, e.Seq, last[key])
		}
		last[key] = e.Seq
	}
}

// TestOutageThenRecovery: the receiver fails for ten minutes (fake clock)
// while changes keep being committed, then recovers; every committed
// event is delivered exactly once, in order per resource, none parked.
func TestOutageThenRecovery(t *testing.T) {
	for _, b := range deliveryBackends {
		t.Run(b.name, func(t *testing.T) {
			s := b.open(t)()
			clk := hookstest.NewClock(fakeStart)
			recoverAt := fakeStart.Add(10 * time.Minute)
			rec := &sink{fail: func(hooks.Event) error {
				if clk.Now().Before(recoverAt) {
					return errors.New("503 receiver down")
				}
				return nil
			}}
			commitChanges(t, s, "before", 20)
			d := hookstest.Start(t, hooks.Config{Store: s, Handlers: map[string]hooks.Handler{"hook": rec}, Clock: clk})
			waitFor(t, clk, 10*time.Second, "half the outage", func() bool { return !clk.Now().Before(fakeStart.Add(5 * time.Minute)) })
			commitChanges(t, s, "during", 20)
			want := outboxEvents(t, s)
			waitFor(t, clk, 10*time.Second, "every event", func() bool { return len(rec.events()) >= len(want) })
			got := rec.events()
			if diff := cmp.Diff(sortedIDs(want), sortedIDs(got)); diff != "" {
				t.Errorf("delivered events (-want +got):\n%s", diff)
			}
			checkPerResourceOrder(t, got)
			if clk.Now().Before(recoverAt) {
				t.Errorf("delivered before the receiver recovered")
			}
			if p, err := d.Parked(t.Context(), "hook"); err != nil || len(p) != 0 {
				t.Errorf("Parked = %d events, %v; want none", len(p), err)
			}
		})
	}
}

// TestWakeOnCommit: with a clock that never moves (no poll ever fires), a
// commit still reaches the handler: the store wakes the dispatcher.
func TestWakeOnCommit(t *testing.T) {
	for _, b := range deliveryBackends {
		t.Run(b.name, func(t *testing.T) {
			s := b.open(t)()
			rec := &sink{}
			hookstest.Start(t, hooks.Config{Store: s, Handlers: map[string]hooks.Handler{"hook": rec},
				Clock: hookstest.NewClock(fakeStart)})
			for i := range 3 {
				commitChanges(t, s, fmt.Sprint("wake", i), 1)
				waitFor(t, nil, 0, fmt.Sprintf("delivery of write %d", i), func() bool { return len(rec.events()) == i+1 })
			}
		})
	}
}

// TestCrashRedelivery: the dispatcher dies while an event is in its
// handler (other resources' events may be delivered meanwhile), more
// changes are committed while no dispatcher runs, and the store is
// closed; a new Dispatcher on the reopened database delivers everything
// above the checkpoint, which is below the interrupted event: every
// event is delivered at least once, in order per resource.
func TestCrashRedelivery(t *testing.T) {
	for _, b := range deliveryBackends {
		if !b.durable {
			continue
		}
		t.Run(b.name, func(t *testing.T) {
			open := b.open(t)
			s1 := open()
			commitChanges(t, s1, "first", 10)
			crash := outboxEvents(t, s1)[6]
			ctx, cancel := context.WithCancel(t.Context())
			first := &sink{fail: func(ev hooks.Event) error {
				if ev.ID == crash.ID {
					cancel() // the process dies while handling this event
					return errors.New("killed")
				}
				return nil
			}}
			d1, err := hooks.NewDispatcher(hooks.Config{Store: s1, Handlers: map[string]hooks.Handler{"hook": first}, Logger: quietLog})
			if err != nil {
				t.Fatal(err)
			}
			d1.Run(ctx)
			cp := checkpoint(t, s1, "hook")
			if cp >= crash.Seq {
				t.Fatalf("checkpoint %d passed the interrupted event %d", cp, crash.Seq)
			}
			commitChanges(t, s1, "after", 10)
			s1.Close()

			s2 := open()
			var acked, want []hooks.Event // up to the checkpoint, above it
			for _, e := range outboxEvents(t, s2) {
				if e.Seq > cp {
					want = append(want, e)
				} else {
					acked = append(acked, e)
				}
			}
			second := &sink{}
			hookstest.Start(t, hooks.Config{Store: s2, Handlers: map[string]hooks.Handler{"hook": second}})
			waitFor(t, nil, 0, "redelivery", func() bool { return len(second.events()) >= len(want) })
			if diff := cmp.Diff(sortedIDs(want), sortedIDs(second.events())); diff != "" {
				t.Errorf("delivered after the restart: want every event above checkpoint %d (-want +got):\n%s", cp, diff)
			}
			var firstAcked []hooks.Event
			for _, e := range first.events() {
				if e.Seq <= cp {
					firstAcked = append(firstAcked, e)
				}
			}
			if diff := cmp.Diff(sortedIDs(acked), sortedIDs(firstAcked)); diff != "" {
				t.Errorf("delivered before the crash, up to checkpoint %d (-want +got):\n%s", cp, diff)
			}
			checkPerResourceOrder(t, first.events())
			checkPerResourceOrder(t, second.events())
		})
	}
}

// TestParkAndReplay: an event that keeps failing is parked after
// MaxAttempts, one failing permanently at once; the others flow past
// them; Parked lists them; Replay redelivers them once the handler works,
// and parks again (attempts added up) one that still fails.
func TestParkAndReplay(t *testing.T) {
	for _, b := range deliveryBackends {
		t.Run(b.name, func(t *testing.T) {
			s := b.open(t)()
			commitChanges(t, s, "p", 12)
			evs := outboxEvents(t, s)
			poison, rejected := evs[3], evs[7]
			var mu sync.Mutex
			fixed := false
			rec := &sink{fail: func(ev hooks.Event) error {
				mu.Lock()
				defer mu.Unlock()
				switch {
				case ev.ID == rejected.ID:
					return hooks.Permanent(errors.New("400 bad event"))
				case ev.ID == poison.ID && !fixed:
					return errors.New("500 boom")
				}
				return nil
			}}
			clk := hookstest.NewClock(fakeStart)
			d := hookstest.Start(t, hooks.Config{Store: s, Handlers: map[string]hooks.Handler{"hook": rec}, Clock: clk,
				Retry: hooks.RetryPolicy{MaxAttempts: 3}})
			waitFor(t, clk, time.Second, "the healthy events", func() bool { return len(rec.events()) == len(evs)-2 })
			parked, err := d.Parked(t.Context(), "hook")
			if err != nil {
				t.Fatal(err)
			}
			type summary struct {
				ID        string
				Attempts  int
				LastError string
			}
			sum := func(ps []store.ParkedEvent) []summary {
				var out []summary
				for _, p := range ps {
					out = append(out, summary{p.Event.ID, p.Attempts, p.LastError})
				}
				return out
			}
			want := []summary{{poison.ID, 3, "500 boom"}, {rejected.ID, 1, "permanent: 400 bad event"}}
			if diff := cmp.Diff(want, sum(parked)); diff != "" {
				t.Fatalf("Parked (-want +got):\n%s", diff)
			}
			// Still failing: the rejected event is parked again.
			if err := d.Replay(t.Context(), "hook", rejected.ID); err == nil || !strings.Contains(err.Error(), rejected.ID) {
				t.Errorf("Replay of a still failing event = %v, want an error naming it", err)
			}
			mu.Lock()
			fixed = true
			mu.Unlock()
			if err := d.Replay(t.Context(), "hook", poison.ID, "unknown-id"); err != nil {
				t.Fatalf("Replay: %v", err)
			}
			parked, _ = d.Parked(t.Context(), "hook")
			want = []summary{{rejected.ID, 2, "permanent: 400 bad event"}}
			if diff := cmp.Diff(want, sum(parked)); diff != "" {
				t.Errorf("Parked after Replay (-want +got):\n%s", diff)
			}
			got := rec.events()
			if last := got[len(got)-1]; last.ID != poison.ID {
				t.Errorf("last delivered = %s, want the replayed %s", last.ID, poison.ID)
			}
			if err := d.Replay(t.Context(), "nobody"); err == nil {
				t.Error("Replay of an unknown consumer succeeded")
			}
		})
	}
}
