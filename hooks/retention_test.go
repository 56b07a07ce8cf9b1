package hooks_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/hooks/hookstest"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
)

// storeClock is a clock for a store's Config.Now that tests move forward.
type storeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *storeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *storeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestFeedExpired: a cursor older than what the store keeps gets
// store.ErrExpired from Feed and 410 Gone with the cursor to continue from
// FeedHandler; that cursor works.
func TestFeedExpired(t *testing.T) {
	s := memory.New(memory.Config{Retention: store.Retention{Window: -1, Interval: -1}})
	t.Cleanup(func() { s.Close() })
	commitChanges(t, s, "old", 3)
	pruned, err := s.PruneEvents(t.Context())
	if err != nil || pruned != 3 {
		t.Fatalf("PruneEvents = %d, %v; want 3", pruned, err)
	}
	commitChanges(t, s, "new", 1)
	if _, _, err := hooks.Feed(t.Context(), s, "t", 1, 0); !errors.Is(err, store.ErrExpired) {
		t.Errorf("Feed(after 1) = %v, want an error wrapping store.ErrExpired", err)
	}
	h := hooks.FeedHandler(s, func(*http.Request) (string, error) { return "t", nil })
	get := func(query string) (int, map[string]any) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/events?"+query, nil))
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("GET ?%s: body %q: %v", query, rec.Body, err)
		}
		return rec.Code, body
	}
	code, body := get("after=0")
	if msg, _ := body["error"].(string); code != http.StatusGone || body["next"] != 3.0 || !strings.Contains(msg, "resynchronise") {
		t.Errorf("GET ?after=0 = %d %v, want 410 with next 3 and an error saying to resynchronise", code, body)
	}
	code, body = get("after=3")
	if evs, _ := body["events"].([]any); code != http.StatusOK || len(evs) != 1 {
		t.Errorf("GET ?after=3 = %d %v, want 200 with the one event kept", code, body)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent use, for a logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestDispatcherExpiredConsumer: a consumer that was abandoned and whose
// events were pruned meanwhile delivers nothing and logs an error (it
// never skips silently); once removed, it restarts at the oldest event
// kept.
func TestDispatcherExpiredConsumer(t *testing.T) {
	now := &storeClock{t: fakeStart}
	s := memory.New(memory.Config{Now: now.Now, Retention: store.Retention{Window: -1, AbandonAfter: time.Hour, Interval: -1}})
	t.Cleanup(func() { s.Close() })
	ctx := t.Context()
	if ok, err := s.Lease(ctx, "hook", "gone", time.Minute); !ok || err != nil {
		t.Fatalf("Lease = %v, %v", ok, err)
	}
	commitChanges(t, s, "missed", 5)
	now.add(2 * time.Hour) // the consumer is abandoned
	if n, err := s.PruneEvents(ctx); err != nil || n == 0 {
		t.Fatalf("PruneEvents = %d, %v; want the abandoned consumer's events pruned", n, err)
	}

	var logs syncBuffer
	rec := &sink{}
	clk := hookstest.NewClock(fakeStart)
	hookstest.Start(t, hooks.Config{Store: s, Handlers: map[string]hooks.Handler{"hook": rec}, Clock: clk,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	waitFor(t, clk, time.Second, "the expired consumer's error", func() bool {
		return strings.Contains(logs.String(), "level=ERROR") && strings.Contains(logs.String(), "retention")
	})
	if got := rec.events(); len(got) != 0 {
		t.Errorf("the expired consumer delivered %d events, want none", len(got))
	}
	if cp := checkpoint(t, s, "hook"); cp != 0 {
		t.Errorf("checkpoint of the expired consumer = %d, want 0 (not moved)", cp)
	}

	if err := s.RemoveConsumer(ctx, "hook"); err != nil {
		t.Fatal(err)
	}
	commitChanges(t, s, "after", 3)
	want := outboxEventsAfter(t, s, checkpointOrPruned(t, s))
	waitFor(t, clk, time.Second, "the events after removal", func() bool { return len(rec.events()) >= len(want) })
	if got := rec.events(); len(got) != len(want) {
		t.Errorf("after removal, delivered %d events, want the %d kept", len(got), len(want))
	}
}

// checkpointOrPruned returns the highest pruned Seq of s.
func checkpointOrPruned(t *testing.T, s store.Outbox) int64 {
	t.Helper()
	_, err := s.Events(t.Context(), 0, 1)
	if exp, ok := errors.AsType[*store.ExpiredError](err); ok {
		return exp.Pruned
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

func outboxEventsAfter(t *testing.T, s store.Outbox, after int64) []hooks.Event {
	t.Helper()
	evs, err := s.Events(t.Context(), after, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}
