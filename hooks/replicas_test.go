package hooks_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/store"
)

// TestTwoReplicasPostgres: two Dispatchers on one PostgreSQL schema (two
// replicas) handle each event once; when the one holding the lease stops,
// the other takes over and delivers the rest.
func TestTwoReplicasPostgres(t *testing.T) {
	open := deliveryBackends[2].open(t)
	s1, s2 := open(), open()
	var mu sync.Mutex
	count := map[string]int{}
	by := map[string]int{}
	handler := func(replica int) hooks.Handler {
		return hooks.HandlerFunc(func(ctx context.Context, ev hooks.Event) error {
			mu.Lock()
			defer mu.Unlock()
			count[ev.ID]++
			by[ev.ID] = replica
			return nil
		})
	}
	run := func(s store.Store, replica int) (stop func()) {
		d, err := hooks.NewDispatcher(hooks.Config{Store: s, Handlers: map[string]hooks.Handler{"hook": handler(replica)},
			PollInterval: 20 * time.Millisecond, Logger: quietLog})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { d.Run(ctx); close(done) }()
		return func() { cancel(); <-done }
	}
	stop1, stop2 := run(s1, 1), run(s2, 2)
	defer stop2()
	handled := func(n int) func() bool {
		return func() bool { mu.Lock(); defer mu.Unlock(); return len(count) >= n }
	}
	commitChanges(t, s1, "r1", 15)
	commitChanges(t, s2, "r2", 15)
	n := len(outboxEvents(t, s1))
	waitFor(t, nil, 0, "the first events", handled(n))
	mu.Lock()
	leader := by[outboxEvents(t, s1)[n-1].ID]
	mu.Unlock()
	if leader == 1 {
		stop1()
	} else {
		stop2()
		defer stop1()
	}
	commitChanges(t, s1, "r3", 10)
	all := outboxEvents(t, s1)
	waitFor(t, nil, 0, "the events after the leader stopped", handled(len(all)))
	mu.Lock()
	defer mu.Unlock()
	for _, e := range all {
		if count[e.ID] != 1 {
			t.Errorf("event %d handled %d times, want once", e.Seq, count[e.ID])
		}
	}
	for _, e := range all[n:] {
		if by[e.ID] == leader {
			t.Errorf("event %d handled by the stopped replica", e.Seq)
		}
	}
}
