package memory

import (
	"context"
	"slices"
	"sort"

	"github.com/scimkit/scimkit/store"
)

// outbox keeps the most recent events in Seq order.
type outbox struct {
	max    int // negative: keep none
	seq    int64
	events []store.Event
}

// append assigns sequence numbers to evs and stores them, discarding the
// oldest events beyond max.
func (o *outbox) append(evs []store.Event) {
	for _, e := range evs {
		o.seq++
		e.Seq = o.seq
		if o.max >= 0 {
			o.events = append(o.events, e)
		}
	}
	if o.max >= 0 && len(o.events) > o.max+o.max/4+16 {
		o.events = slices.Clone(o.events[len(o.events)-o.max:])
	}
	if o.max < 0 {
		o.events = nil
	}
}

// Events implements store.Outbox: up to limit events with Seq > after, in
// Seq order (RFC-independent; see store.Outbox). Events older than the
// Config.OutboxSize most recent ones are gone.
func (s *Store) Events(ctx context.Context, after int64, limit int) ([]store.Event, error) {
	var out []store.Event
	err := s.tx(ctx, false, "events", func(st *state) ([]store.Event, error) {
		evs := st.outbox.events
		i := sort.Search(len(evs), func(i int) bool { return evs[i].Seq > after })
		n := min(max(limit, 0), len(evs)-i)
		out = make([]store.Event, n)
		for j := range out {
			e := evs[i+j]
			e.Paths, e.Members = slices.Clone(e.Paths), slices.Clone(e.Members)
			e.GroupsAdded, e.GroupsRemoved = slices.Clone(e.GroupsAdded), slices.Clone(e.GroupsRemoved)
			out[j] = e
		}
		return nil, nil
	})
	return out, err
}
