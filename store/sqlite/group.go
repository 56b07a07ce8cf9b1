package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"
)

// group queues the writes of concurrent requests for group commit: one
// goroutine at a time (the leader) opens a transaction, runs the queued
// writes in it one after another, each in its own savepoint, and commits
// them together, so that a burst of N writes costs one COMMIT (one set of
// WAL frames) instead of N. Provisioning entries go last, several to a
// statement (batch.runEntries).
//
// There is no writer goroutine while no write is waiting: the caller that
// finds the group idle leads one batch itself (a lone client pays no
// hand-off), and hands the rest of the queue, if any, to a goroutine that
// leads until the queue is empty.
type group struct {
	maxWrites int           // Config.MaxBatchWrites
	maxTime   time.Duration // Config.MaxBatchTime

	mu      sync.Mutex
	queue   []*write
	leading bool // a goroutine is leading; false only with an empty queue

	// beforeCommit, when set (by tests), runs before each COMMIT with the
	// number of writes that ran in the transaction; its error fails the
	// batch as a failed COMMIT would.
	beforeCommit func(ran int) error
}

// enqueue adds w to the queue and reports whether the caller must lead.
func (g *group) enqueue(w *write) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.queue = append(g.queue, w)
	if g.leading {
		return false
	}
	g.leading = true
	return true
}

// take removes and returns up to n queued writes; with an empty queue it
// returns nil and, if stop is set, ends the leadership.
func (g *group) take(n int, stop bool) []*write {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.queue) == 0 {
		if stop {
			g.leading = false
		}
		return nil
	}
	n = min(n, len(g.queue))
	ws := make([]*write, n)
	copy(ws, g.queue)
	rest := copy(g.queue, g.queue[n:])
	clear(g.queue[rest:]) // drop the references to the taken writes
	g.queue = g.queue[:rest]
	return ws
}

// requeue puts ws back at the head of the queue (writes a broken
// transaction did not reach).
func (g *group) requeue(ws []*write) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.queue = append(ws[:len(ws):len(ws)], g.queue...)
}

// lead runs batches while writes are queued. An inline leader (a caller
// of writeTx) runs one batch and hands what is left to a new goroutine.
func (s *Store) lead(background bool) {
	for {
		ws := s.group.take(s.group.maxWrites, true)
		if ws == nil {
			return
		}
		s.commitBatch(ws)
		if !background {
			if !s.group.idle() {
				go s.lead(true)
			}
			return
		}
	}
}

// idle reports whether the queue is empty, ending the leadership if so.
func (g *group) idle() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.queue) > 0 {
		return false
	}
	g.leading = false
	return true
}

// commitBatch runs ws, and the writes queued while it runs (up to
// Config.MaxBatchWrites, for at most Config.MaxBatchTime), in one
// transaction, commits it and then answers every write that ran.
func (s *Store) commitBatch(ws []*write) {
	ctx := context.Background() // a request's cancellation must not roll back the others
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		for _, w := range ws {
			if w.state.CompareAndSwap(queued, running) {
				s.answer(w, err)
			}
		}
		return
	}
	defer s.write.prepareWanted(ctx) // after the transaction frees the connection
	b := &batch{txn: txn{Tx: tx, s: s, stmts: map[string]*sql.Stmt{}}}
	start := time.Now()
	var entries []*write
	for i := 0; i < len(ws); i++ {
		if ws[i].entry != nil {
			entries = append(entries, ws[i])
		} else if b.run(ctx, ws[i], len(b.ran) == 0) {
			tx.Rollback()
			s.group.requeue(append(entries, ws[i+1:]...)) // in queue order
			b.lost(ws[i])
			return
		}
		if i == len(ws)-1 && len(ws) < s.group.maxWrites && time.Since(start) < s.group.maxTime {
			more := s.group.take(s.group.maxWrites-len(ws), false)
			if len(more) == 0 {
				// Let the callers the last COMMIT answered queue their
				// next writes: without this, on two cores, a batch of
				// 32 clients' creates held about 4 writes instead of 20.
				runtime.Gosched()
				more = s.group.take(s.group.maxWrites-len(ws), false)
			}
			ws = append(ws, more...)
		}
	}
	if culprit, left := b.runEntries(ctx, entries); culprit != nil {
		tx.Rollback()
		s.group.requeue(left)
		b.lost(culprit)
		return
	}
	if err := s.commit(tx, len(b.ran)); err != nil {
		for _, w := range b.ran {
			s.answer(w, err) // nothing of the batch was committed
		}
		return
	}
	if b.committed > 0 {
		s.hub.Fire() // wake dispatchers (store.Notifier)
	}
	for _, w := range b.ran {
		s.answer(w, w.err)
	}
	if s.ckpt != nil {
		if mode := s.ckpt.committed(); mode != "" {
			s.checkpoint(mode) // the WAL's tail, or its bound (checkpoint.go)
		}
	}
}

