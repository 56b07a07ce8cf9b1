package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/scimkit/scimkit/store"
)

var (
	_ store.Deliveries = (*Store)(nil)
	_ store.Notifier   = (*Store)(nil)
)

// deliveryTx runs fn in a write transaction like writeTx, but without
// waking Notify subscribers: delivery bookkeeping records no events.
func (s *Store) deliveryTx(ctx context.Context, op string, fn func(*sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap(op, err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return s.wrap(op, err)
	}
	return s.wrap(op, tx.Commit())
}

// Lease implements store.Deliveries (table deliveries). Expiry is judged
// by Config.Now; writers are serialised, so of concurrent owners exactly
// one wins. A new consumer's checkpoint is the highest Seq already pruned
// (prune.go).
func (s *Store) Lease(ctx context.Context, consumer, owner string, ttl time.Duration) (bool, error) {
	now := s.clock()
	var n int64
	err := s.deliveryTx(ctx, "lease "+consumer, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO deliveries (consumer, owner, lease_until, checkpoint) VALUES (?, ?, ?, (`+prunedSQL+`))
			ON CONFLICT (consumer) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
			WHERE deliveries.owner = excluded.owner OR deliveries.owner = '' OR deliveries.lease_until <= ?`,
			consumer, owner, now.Add(ttl).UnixMicro(), now.UnixMicro())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n == 1, err
}

// Checkpoint implements store.Deliveries.
func (s *Store) Checkpoint(ctx context.Context, consumer string) (int64, error) {
	var cp int64
	err := s.read.QueryRowContext(ctx, "SELECT checkpoint FROM deliveries WHERE consumer = ?", consumer).Scan(&cp)
	if isNoRows(err) {
		return 0, nil
	}
	return cp, s.wrap("checkpoint "+consumer, err)
}

// Advance implements store.Deliveries.
func (s *Store) Advance(ctx context.Context, consumer, owner string, seq int64) error {
	return s.deliveryTx(ctx, "advance "+consumer, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE deliveries SET checkpoint = max(checkpoint, ?) WHERE consumer = ? AND owner = ?",
			seq, consumer, owner)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return cmp.Or(err, fmt.Errorf("%w: %q is not the owner", store.ErrLeaseLost, owner))
		}
		return nil
	})
}

// Park implements store.Deliveries (table parked).
func (s *Store) Park(ctx context.Context, consumer string, ev store.Event, attempts int, lastErr string) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("store: park %s: %w", ev.ID, err)
	}
	return s.deliveryTx(ctx, "park "+consumer, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO parked (consumer, event_id, seq, body, attempts, last_error, parked_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (consumer, event_id) DO UPDATE SET seq = excluded.seq, body = excluded.body,
			attempts = excluded.attempts, last_error = excluded.last_error, parked_at = excluded.parked_at`,
			consumer, ev.ID, ev.Seq, string(body), attempts, lastErr, s.clock().UnixMicro())
		return err
	})
}

// Parked implements store.Deliveries.
func (s *Store) Parked(ctx context.Context, consumer string, limit int) ([]store.ParkedEvent, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.read.QueryContext(ctx, `SELECT body, attempts, last_error, parked_at FROM parked
		WHERE consumer = ? ORDER BY seq, event_id LIMIT ?`, consumer, limit)
	if err != nil {
		return nil, s.wrap("parked "+consumer, err)
	}
	defer rows.Close()
	var out []store.ParkedEvent
	for rows.Next() {
		p, err := scanParked(rows)
		if err != nil {
			return nil, s.wrap("parked "+consumer, err)
		}
		out = append(out, p)
	}
	return out, s.wrap("parked "+consumer, rows.Err())
}

// Unpark implements store.Deliveries.
func (s *Store) Unpark(ctx context.Context, consumer string, ids []string) ([]store.ParkedEvent, error) {
	var out []store.ParkedEvent
	err := s.deliveryTx(ctx, "unpark "+consumer, func(tx *sql.Tx) error {
		out = out[:0]
		for _, id := range ids {
			row := tx.QueryRowContext(ctx, `DELETE FROM parked WHERE consumer = ? AND event_id = ?
				RETURNING body, attempts, last_error, parked_at`, consumer, id)
			p, err := scanParked(row)
			if isNoRows(err) {
				continue
			}
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b store.ParkedEvent) int {
		return cmp.Or(cmp.Compare(a.Event.Seq, b.Event.Seq), cmp.Compare(a.Event.ID, b.Event.ID))
	})
	return out, nil
}

// Notify implements store.Notifier within this process: the channel
// receives a value after each committed write of this Store. Writes by
// other processes on the same file are not seen (dispatchers then poll).
func (s *Store) Notify(ctx context.Context) <-chan struct{} {
	return s.hub.Subscribe(ctx)
}

func scanParked(row interface{ Scan(...any) error }) (store.ParkedEvent, error) {
	var p store.ParkedEvent
	var body string
	var at int64
	if err := row.Scan(&body, &p.Attempts, &p.LastError, &at); err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(body), &p.Event); err != nil {
		return p, fmt.Errorf("corrupt parked event: %w", err)
	}
	p.ParkedAt = time.UnixMicro(at).UTC()
	return p, nil
}
