package hooks_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/hooks/hookstest"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// createUsers creates n active users and returns their ids.
func createUsers(t *testing.T, s store.Store, prefix string, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		u, err := s.Create(t.Context(), "t", schema.UserResourceType(), &schema.Resource{Schemas: []string{schema.UserSchema},
			Attrs: map[string]any{"userName": fmt.Sprintf("%s-%d", prefix, i), "active": true}})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = u.ID
	}
	return ids
}

// setActive commits a change of the user's active flag (user.deactivated
// or user.reactivated, and user.updated).
func setActive(t *testing.T, s store.Store, id string, active bool) {
	t.Helper()
	_, _, err := s.Update(t.Context(), "t", schema.UserResourceType(), id, store.Update{Apply: func(cur *schema.Resource) (*schema.Resource, error) {
		next := cur.Clone()
		next.Attrs["active"] = active
		return next, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
}

// TestNoHeadOfLineBlocking: one user's events keep failing for ten
// minutes (fake clock) while 200 other users are created and
// deactivated; every other user's events are delivered before the clock
// moves at all (so before the failing event's first retry), the failing
// user's later events wait for its first one, the checkpoint stays below
// it, and once the handler recovers everything is delivered in order per
// resource and the checkpoint reaches the end.
func TestNoHeadOfLineBlocking(t *testing.T) {
	for _, b := range deliveryBackends {
		t.Run(b.name, func(t *testing.T) {
			s := b.open(t)()
			clk := hookstest.NewClock(fakeStart)
			recoverAt := fakeStart.Add(10 * time.Minute)
			stuck := createUsers(t, s, "stuck", 1)[0]
			setActive(t, s, stuck, false)
			head := outboxEvents(t, s)[0]
			rec := &sink{fail: func(ev hooks.Event) error {
				if ev.ResourceID == stuck && clk.Now().Before(recoverAt) {
					return errors.New("revoker: session store unavailable for this user")
				}
				return nil
			}}
			hookstest.Start(t, hooks.Config{Store: s, Handlers: map[string]hooks.Handler{"revoke": rec}, Clock: clk})
			others := createUsers(t, s, "other", 100)
			others = append(others, createUsers(t, s, "late", 100)...)
			for _, id := range others {
				setActive(t, s, id, false)
			}
			all := outboxEvents(t, s)
			var stuckEvents int
			for _, e := range all {
				if e.ResourceID == stuck {
					stuckEvents++
				}
			}
			waitFor(t, nil, 0, "the other users' events", func() bool { return len(rec.events()) == len(all)-stuckEvents })
			if now := clk.Now(); !now.Equal(fakeStart) {
				t.Fatalf("fake clock moved to %v", now)
			}
			for _, e := range rec.events() {
				if e.ResourceID == stuck {
					t.Errorf("event %d of the failing user delivered before its first event", e.Seq)
				}
			}
			if cp := checkpoint(t, s, "revoke"); cp >= head.Seq {
				t.Errorf("checkpoint %d passed the failing event %d", cp, head.Seq)
			}

			waitFor(t, clk, 10*time.Second, "the failing user's events", func() bool { return len(rec.events()) == len(all) })
			if clk.Now().Before(recoverAt) {
				t.Errorf("failing user's events delivered at %v, before the handler recovered", clk.Now())
			}
			got := rec.events()
			if diff := cmp.Diff(sortedIDs(all), sortedIDs(got)); diff != "" {
				t.Errorf("delivered events (-want +got):\n%s", diff)
			}
			checkPerResourceOrder(t, got)
			last := all[len(all)-1].Seq
			waitFor(t, nil, 0, "the checkpoint to reach the end", func() bool { return checkpoint(t, s, "revoke") == last })
		})
	}
}

// laneChecker is a handler that fails randomly, sleeps a random while,
// and checks the delivery invariants on every call: one event at a time
// per resource, in Seq order, at most limit events at once, and a durable
// checkpoint below every event still being delivered.
type laneChecker struct {
	t     *testing.T
	s     store.Store
	limit int
	fail  float64 // probability of a failed attempt

	mu        sync.Mutex
	busy      map[string]bool
	last      map[string]int64
	delivered map[string]int
	active    int
	peak      int
}

func resourceKey(e hooks.Event) string { return e.Tenant + "/" + e.ResourceType + "/" + e.ResourceID }

func (c *laneChecker) HandleEvent(ctx context.Context, ev hooks.Event) error {
	k := resourceKey(ev)
	c.mu.Lock()
	if c.busy[k] {
		c.t.Errorf("%s: event %d delivered while another event of the resource is", k, ev.Seq)
	}
	if ev.Seq <= c.last[k] {
		c.t.Errorf("%s: event %d delivered after %d", k, ev.Seq, c.last[k])
	}
	c.busy[k] = true
	c.active++
	c.peak = max(c.peak, c.active)
	if c.active > c.limit {
		c.t.Errorf("%d deliveries at once, Concurrency is %d", c.active, c.limit)
	}
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.busy[k] = false
		c.active--
		c.mu.Unlock()
	}()

	if cp, err := c.s.(store.Deliveries).Checkpoint(ctx, "check"); err == nil && cp >= ev.Seq {
		c.t.Errorf("checkpoint %d passed event %d while it is being delivered", cp, ev.Seq)
	}
	time.Sleep(time.Duration(rand.IntN(1500)) * time.Microsecond)
	if rand.Float64() < c.fail {
		return errors.New("random failure")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last[k] = ev.Seq
	c.delivered[ev.ID]++
	return nil
}

// TestLaneInvariants: with random handler delays and failures (real
// clock, short backoff), per resource order, one event at a time per
// resource, the Concurrency bound and the checkpoint hold under several
// Concurrency, Batch and Window settings (a Window smaller than the
// events of one resource included); every event is delivered once.
func TestLaneInvariants(t *testing.T) {
	cases := []struct {
		name                       string
		concurrency, batch, window int
	}{
		{"defaults", 0, 0, 0},
		{"sequential", 1, 0, 0},
		{"small window", 4, 3, 7},
	}
	for _, b := range deliveryBackends {
		for _, tc := range cases {
			t.Run(b.name+"/"+tc.name, func(t *testing.T) {
				s := b.open(t)()
				ids := createUsers(t, s, "u", 12)
				for i := range 120 {
					setActive(t, s, ids[rand.IntN(len(ids))], i%2 == 0)
				}
				limit := tc.concurrency
				if limit == 0 {
					limit = hooks.DefaultConcurrency
				}
				c := &laneChecker{t: t, s: s, limit: limit, fail: 0.2,
					busy: map[string]bool{}, last: map[string]int64{}, delivered: map[string]int{}}
				hookstest.Start(t, hooks.Config{Store: s, Handlers: map[string]hooks.Handler{"check": c},
					Concurrency: tc.concurrency, Batch: tc.batch, Window: tc.window,
					Retry: hooks.RetryPolicy{Initial: time.Millisecond, Max: 5 * time.Millisecond, MaxAttempts: 1000}})
				all := outboxEvents(t, s)
				want := map[string]int{}
				for _, e := range all {
					want[e.ID] = 1
				}
				done := func() bool { c.mu.Lock(); defer c.mu.Unlock(); return len(c.delivered) == len(all) }
				waitFor(t, nil, 0, "every event", done)
				waitFor(t, nil, 0, "the checkpoint to reach the end", func() bool { return checkpoint(t, s, "check") == all[len(all)-1].Seq })
				c.mu.Lock()
				defer c.mu.Unlock()
				if diff := cmp.Diff(want, c.delivered); diff != "" {
					t.Errorf("deliveries per event (-want +got):\n%s", diff)
				}
				t.Logf("%d events, at most %d delivered at once", len(all), c.peak)
			})
		}
	}
}
