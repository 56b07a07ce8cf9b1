package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/scimkit/scimkit/store"
)

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// record inserts the events of one committed change into the outbox, in
// the change's transaction (the transactional outbox pattern), in order:
// up to recordRows events per INSERT (a membership change records one
// event per user, and each statement also updates the AUTOINCREMENT
// counter), whose rows SQLite inserts, and numbers, in VALUES order.
func (tx *txn) record(ctx context.Context, evs []store.Event) error {
	for len(evs) > 0 {
		n := min(len(evs), recordRows)
		args := make([]any, n)
		for i, ev := range evs[:n] {
			body, err := json.Marshal(ev)
			if err != nil {
				return err
			}
			args[i] = string(body)
		}
		if _, err := tx.ExecContext(ctx, recordSQL[n], args...); err != nil {
			return err
		}
		evs = evs[n:]
	}
	return nil
}

// recordRows bounds the events of one INSERT of record; recordSQL[n] is
// the INSERT of n events.
const recordRows = 16

var recordSQL = func() (qs [recordRows + 1]string) {
	for n := 1; n <= recordRows; n++ {
		qs[n] = "INSERT INTO events (body) VALUES (?)" + strings.Repeat(", (?)", n-1)
	}
	return qs
}()

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
