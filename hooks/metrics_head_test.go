package hooks

import (
	"context"
	"fmt"
	"testing"

	"github.com/scimkit/scimkit/store"
)

// seqOutbox is an Outbox without OutboxHead, over events with the given
// Seqs (ascending, with gaps).
type seqOutbox struct {
	seqs  []int64
	reads int
}

func (o *seqOutbox) Events(_ context.Context, after int64, limit int) ([]store.Event, error) {
	o.reads++
	var out []store.Event
	for _, s := range o.seqs {
		if s > after && len(out) < limit {
			out = append(out, store.Event{Seq: s})
		}
	}
	return out, nil
}

// TestOutboxHeadGallop: without store.OutboxHead the head is found with a
// logarithmic number of one-event reads, gaps in Seq included.
func TestOutboxHeadGallop(t *testing.T) {
	var many []int64
	for i := int64(1); i <= 100000; i++ {
		many = append(many, i)
	}
	for _, tc := range []struct {
		seqs     []int64
		from     int64
		want     int64
		maxReads int
	}{
		{nil, 0, 0, 2},
		{nil, 42, 42, 2},
		{[]int64{3, 4, 7, 20, 21, 100}, 0, 100, 20},
		{[]int64{3, 4, 7, 20, 21, 100}, 21, 100, 20},
		{[]int64{3, 4, 7, 20, 21, 100}, 100, 100, 2},
		{many, 0, 100000, 40},
		{many, 99990, 100000, 10},
	} {
		t.Run(fmt.Sprint(len(tc.seqs), "/", tc.from), func(t *testing.T) {
			o := &seqOutbox{seqs: tc.seqs}
			got, err := outboxHead(t.Context(), o, tc.from)
			if err != nil || got != tc.want {
				t.Fatalf("outboxHead(from %d) = %d, %v; want %d", tc.from, got, err, tc.want)
			}
			if o.reads > tc.maxReads {
				t.Errorf("%d reads, want at most %d", o.reads, tc.maxReads)
			}
		})
	}
}
