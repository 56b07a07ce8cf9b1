package storetest

import (
	"testing"

	"github.com/scimkit/scimkit/store"
)

// testLastSeq: store.OutboxHead.LastSeq is 0 before any event and the Seq
// of the newest event after writes.
func testLastSeq(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	o := outboxOf(t, h.s)
	head, ok := h.s.(store.OutboxHead)
	if !ok {
		t.Skip("store does not implement store.OutboxHead")
	}
	if seq, err := head.LastSeq(h.ctx); err != nil || seq != 0 {
		t.Fatalf("LastSeq before any write = %d, %v; want 0", seq, err)
	}
	for i := range 5 {
		h.create(UserType(), user(string(rune('a'+i))))
	}
	all, err := o.Events(h.ctx, 0, 100)
	if err != nil || len(all) == 0 {
		t.Fatalf("Events: %d, %v", len(all), err)
	}
	if seq, err := head.LastSeq(h.ctx); err != nil || seq != all[len(all)-1].Seq {
		t.Fatalf("LastSeq = %d, %v; want %d, the newest event's", seq, err, all[len(all)-1].Seq)
	}
}
