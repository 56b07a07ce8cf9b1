package ssf

import (
	"context"
	"testing"

	"github.com/scimkit/scimkit/store"
)

// fakeOutbox has events pruned+1..head.
type fakeOutbox struct{ pruned, head int64 }

func (o fakeOutbox) Events(_ context.Context, after int64, limit int) ([]store.Event, error) {
	if after < o.pruned {
		return nil, &store.ExpiredError{After: after, Pruned: o.pruned}
	}
	var out []store.Event
	for s := after + 1; s <= o.head && len(out) < limit; s++ {
		out = append(out, store.Event{Seq: s})
	}
	return out, nil
}

func TestOutboxHead(t *testing.T) {
	for _, o := range []fakeOutbox{{0, 0}, {0, 1}, {0, 2}, {0, 1000}, {0, 1 << 20}, {5, 5}, {5, 6}, {999, 12345}, {1 << 30, 1<<30 + 7}} {
		got, err := outboxHead(t.Context(), o)
		if err != nil || got != o.head {
			t.Errorf("outboxHead(pruned %d, head %d) = %d, %v", o.pruned, o.head, got, err)
		}
	}
}

// TestRecentSetForget: a key forgotten (acting on its SET failed) can be
// added again, and forgetting it does not make the set forget another
// key early.
func TestRecentSetForget(t *testing.T) {
	s := newRecentSet(2)
	if !s.add("a") || s.add("a") {
		t.Fatal("add: a first add reports true, a second false")
	}
	s.forget("a")
	if s.has("a") || !s.add("a") {
		t.Fatal("a forgotten key is absent and can be added again")
	}
	s.add("b")
	s.forget("zzz") // absent: nothing happens
	if !s.has("a") || !s.has("b") || len(s.order) != 2 {
		t.Fatalf("keys %v order %v, want a and b", s.keys, s.order)
	}
	s.add("c") // evicts the oldest, a
	if s.has("a") || !s.has("b") || !s.has("c") {
		t.Fatalf("after an eviction: keys %v, want b and c", s.keys)
	}
}
