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
