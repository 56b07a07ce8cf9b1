package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Shared commits. A write that is one implicit transaction (a create
// without members: the row, its unique values and its events, one
// pipelined batch; see writer.flush) is queued, and a few goroutines send
// the queued batches together, as one pipeline ending in one Sync: one
// implicit transaction, one round trip and one commit for all of them.
// Each write still answers only once its statements have committed; a
// lone write is sent at once, as before. When the server refuses a
// statement of a group (a unique value another resource holds, a value
// it rejects, a deadlock), nothing of the group has committed, and each
// of its writes is sent again alone, so it fails alone with its own
// error. After any other error (a connection lost, a deadline) the group
// may have committed, and sending again could write it twice, so every
// write of the group gets the error, as a lone write always did.
const (
	// sharedWorkers is the number of groups in flight at once: while one
	// group's batch is on the server, the next collects what arrives.
	sharedWorkers = 4
	// sharedGroup bounds the writes of one group.
	sharedGroup = 32
)

// sharedReq is one queued batch with what reads its results, and where
// the sender answers.
type sharedReq struct {
	ctx   context.Context
	batch pgx.Batch
	reads []func(pgx.BatchResults) error
	err   error
	done  chan struct{}
}

// startShared starts the goroutines that send shared batches; Open calls
// it once.
func (s *Store) startShared() {
	s.shared.start(sharedWorkers, sharedGroup, s.sendGroup)
}

// sendImplicit sends b as an implicit transaction of its own or shared
// with concurrent ones, reads its results with reads, in order, and
// returns once it has committed (nil) or failed. A write whose ctx has
// ended before it is sent is not sent; when ctx ends after, it returns
// ctx.Err() and the batch may still commit. reads follow the rule of
// writer.queue: they must not refuse the write by themselves.
func (s *Store) sendImplicit(ctx context.Context, b pgx.Batch, reads []func(pgx.BatchResults) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &sharedReq{ctx: ctx, batch: b, reads: reads, done: make(chan struct{})}
	if !s.shared.add(r) {
		return s.sendBatch([]*sharedReq{r})
	}
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// sendGroup sends the writes of group whose context has not ended as one
// implicit transaction, or each alone when the server refused a
// statement, and answers every request.
func (s *Store) sendGroup(group []*sharedReq) {
	live := group[:0:0]
	for _, r := range group {
		if r.err = r.ctx.Err(); r.err != nil {
			close(r.done)
		} else {
			live = append(live, r)
		}
	}
	if len(live) == 0 {
		return
	}
	err := s.sendBatch(live)
	if _, refused := errors.AsType[*pgconn.PgError](err); refused && len(live) > 1 {
		for _, r := range live {
			r.err = s.sendBatch([]*sharedReq{r})
			close(r.done)
		}
		return
	}
	for _, r := range live {
		r.err = err
		close(r.done)
	}
}

// sendBatch sends the batches of group in one pipeline, one implicit
// transaction, and reads their results. The statements run in the first
// write's context without its cancellation: its values (a tracer's span)
// apply, and they are bounded by the client statement deadline
// (Config.StatementTimeout), not by one caller.
func (s *Store) sendBatch(group []*sharedReq) error {
	s.sharedGroups.Add(1)
	ctx := context.WithoutCancel(group[0].ctx)
	// pgx keeps the prepared statement a query was sent as in its
	// QueuedQuery, valid on that connection only: a group sends copies, so
	// that a batch sent again alone (on any connection) is prepared anew.
	b := &pgx.Batch{}
	for _, r := range group {
		for _, q := range r.batch.QueuedQueries {
			c := *q
			b.QueuedQueries = append(b.QueuedQueries, &c)
		}
	}
	br := s.pool.SendBatch(ctx, b)
	for _, r := range group {
		if err := readAll(br, r.reads); err != nil {
			br.Close()
			return err
		}
	}
	return br.Close()
}

// readAll reads the results of a batch's statements with reads, in order,
// stopping at the first error.
func readAll(br pgx.BatchResults, reads []func(pgx.BatchResults) error) error {
	for _, read := range reads {
		if err := read(br); err != nil {
			return err
		}
	}
	return nil
}
