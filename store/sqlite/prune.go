package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

var (
	_ store.Consumers = (*Store)(nil)
	_ store.Pruner    = (*Store)(nil)
)

// prunedSQL is the highest Seq the outbox no longer keeps
// (store.ExpiredError.Pruned). Pruning deletes the oldest events first and
// AUTOINCREMENT never reuses a Seq (sqlite_sequence keeps the highest one
// assigned, rolled back with its transaction), so it is the Seq before the
// oldest event kept, or, when every event is gone, the last one assigned.
const prunedSQL = `SELECT coalesce((SELECT min(seq) - 1 FROM events),
	(SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)`

// startPruner starts the background pruning of s, unless
// Retention.Interval is negative. Errors of a run are dropped: the next
// run tries again.
func (s *Store) startPruner() {
	if s.ret.Interval < 0 {
		return
	}
	s.pruner.Start(s.ret.Interval, func(ctx context.Context) {
		if _, err := s.PruneEvents(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("store: pruning the outbox failed; retrying at the next interval", "err", err)
		}
	})
}

// stopPruner stops the background pruning and waits for a running batch.
func (s *Store) stopPruner() { s.pruner.Stop() }

// pruned returns the highest Seq no longer kept.
func (s *Store) pruned(ctx context.Context) (int64, error) {
	var n int64
	err := s.read.QueryRowContext(ctx, prunedSQL).Scan(&n)
	return n, s.wrap("events", err)
}

// checkExpired returns an error wrapping *store.ExpiredError when a reader
// at after would skip pruned events (backend.CheckRead).
func (s *Store) checkExpired(ctx context.Context, after int64, evs []store.Event) error {
	err := backend.CheckRead(after, evs, func() (int64, error) { return s.pruned(ctx) })
	if errors.Is(err, store.ErrExpired) {
		return fmt.Errorf("store: events: %w", err)
	}
	return err
}

// PruneEvents implements store.Pruner. Each batch finds, on the read pool,
// the oldest Retention.Batch events and how many of them are older than
// Retention.Window (their Event.Time, by Config.Now), then, in one short
// write transaction, bounds that by the lowest checkpoint of the consumers
// that are neither abandoned nor expired and deletes that prefix. Batches repeat until one
// deletes nothing; writes of other requests run between them.
func (s *Store) PruneEvents(ctx context.Context) (int64, error) {
	return backend.PruneInBatches(ctx, s.pruneBatch)
}

// pruneBatch deletes at most one batch of events and returns how many.
func (s *Store) pruneBatch(ctx context.Context) (int64, error) {
	eventCut, leaseCut := s.ret.Cutoffs(s.now())
	upTo, err := s.olderThan(ctx, eventCut)
	if err != nil || upTo == 0 {
		return 0, err
	}
	leases := int64(math.MinInt64)
	if !leaseCut.IsZero() {
		leases = leaseCut.UnixMicro()
	}
	var n int64
	err = s.deliveryTx(ctx, "prune events", func(tx *sql.Tx) error {
		var low sql.NullInt64
		if err := tx.QueryRowContext(ctx, "SELECT min(checkpoint) FROM deliveries WHERE lease_until >= ? AND checkpoint >= ("+prunedSQL+")",
			leases).Scan(&low); err != nil {
			return err
		}
		if low.Valid {
			upTo = min(upTo, low.Int64)
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM events WHERE seq <= ?", upTo)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// olderThan returns the highest Seq of the prefix of the oldest
// Retention.Batch events whose Time is before cutoff (0 if none).
func (s *Store) olderThan(ctx context.Context, cutoff time.Time) (int64, error) {
	rows, err := s.read.QueryContext(ctx, "SELECT seq, json_extract(body, '$.Time') FROM events ORDER BY seq LIMIT ?", s.ret.Batch)
	if err != nil {
		return 0, s.wrap("prune events", err)
	}
	defer rows.Close()
	var upTo int64
	for rows.Next() {
		var seq int64
		var at string
		if err := rows.Scan(&seq, &at); err != nil {
			return 0, s.wrap("prune events", err)
		}
		t, err := time.Parse(time.RFC3339Nano, at)
		if err != nil {
			return 0, fmt.Errorf("store: prune events: event %d: time %q: %w", seq, at, err)
		}
		if !t.Before(cutoff) {
			break
		}
		upTo = seq
	}
	return upTo, s.wrap("prune events", rows.Err())
}

// Consumers implements store.Consumers. Abandoned is judged by Config.Now.
func (s *Store) Consumers(ctx context.Context) ([]store.Consumer, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT consumer, checkpoint, owner, lease_until,
		(SELECT count(*) FROM parked p WHERE p.consumer = d.consumer), checkpoint < (`+prunedSQL+`)
		FROM deliveries d ORDER BY consumer`)
	if err != nil {
		return nil, s.wrap("consumers", err)
	}
	defer rows.Close()
	_, leaseCut := s.ret.Cutoffs(s.now())
	var out []store.Consumer
	for rows.Next() {
		var c store.Consumer
		var until int64
		if err := rows.Scan(&c.Name, &c.Checkpoint, &c.Owner, &until, &c.Parked, &c.Expired); err != nil {
			return nil, s.wrap("consumers", err)
		}
		c.LeaseUntil = time.UnixMicro(until).UTC()
		c.Abandoned = !leaseCut.IsZero() && c.LeaseUntil.Before(leaseCut)
		out = append(out, c)
	}
	return out, s.wrap("consumers", rows.Err())
}

// RemoveConsumer implements store.Consumers.
func (s *Store) RemoveConsumer(ctx context.Context, consumer string) error {
	return s.deliveryTx(ctx, "remove consumer "+consumer, func(tx *sql.Tx) error {
		var n int64
		for _, q := range []string{"DELETE FROM deliveries WHERE consumer = ?", "DELETE FROM parked WHERE consumer = ?"} {
			res, err := tx.ExecContext(ctx, q, consumer)
			if err != nil {
				return err
			}
			k, err := res.RowsAffected()
			if err != nil {
				return err
			}
			n += k
		}
		if n == 0 {
			return fmt.Errorf("consumer %q: %w", consumer, store.ErrNotFound)
		}
		return nil
	})
}