// commit commits tx, which ran n writes, or rolls it back when the test
// hook fails.
func (s *Store) commit(tx *sql.Tx, n int) error {
	if f := s.group.beforeCommit; f != nil {
		if err := f(n); err != nil {
			tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}

// batch is an open group transaction and the writes run in it.
type batch struct {
	txn                // the transaction, its statements shared by its writes
	ran       []*write // answered after the COMMIT, with w.err
	committed int      // writes of ran without an error
}

// run runs w in its own savepoint unless its caller withdrew it or its
// context is done, and keeps w's own error in w.err. It reports whether
// the transaction is lost: SQLite rolled it back (after an I/O error, a
// full disk or an interrupt) or a savepoint statement failed.
//
// The first write of the transaction (first) runs without a savepoint:
// the transaction holds nothing else, so when it fails, rolling the
// transaction back (run reports it lost, and commitBatch requeues the
// writes after it) undoes exactly what a savepoint would. A lone client's
// write saves two statements.
func (b *batch) run(ctx context.Context, w *write, first bool) (lost bool) {
	if !b.start(w) {
		return false
	}
	return b.exec(ctx, w, first)
}

// start moves w from queued to running and reports whether it is to run:
// not when its caller withdrew it, nor when its context is done (it is
// then answered, having written nothing).
func (b *batch) start(w *write) bool {
	if !w.state.CompareAndSwap(queued, running) {
		return false // withdrawn: its caller has returned
	}
	if err := w.ctx.Err(); err != nil {
		b.s.answer(w, err) // cancelled before it ran: not run, nothing to commit
		return false
	}
	return true
}

// exec runs w, which start let run, as run describes.
func (b *batch) exec(ctx context.Context, w *write, first bool) (lost bool) {
	b.ran = append(b.ran, w)
	w.err, lost = b.inSavepoint(ctx, first, w.call)
	if w.err == nil && !lost {
		b.committed++
	}
	return lost
}

// inSavepoint runs fn in the transaction, in its own savepoint unless
// first, and returns fn's error and whether the transaction is lost, as
// run describes.
func (b *batch) inSavepoint(ctx context.Context, first bool, fn func(*txn) error) (_ error, lost bool) {
	tx := b.txn // a copy per request, sharing the transaction and its statements
	if first {
		err := fn(&tx)
		return err, err != nil
	}
	if _, err := b.ExecContext(ctx, "SAVEPOINT request"); err != nil {
		return err, true
	}
	err := fn(&tx)
	if err == nil {
		if _, err := b.ExecContext(ctx, "RELEASE request"); err != nil {
			return err, true
		}
		return nil, false
	}
	// ROLLBACK TO fails when SQLite has already rolled back the whole
	// transaction.
	if _, rerr := b.ExecContext(ctx, "ROLLBACK TO request"); rerr != nil {
		return errors.Join(err, fmt.Errorf("roll back to savepoint: %w", rerr)), true
	}
	if _, rerr := b.ExecContext(ctx, "RELEASE request"); rerr != nil {
		return errors.Join(err, fmt.Errorf("release savepoint: %w", rerr)), true
	}
	return err, false
}

// lost answers the writes of a transaction that culprit lost: culprit
// with its own error, the others with errBatchRolledBack.
func (b *batch) lost(culprit *write) {
	for _, w := range b.ran {
		if w != culprit {
			w.err = fmt.Errorf("store: %s: %w", w.op, errBatchRolledBack)
		}
		b.s.answer(w, w.err)
	}
}
