package console

import (
	"context"
	"fmt"
	"testing"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
)

// countingOutbox counts reads, to check that headSeq stays logarithmic.
type countingOutbox struct {
	store.Outbox
	reads int
}

func (o *countingOutbox) Events(ctx context.Context, after int64, limit int) ([]store.Event, error) {
	o.reads++
	return o.Outbox.Events(ctx, after, limit)
}

func TestHeadSeq(t *testing.T) {
	ctx := t.Context()
	st := memory.New(memory.Config{OutboxSize: 100})
	o := &countingOutbox{Outbox: st}
	if head, err := headSeq(ctx, o, 0); err != nil || head != 0 {
		t.Fatalf("empty outbox: %d, %v; want 0", head, err)
	}
	for i := range 300 { // the first 200 events are dropped (OutboxSize)
		r := &schema.Resource{Attrs: map[string]any{"userName": fmt.Sprint("u", i)}}
		if _, err := st.Create(ctx, "t", schema.UserResourceType(), r); err != nil {
			t.Fatal(err)
		}
	}
	for _, from := range []int64{0, 5, 199, 200, 250, 299, 300} {
		o.reads = 0
		head, err := headSeq(ctx, o, from)
		if err != nil || head != 300 {
			t.Errorf("headSeq from %d = %d, %v; want 300", from, head, err)
		}
		if o.reads > 25 {
			t.Errorf("headSeq from %d read %d times, want O(log n)", from, o.reads)
		}
	}
}
