package postgres

import (
	"context"
	"fmt"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

var _ store.RequestEvents = (*Store)(nil)

// EventsOfRequest implements store.RequestEvents with the index on the
// events' tenant and RequestID (migration 0028). Events still waiting for
// their final Seq (sequencer.go) are numbered first, so a caller sees the
// events of its own acknowledged writes.
func (s *Store) EventsOfRequest(ctx context.Context, tenant, requestID string, limit int) ([]store.Event, error) {
	const op = "events of request"
	if s.closed.Load() {
		return nil, fmt.Errorf("store: %s: %w", op, store.ErrClosed)
	}
	limit = backend.RequestEventsLimit(limit)
	if requestID == "" {
		return []store.Event{}, nil
	}
	if _, err := s.events(ctx, 1<<62, 1); err != nil { // number pending events
		return nil, err
	}
	out, err := collectEvents(s.pool.Query(ctx, s.q(`SELECT seq, payload FROM {s}.events
		WHERE tenant = $1 AND payload->>'RequestID' = $2 AND seq IS NOT NULL ORDER BY seq LIMIT $3`), tenant, requestID, limit))
	if out == nil {
		out = []store.Event{}
	}
	return out, mapErr(op, err)
}
