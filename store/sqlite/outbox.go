package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/scimkit/scimkit/store"
)

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// record inserts the events of one committed change into the outbox, in
// the change's transaction (the transactional outbox pattern).
func (tx *txn) record(ctx context.Context, evs []store.Event) error {
	for _, ev := range evs {
		body, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO events (body) VALUES (?)", string(body)); err != nil {
			return err
		}
	}
	return nil
}

// Events implements store.Outbox: up to limit events with Seq > after, in
// Seq order (commit order, since writes are serialised). A cursor older
// than the oldest event kept (Config.Retention) gets an error wrapping
// *store.ExpiredError.
func (s *Store) Events(ctx context.Context, after int64, limit int) ([]store.Event, error) {
	if limit <= 0 {
		return nil, s.checkExpired(ctx, after, nil)
	}
	rows, err := s.read.QueryContext(ctx, "SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?", after, limit)
	if err != nil {
		return nil, s.wrap("events", err)
	}
	defer rows.Close()
	var out []store.Event
	for rows.Next() {
		var seq int64
		var body string
		if err := rows.Scan(&seq, &body); err != nil {
			return nil, s.wrap("events", err)
		}
		var ev store.Event
		if err := json.Unmarshal([]byte(body), &ev); err != nil {
			return nil, fmt.Errorf("store: events: corrupt event %d: %w", seq, err)
		}
		ev.Seq = seq
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("events", err)
	}
	if err := s.checkExpired(ctx, after, out); err != nil {
		return nil, err
	}
	return out, nil
}
