package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// tx runs fn in a READ COMMITTED transaction, committing when fn returns
// nil. Deadlocks and serialization failures roll back and run fn again,
// at most Config.MaxRetries times, with a short randomised backoff; fn must
// therefore be safe to repeat. Errors are mapped with mapErr.
func (s *Store) tx(ctx context.Context, op string, fn func(pgx.Tx) error) error {
	return s.txOpts(ctx, op, pgx.TxOptions{}, fn)
}

func (s *Store) txOpts(ctx context.Context, op string, opts pgx.TxOptions, fn func(pgx.Tx) error) error {
	return s.retry(ctx, op, func() error { return pgx.BeginTxFunc(ctx, s.pool, opts, fn) })
}

// retry runs attempt, which must run one whole transaction (explicit, or
// the implicit transaction of one pipelined batch), again after a deadlock
// or serialization failure, as tx describes. Every write transaction
// commits through here, so a success counts one write for the statistics
// upkeep (Store.wrote) and wakes Notify listeners (Store.committed).
func (s *Store) retry(ctx context.Context, op string, attempt func() error) error {
	if s.closed.Load() {
		return fmt.Errorf("store: %s: %w", op, store.ErrClosed)
	}
	for n := 0; ; n++ {
		err := attempt()
		if err == nil {
			s.wrote()
			s.committed()
			return nil
		}
		if ae, ok := errors.AsType[*backend.ApplyError](err); ok {
			return fmt.Errorf("store: %s: %w", op, ae.Err)
		}
		if !retryable(err) {
			return mapErr(op, err)
		}
		if n >= s.cfg.MaxRetries {
			return fmt.Errorf("store: %s: still conflicting after %d retries: %w: %w", op, n, store.ErrUnavailable, err)
		}
		backoff := time.Duration(1+rand.IntN(5<<n)) * time.Millisecond
		select {
		case <-ctx.Done():
			return mapErr(op, ctx.Err())
		case <-time.After(backoff):
		}
	}
}
