package connector

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// countingSource counts the listings of a Source.
type countingSource struct {
	Source
	users, groups atomic.Int32
}

func (c *countingSource) ListUsers(ctx context.Context, visit func(User) error) error {
	c.users.Add(1)
	return c.Source.ListUsers(ctx, visit)
}

func (c *countingSource) ListGroups(ctx context.Context, visit func(Group) error) error {
	c.groups.Add(1)
	return c.Source.ListGroups(ctx, visit)
}

// TestRunResumesSchedule: Run takes the time of the last full run from the
// store, so a restarted process runs its first full reconciliation when it
// is due, not at once; when it is due, the first run is a full one.
func TestRunResumesSchedule(t *testing.T) {
	for _, tc := range []struct {
		name     string
		lastFull time.Duration // before now
		full     bool          // whether Run's first run is a full one
	}{
		{"full run 10 minutes ago", 10 * time.Minute, false},
		{"full run 2 hours ago", 2 * time.Hour, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newTestStore(t)
			now := time.Now()
			past := func() time.Time { return now.Add(-tc.lastFull) }
			mustSync(t, newSyncer(t, st, directory(), func(c *Config) { c.Now = past })) // the previous process
			src := &countingSource{Source: directory()}
			s := newSyncer(t, st, src, nil)
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() { done <- s.Run(ctx, RunConfig{FullEvery: time.Hour, PollEvery: time.Millisecond}) }()
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
				if st, err := s.Status(t.Context()); err == nil && st.LastRun.After(now) {
					break // the first run of this process is over
				}
				if time.Now().After(deadline) {
					t.Fatal("no run within 10s")
				}
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			// Polls list groups only; a full run lists users too (and
			// none follows within the hour).
			if got := src.users.Load() > 0; got != tc.full {
				t.Errorf("first run full: %v, want %v (users listed %d times, groups %d)", got, tc.full, src.users.Load(), src.groups.Load())
			}
		})
	}
}
