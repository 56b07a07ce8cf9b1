package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// deadlineGrace is how much longer than the server's statement_timeout
// the client waits for an answer before it gives up on the connection: the
// server normally cancels the statement first (SQLSTATE 57014), so the
// client deadline only fires when the server or the network is silent.
const deadlineGrace = 2 * time.Second

// statementDeadline is a pgx tracer that bounds every statement and batch
// on the client too, at StatementTimeout plus deadlineGrace: a server that
// accepted the connection but no longer answers (hung process, stuck
// proxy, half-open TCP) makes the statement fail with
// context.DeadlineExceeded (store.ErrUnavailable, HTTP 503) instead of
// blocking the request forever, which statement_timeout alone cannot do
// since it runs on the server.
type statementDeadline struct{ d time.Duration }

type deadlineKey struct{}

// unboundedKey marks a context whose statements run without the client
// deadline, as the migrations run without statement_timeout.
type unboundedKey struct{}

// unbounded returns ctx with the client statement deadline switched off.
func unbounded(ctx context.Context) context.Context {
	return context.WithValue(ctx, unboundedKey{}, true)
}

var (
	_ pgx.QueryTracer = statementDeadline{}
	_ pgx.BatchTracer = statementDeadline{}
)

// start derives the statement's context; end (via the context) cancels it.
func (t statementDeadline) start(ctx context.Context) context.Context {
	if ctx.Value(unboundedKey{}) != nil {
		return ctx
	}
	ctx, cancel := context.WithTimeout(ctx, t.d)
	return context.WithValue(ctx, deadlineKey{}, cancel)
}

func (statementDeadline) end(ctx context.Context) {
	if cancel, ok := ctx.Value(deadlineKey{}).(context.CancelFunc); ok {
		cancel()
	}
}

// TraceQueryStart bounds one statement (Exec, Query, QueryRow).
func (t statementDeadline) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return t.start(ctx)
}

// TraceQueryEnd releases the statement's timer.
func (t statementDeadline) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryEndData) {
	t.end(ctx)
}

// TraceBatchStart bounds one pipelined batch.
func (t statementDeadline) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return t.start(ctx)
}

// TraceBatchQuery is called for each statement of a batch; nothing to do.
func (statementDeadline) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

// TraceBatchEnd releases the batch's timer.
func (t statementDeadline) TraceBatchEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchEndData) {
	t.end(ctx)
}
