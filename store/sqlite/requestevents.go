package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

var _ store.RequestEvents = (*Store)(nil)

// EventsOfRequest implements store.RequestEvents with the index on the
// events' RequestID (migration 0013).
func (s *Store) EventsOfRequest(ctx context.Context, tenant, requestID string, limit int) ([]store.Event, error) {
	limit = backend.RequestEventsLimit(limit)
	var out []store.Event
	if requestID == "" {
		return out, nil
	}
	rows, err := s.read.QueryContext(ctx, `SELECT seq, body FROM events
		WHERE json_extract(body, '$.RequestID') = ? AND json_extract(body, '$.Tenant') = ?
		ORDER BY seq LIMIT ?`, requestID, tenant, limit)
	if err != nil {
		return nil, s.wrap("events of request", err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var body string
		if err := rows.Scan(&seq, &body); err != nil {
			return nil, s.wrap("events of request", err)
		}
		var ev store.Event
		if err := json.Unmarshal([]byte(body), &ev); err != nil {
			return nil, fmt.Errorf("store: events of request: corrupt event %d: %w", seq, err)
		}
		ev.Seq = seq
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("events of request", err)
	}
	return out, nil
}
