package memory

import (
	"context"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

var _ store.RequestEvents = (*Store)(nil)

// EventsOfRequest implements store.RequestEvents. The memory store keeps
// no index by request: it decodes the kept events, newest chunk last, which
// is bounded by Config.OutboxSize and fine for the store's purpose (tests,
// demos, a single process).
func (s *Store) EventsOfRequest(ctx context.Context, tenant, requestID string, limit int) ([]store.Event, error) {
	limit = backend.RequestEventsLimit(limit)
	var out []store.Event
	if requestID == "" {
		return out, nil
	}
	err := s.tx(ctx, false, "events of request", func(st *state) ([]store.Event, error) {
		l := &st.outbox.log
		for ci, c := range l.chunks {
			from := 0
			if ci == 0 {
				from = l.head
			}
			for i := from; i < len(c.offs) && len(out) < limit; i++ {
				d := eventDecoder{ns: &l.names, buf: c.encoded(i)}
				e, err := d.event()
				if err != nil {
					return nil, err
				}
				if e.RequestID == requestID && e.Tenant == tenant {
					e.Seq = c.first + int64(i)
					out = append(out, e)
				}
			}
		}
		return nil, nil
	})
	return out, err
}
