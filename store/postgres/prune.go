package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

var (
	_ store.Consumers = (*Store)(nil)
	_ store.Pruner    = (*Store)(nil)
)

// prunedSQL reads the highest Seq no longer kept (table event_horizon,
// migration 0020); Lease locks it FOR SHARE so that a consumer registered
// while a batch is pruned starts after that batch.
const prunedSQL = `SELECT pruned FROM {s}.event_horizon`

// startPruner starts the background pruning of s, unless
// Config.Retention.Interval is negative. Every replica prunes; their
// batches wait for each other on the event_horizon row. Errors of a run
// are dropped: the next run tries again.
func (s *Store) startPruner() {
	if s.cfg.Retention.Interval < 0 {
		return
	}
	s.pruner.Start(s.cfg.Retention.Interval, func(ctx context.Context) {
		if _, err := s.PruneEvents(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Logger.Warn("store: pruning the outbox failed; retrying at the next interval", "err", err)
		}
	})
}

// stopPruner stops the background pruning and waits for a running batch.
func (s *Store) stopPruner() { s.pruner.Stop() }

// checkExpired returns an error wrapping *store.ExpiredError when a reader
// at after would skip pruned events (backend.CheckRead).
func (s *Store) checkExpired(ctx context.Context, after int64, evs []store.Event) error {
	err := backend.CheckRead(after, evs, func() (int64, error) {
		var pruned int64
		err := s.pool.QueryRow(ctx, s.q(prunedSQL)).Scan(&pruned)
		return pruned, mapErr("events", err)
	})
	if errors.Is(err, store.ErrExpired) {
		return fmt.Errorf("store: events: %w", err)
	}
	return err
}

// PruneEvents implements store.Pruner, by Config.Now: batches of at most
// Config.Retention.Batch events, each one transaction, until one deletes
// nothing. Only sequenced events (seq IS NOT NULL) are considered.
func (s *Store) PruneEvents(ctx context.Context) (int64, error) {
	return backend.PruneInBatches(ctx, s.pruneBatch)
}

// pruneBatch deletes at most one batch of events and returns how many. It
// locks the horizon row, bounds the batch by the lowest checkpoint of the
// consumers neither abandoned nor expired, reads the oldest Batch events after the
// horizon, keeps the prefix older than Retention.Window (column created),
// deletes it and raises the horizon.
func (s *Store) pruneBatch(ctx context.Context) (int64, error) {
	eventCut, leaseCut := s.cfg.Retention.Cutoffs(s.cfg.Now())
	var leases *time.Time // nil: no consumer is abandoned
	if !leaseCut.IsZero() {
		leases = &leaseCut
	}
	var n int64
	err := s.tx(ctx, "prune events", func(tx pgx.Tx) error {
		n = 0
		var pruned, upTo int64
		var low *int64
		if err := tx.QueryRow(ctx, s.q(prunedSQL+` FOR UPDATE`)).Scan(&pruned); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, s.q(`SELECT min(checkpoint) FROM {s}.deliveries
			WHERE ($1::timestamptz IS NULL OR lease_until >= $1) AND checkpoint >= $2`), leases, pruned).Scan(&low); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, s.q(`SELECT seq, created FROM {s}.events WHERE seq IS NOT NULL AND seq > $1
			ORDER BY seq LIMIT $2`), pruned, s.cfg.Retention.Batch)
		if err != nil {
			return err
		}
		var seq int64
		var created time.Time
		done := false
		_, err = pgx.ForEachRow(rows, []any{&seq, &created}, func() error {
			done = done || !created.Before(eventCut) || (low != nil && seq > *low)
			if !done {
				upTo = seq
			}
			return nil
		})
		if err != nil || upTo == 0 {
			return err
		}
		tag, err := tx.Exec(ctx, s.q(`DELETE FROM {s}.events WHERE seq IS NOT NULL AND seq > $1 AND seq <= $2`), pruned, upTo)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		_, err = tx.Exec(ctx, s.q(`UPDATE {s}.event_horizon SET pruned = $1`), upTo)
		return err
	})
	return n, err
}

// Consumers implements store.Consumers. LeaseUntil is by the server's
// clock (as leases are), Abandoned by Config.Now.
func (s *Store) Consumers(ctx context.Context) ([]store.Consumer, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("store: consumers: %w", store.ErrClosed)
	}
	rows, err := s.pool.Query(ctx, s.q(`SELECT consumer, checkpoint, owner, lease_until,
		(SELECT count(*) FROM {s}.parked p WHERE p.consumer = d.consumer),
		checkpoint < (SELECT pruned FROM {s}.event_horizon)
		FROM {s}.deliveries d ORDER BY consumer`))
	if err != nil {
		return nil, mapErr("consumers", err)
	}
	_, leaseCut := s.cfg.Retention.Cutoffs(s.cfg.Now())
	var out []store.Consumer
	var c store.Consumer
	var until pgtype.Timestamptz
	_, err = pgx.ForEachRow(rows, []any{&c.Name, &c.Checkpoint, &c.Owner, &until, &c.Parked, &c.Expired}, func() error {
		c.LeaseUntil = time.Time{} // -infinity: never leased
		if until.InfinityModifier == pgtype.Finite {
			c.LeaseUntil = until.Time.UTC()
		}
		c.Abandoned = !leaseCut.IsZero() && c.LeaseUntil.Before(leaseCut)
		out = append(out, c)
		return nil
	})
	return out, mapErr("consumers", err)
}

// RemoveConsumer implements store.Consumers: the consumer's lease row and
// parked events, in one transaction.
func (s *Store) RemoveConsumer(ctx context.Context, consumer string) error {
	return s.tx(ctx, "remove consumer "+consumer, func(tx pgx.Tx) error {
		var n int64
		for _, q := range []string{`DELETE FROM {s}.deliveries WHERE consumer = $1`, `DELETE FROM {s}.parked WHERE consumer = $1`} {
			tag, err := tx.Exec(ctx, s.q(q), consumer)
			if err != nil {
				return err
			}
			n += tag.RowsAffected()
		}
		if n == 0 {
			return fmt.Errorf("store: remove consumer %s: %w", consumer, store.ErrNotFound)
		}
		return nil
	})
}
