package memory_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
	"github.com/scimkit/scimkit/store/storetest"
)

// TestOutboxRetention checks the retention rule of hooks.md: beyond
// Config.OutboxSize the outbox drops old events only when no registered
// consumer still needs them.
func TestOutboxRetention(t *testing.T) {
	tests := []struct {
		name      string
		lease     bool
		advance   int64 // checkpoint after the first 100 writes
		wantFirst int64 // lowest Seq kept after 150 writes (0: any ≤ 150-size)
	}{
		{name: "no consumer", wantFirst: 0},
		{name: "consumer at 0", lease: true, wantFirst: 1},
		{name: "consumer at 90", lease: true, advance: 90, wantFirst: 91},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const size = 4
			s := memory.New(memory.Config{OutboxSize: size})
			defer s.Close()
			ctx := t.Context()
			if tc.lease {
				if ok, err := s.Lease(ctx, "hook", "me", time.Hour); !ok || err != nil {
					t.Fatalf("Lease = %v, %v", ok, err)
				}
			}
			for i := range 150 {
				if i == 100 && tc.advance > 0 {
					if err := s.Advance(ctx, "hook", "me", tc.advance); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := s.Create(ctx, "t", storetest.UserType(), storetest.TypicalUser(i)); err != nil {
					t.Fatal(err)
				}
			}
			evs, err := s.Events(ctx, 0, 1000)
			if exp, ok := errors.AsType[*store.ExpiredError](err); ok {
				evs, err = s.Events(ctx, exp.Pruned, 1000) // the oldest kept
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) == 0 || evs[len(evs)-1].Seq != 150 {
				t.Fatalf("kept %d events, want the last one to be 150", len(evs))
			}
			first := evs[0].Seq
			switch {
			case tc.wantFirst == 0 && len(evs) > size+size/4+16:
				t.Errorf("kept %d events without consumers, want at most %d", len(evs), size+size/4+16)
			case tc.wantFirst > 0 && first > tc.wantFirst:
				t.Errorf("first kept Seq = %d, want ≤ %d (a consumer still needs it)", first, tc.wantFirst)
			}
			for i, e := range evs {
				if e.Seq != first+int64(i) {
					t.Fatalf("gap in kept events: %s", fmt.Sprint(e.Seq))
				}
			}
		})
	}
}

func TestRetention(t *testing.T) {
	storetest.RunRetention(t, func(t *testing.T, cfg storetest.RetentionConfig) store.Store {
		s := memory.New(memory.Config{Now: cfg.Now, Retention: cfg.Retention})
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestAbandonedConsumerDoesNotPin: a consumer that leased once and never
// came back stops pinning the outbox once its lease expired more than
// Retention.AbandonAfter ago, so the outbox goes back to OutboxSize on the
// next writes (no PruneEvents call needed).
func TestAbandonedConsumerDoesNotPin(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const size = 4
	s := memory.New(memory.Config{OutboxSize: size, Now: func() time.Time { return now },
		Retention: store.Retention{AbandonAfter: time.Hour}})
	defer s.Close()
	ctx := t.Context()
	if ok, err := s.Lease(ctx, "hook", "gone", time.Minute); !ok || err != nil {
		t.Fatalf("Lease = %v, %v", ok, err)
	}
	kept := func() int {
		cs, err := s.Consumers(ctx)
		if err != nil || len(cs) != 1 {
			t.Fatalf("Consumers = %v, %v", cs, err)
		}
		evs, err := s.Events(ctx, cs[0].Checkpoint, 1000)
		if exp, ok := errors.AsType[*store.ExpiredError](err); ok {
			evs, err = s.Events(ctx, exp.Pruned, 1000)
		}
		if err != nil {
			t.Fatal(err)
		}
		return len(evs)
	}
	for i := range 50 {
		if _, err := s.Create(ctx, "t", storetest.UserType(), storetest.TypicalUser(i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := kept(); n != 50 {
		t.Fatalf("kept %d events for a live consumer, want all 50", n)
	}
	now = now.Add(2 * time.Hour) // the lease expired 1h59m ago
	for i := range 50 {
		if _, err := s.Create(ctx, "t", storetest.UserType(), storetest.TypicalUser(50+i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := kept(); n > size {
		t.Errorf("kept %d events for an abandoned consumer, want at most OutboxSize (%d)", n, size)
	}
}
