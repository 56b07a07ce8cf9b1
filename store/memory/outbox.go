package memory

import (
	"context"

	"github.com/scimkit/scimkit/internal/wake"
	"github.com/scimkit/scimkit/store"
)

// outbox keeps the most recent events in Seq order, and every event a
// registered delivery consumer (delivery.go) has not passed yet.
type outbox struct {
	max       int // negative: keep none (beyond what consumers need)
	seq       int64
	log       eventLog
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
			o.log.push(&e)
		}
	}
	if extra := o.log.len() - max(o.max, 0); extra > 0 {
		o.log.drop(min(extra, o.passed()))
	}
	if len(evs) > 0 {
		o.hub.Fire()
	}
}

// Events implements store.Outbox: up to limit events with Seq > after, in
// Seq order (RFC-independent; see store.Outbox). Events older than the
// Config.OutboxSize most recent ones are gone, unless a registered
// delivery consumer has not passed them.
func (s *Store) Events(ctx context.Context, after int64, limit int) ([]store.Event, error) {
	var out []store.Event
	err := s.tx(ctx, false, "events", func(st *state) ([]store.Event, error) {
		var err error
		out, err = st.outbox.log.read(after, max(limit, 0))
		return nil, err
	})
	return out, err
}
