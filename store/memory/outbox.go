package memory

import (
	"context"
	"slices"
	"sort"

	"github.com/scimkit/scimkit/internal/wake"
	"github.com/scimkit/scimkit/store"
)

// outbox keeps the most recent events in Seq order, and every event a
// registered delivery consumer (delivery.go) has not passed yet.
type outbox struct {
	max       int // negative: keep none (beyond what consumers need)
	seq       int64
	events    []store.Event
	consumers map[string]*consumer // store.Deliveries state, see delivery.go
	hub       wake.Hub             // store.Notifier
}

// append assigns sequence numbers to evs and stores them, discarding the
// oldest events beyond max that no consumer still needs, and wakes the
// Notify subscribers.
func (o *outbox) append(evs []store.Event) {
	keep := o.max >= 0 || len(o.consumers) > 0
	for _, e := range evs {
		o.seq++
		e.Seq = o.seq
		if keep {
			o.events = append(o.events, e)
		}
	}
	bound := max(o.max, 0)
	if len(o.events) > bound+bound/4+16 {
		if cut := min(len(o.events)-bound, o.passed()); cut > 0 {
			o.events = slices.Clone(o.events[cut:])
		}
	}
	if len(evs) > 0 {
		o.hub.Fire()
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
