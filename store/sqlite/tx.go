package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"

	"github.com/scimkit/scimkit/store"
)

// txn is one request's part of a write transaction (group.go): its
// statements run on the write connection inside the request's savepoint.
type txn struct {
	*sql.Tx
	s     *Store
	stmts map[string]*sql.Stmt // statements bound to the transaction, shared by its requests (stmt.go)
}

// writeTx runs fn atomically in a write transaction and returns its error
// translated (errors.go), or nil once fn's writes are committed.
//
// Concurrent calls share transactions (group commit, group.go): fn runs
// alone on the write connection inside its own savepoint, so a
// read-modify-write inside fn sees no concurrent change and sees the
// committed or batched writes that came before it. An error or panic
// from fn rolls back to the savepoint, undoing fn's writes only; the
// other requests of the transaction are not affected. (The first request
// of a transaction runs without a savepoint: its error rolls the
// transaction back, and the requests not yet run, those queued behind it
// and any provisioning entries deferred, run in a new one.) Provisioning
// entries (Append) are the exception to queue order: a batch inserts
// them after its other writes, so fn does not see an entry appended
// concurrently in the same batch. writeTx returns
// only after the transaction's COMMIT: with nil if it committed, with the
// commit's error (for every request of the transaction) if it did not.
// A panic of fn is re-raised in the caller's goroutine.
//
// If ctx is done before fn starts, fn does not run and writeTx returns
// ctx's error; once fn started, it runs to the end (its statements ignore
// ctx's cancellation, which would roll back the whole transaction) and
// writeTx waits for the commit.
func (s *Store) writeTx(ctx context.Context, op string, fn func(*txn) error) error {
	return s.submit(&write{ctx: ctx, op: op, fn: fn})
}

// submit queues w for a batch, waits for its answer and returns it
// (writeTx).
func (s *Store) submit(w *write) error {
	ctx, op := w.ctx, w.op
	if err := ctx.Err(); err != nil {
		return s.wrap(op, err)
	}
	w.done = make(chan struct{})
	if s.group.enqueue(w) {
		s.lead(false) // this goroutine was idle-time leader: run one batch inline
	}
	select {
	case <-w.done:
	case <-ctx.Done():
		if w.state.CompareAndSwap(queued, withdrawn) {
			return s.wrap(op, ctx.Err())
		}
		<-w.done // fn runs or ran: its answer follows the commit
	}
	if w.panicked != nil {
		panic(w.panicked)
	}
	return w.err
}

// write is one writeTx call waiting for, or in, a batch.
type write struct {
	ctx context.Context
	op  string
	fn  func(*txn) error
	// entry, when not nil, is a provisioning entry's column values
	// (Append): the batch inserts its entries together after its other
	// writes (batch.runEntries), and fn, which inserts this one alone, is
	// run only when their statement fails.
	entry    []any
	seq      int64        // the entry's seq, once inserted
	state    atomic.Int32 // queued, then running or withdrawn
	err      error        // the answer, set before done is closed
	panicked any          // fn's panic value, re-raised by writeTx
	done     chan struct{}
}

// States of a write: a queued write is run by the batch (queued→running)
// or withdrawn by its cancelled caller (queued→withdrawn), never both. A
// provisioning entry started but not run when its transaction was lost
// goes back to queued (batch.runEntries), and its caller may then withdraw
// it.
const (
	queued int32 = iota
	running
	withdrawn
)

// answer gives w its result err (translated and wrapped with its
// operation) and wakes its caller.
func (s *Store) answer(w *write, err error) {
	w.err = s.wrap(w.op, err)
	close(w.done)
}

// call runs w.fn on tx, turning a panic into an error (and keeping its
// value for the caller).
func (w *write) call(tx *txn) (err error) {
	defer func() {
		if p := recover(); p != nil {
			w.panicked = p
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return w.fn(tx)
}

// errBatchRolledBack is the cause given to a request whose writes had
// succeeded when another request's failure rolled the whole transaction
// back (SQLite does so on I/O errors, a full disk or an interrupt).
var errBatchRolledBack = fmt.Errorf("the shared transaction was rolled back by another request's failure: %w", store.ErrUnavailable)

// querier is what reads need from *sql.DB and *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}
