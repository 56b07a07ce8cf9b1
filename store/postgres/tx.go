package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

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

// txConn is a write's transaction on a connection of the pool. Unlike a
// pgx.Tx, its BEGIN and COMMIT are ordinary statements, which the writer
// sends in the same pipelined batch as its other statements (BEGIN with
// the first, COMMIT with the last), saving a round trip each; the row
// locks of an update are thus held one round trip less.
type txConn struct{ c *pgxpool.Conn }

// beginSQL and commitSQL begin and commit a write's transaction (READ
// COMMITTED, the server's default).
const (
	beginSQL = "begin"
	// genericPlans, the statement after BEGIN, has the transaction's
	// statements run their prepared statements' generic plans. A write's
	// statements find rows by key, so a generic plan is as good as one
	// made for the values; but the server kept planning anew those whose
	// parameters are arrays (member values, unnest rows), whose generic
	// plan it cannot cost as low: planning was about 5% of a 2-core
	// machine's CPU under a stream of membership changes.
	genericPlans = "SELECT set_config('plan_cache_mode', 'force_generic_plan', true)"
	commitSQL    = "commit"
)

func (t *txConn) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return t.c.Exec(ctx, sql, args...)
}

func (t *txConn) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return t.c.Query(ctx, sql, args...)
}

func (t *txConn) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	return t.c.SendBatch(ctx, b)
}

// Rollback ends the transaction, if the server still has it open, and
// releases the connection. It is safe to call more than once.
func (t *txConn) Rollback(ctx context.Context) {
	if t.c == nil {
		return
	}
	if pc := t.c.Conn().PgConn(); !pc.IsClosed() && pc.TxStatus() != 'I' {
		t.c.Exec(context.WithoutCancel(ctx), "rollback")
	}
	t.release()
}

// release returns the connection to the pool (which closes it if a
// transaction is still open on it).
func (t *txConn) release() {
	if t.c != nil {
		t.c.Release()
		t.c = nil
	}
}

// readCommit reads the result of a batch's COMMIT: a transaction that
// failed before it is reported rolled back.
func readCommit(br pgx.BatchResults) error {
	tag, err := br.Exec()
	if err == nil && tag.String() == "ROLLBACK" {
		err = pgx.ErrTxCommitRollback
	}
	return err
}
