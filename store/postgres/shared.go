package postgres

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"golang.org/x/sync/errgroup"

	"github.com/scimkit/scimkit/store"
)

// Shared commits. A write that is one implicit transaction (a create
// without members: the row, its unique values and its events, one
// pipelined batch; see writer.flush) is queued, and a few goroutines send
// the queued batches together, as one pipeline ending in one Sync: one
// implicit transaction, one round trip and one commit for all of them,
// and one statement for each statement they have in common (merged).
// Each write still answers only once its statements have committed; a
// lone write is sent at once, as before. When the server refuses a
// statement of a group (a unique value another resource holds, a value
// it rejects, a deadlock), nothing of the group has committed, and each
// of its writes is sent again alone, so it fails alone with its own
// error. After any other error (a connection lost, a deadline) the group
// may have committed, and sending again could write it twice, so every
// write of the group gets the error, as a lone write always did. A group
// waits for a row lock at most sharedLockTimeout, so that a create that
// contends with another transaction (two claims of one userName) does not
// hold up the others; a group that touches the counters of several
// tenants or types can, rarely, deadlock with another in count_group,
// which the server detects and the group's writes are sent again alone.
const (
	// sharedWorkers is the number of groups in flight at once: while one
	// group's batch is on the server, the next collects what arrives. Of
	// 1, 2 and 4, 2 gave the most creates per second from 8 and 32
	// clients on a 2-core machine (examples/bench, two runs each).
	sharedWorkers = 2
	// sharedGroup bounds the writes of one group.
	sharedGroup = 32
)

// sharedReq is one queued batch with what reads its results, and where
// the sender answers.
type sharedReq struct {
	ctx   context.Context
	batch pgx.Batch
	reads []func(pgx.BatchResults) error
	rows  []bool // per statement: queued by writer.queueRows
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
func (s *Store) sendImplicit(ctx context.Context, b pgx.Batch, reads []func(pgx.BatchResults) error, rows []bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &sharedReq{ctx: ctx, batch: b, reads: reads, rows: rows, done: make(chan struct{})}
	if !s.shared.add(r) {
		return store.ErrClosed
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
// statement, and answers every request. The writes sent again alone go
// a few at a time, and only those whose context has still not ended:
// nothing of the group committed, and a caller that stopped waiting has
// been told its write failed.
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
	if refused(err) && len(live) > 1 {
		var g errgroup.Group
		g.SetLimit(sharedWorkers)
		for _, r := range live {
			g.Go(func() error {
				if r.err = r.ctx.Err(); r.err == nil {
					r.err = s.sendBatch([]*sharedReq{r})
				}
				close(r.done)
				return nil
			})
		}
		g.Wait()
		return
	}
	for _, r := range live {
		r.err = err
		close(r.done)
	}
}

// refused reports whether err is the server's refusal of a statement
// (severity ERROR): its transaction did not commit, and its statements can
// be sent again. After any other error (a connection lost, a FATAL
// termination, a deadline) it may have committed.
func refused(err error) bool {
	pe, ok := errors.AsType[*pgconn.PgError](err)
	return ok && pe.Severity == "ERROR"
}

// sharedLockTimeout bounds how long a group of more than one write waits
// for a row lock (a unique value another transaction is claiming or
// releasing): past it the group is refused, and its writes are sent again
// alone, so that only the write that contends waits.
const sharedLockTimeout = "100ms"

// sharedSettings begins a group's pipeline: generic plans (genericPlans)
// and sharedLockTimeout, for its implicit transaction.
const sharedSettings = "SELECT set_config('plan_cache_mode', 'force_generic_plan', true), set_config('lock_timeout', '" + sharedLockTimeout + "', true)"

// sendBatch sends the batches of group in one pipeline, one implicit
// transaction, and reads their results. The statements run in the first
// write's context without its cancellation (its values, a tracer's span,
// apply), bounded by the client statement deadline
// (Config.StatementTimeout) rather than by one caller.
func (s *Store) sendBatch(group []*sharedReq) error {
	s.sharedGroups.Add(1)
	ctx := context.WithoutCancel(group[0].ctx)
	if d := s.cfg.StatementTimeout; d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d+deadlineGrace)
		defer cancel()
	}
	b, reads := merged(group)
	first := genericPlans
	if len(group) > 1 {
		first = sharedSettings
	}
	b.QueuedQueries = append([]*pgx.QueuedQuery{{SQL: first}}, b.QueuedQueries...)
	reads = append([]func(pgx.BatchResults) error{execRead}, reads...)
	br := s.pool.SendBatch(ctx, b)
	if err := readAll(br, reads); err != nil {
		br.Close()
		return err
	}
	return br.Close()
}

// merged returns the statements of group as one batch, and what reads
// their results. The writes whose statements were all queued by
// writer.queueRows, and are the same statements in the same order (the
// creates of one resource type with unique values, say), are merged: each
// statement once, its arrays the concatenation of theirs, so a trigger
// runs once and the server executes one statement for all of them. The
// others' statements are copied as they are: pgx keeps the prepared
// statement a query was sent as in its QueuedQuery, valid on that
// connection only, and a batch sent again alone (on any connection) must
// be prepared anew.
func merged(group []*sharedReq) (*pgx.Batch, []func(pgx.BatchResults) error) {
	b := &pgx.Batch{}
	var reads []func(pgx.BatchResults) error
	var alike map[string][]*sharedReq // by statements, in order of first appearance
	var order []string
	for _, r := range group {
		if len(group) > 1 && !slices.Contains(r.rows, false) {
			key := statementsOf(r)
			if alike == nil {
				alike = map[string][]*sharedReq{}
			}
			if alike[key] == nil {
				order = append(order, key)
			}
			alike[key] = append(alike[key], r)
			continue
		}
		for _, q := range r.batch.QueuedQueries {
			c := *q
			b.QueuedQueries = append(b.QueuedQueries, &c)
		}
		reads = append(reads, r.reads...)
	}
	// Each merged statement once, but a write's last statement (its events,
	// writer.Record) after every other: its pseq is then taken last and
	// held only until the commit (doc.go, "Ordered events without a global
	// lock"), and the last statements of every kind are merged together.
	var lasts []string
	last := map[string][]*pgx.QueuedQuery{}
	for _, key := range order {
		rs := alike[key]
		n := len(rs[0].batch.QueuedQueries)
		for i := range n {
			qs := make([]*pgx.QueuedQuery, len(rs))
			for j, r := range rs {
				qs[j] = r.batch.QueuedQueries[i]
			}
			if i < n-1 {
				queueMerged(b, qs)
				reads = append(reads, execRead)
				continue
			}
			if last[qs[0].SQL] == nil {
				lasts = append(lasts, qs[0].SQL)
			}
			last[qs[0].SQL] = append(last[qs[0].SQL], qs...)
		}
	}
	for _, sql := range lasts {
		queueMerged(b, last[sql])
		reads = append(reads, execRead)
	}
	return b, reads
}

// queueMerged queues one statement for qs, statements of one SQL whose
// arguments are slices: each argument the concatenation of theirs, in a
// new slice (each write keeps its own, to be sent again alone).
func queueMerged(b *pgx.Batch, qs []*pgx.QueuedQuery) {
	args := make([]any, len(qs[0].Arguments))
	for k := range args {
		n := 0
		for _, q := range qs {
			n += reflect.ValueOf(q.Arguments[k]).Len()
		}
		out := reflect.MakeSlice(reflect.TypeOf(qs[0].Arguments[k]), 0, n)
		for _, q := range qs {
			out = reflect.AppendSlice(out, reflect.ValueOf(q.Arguments[k]))
		}
		args[k] = out.Interface()
	}
	b.Queue(qs[0].SQL, args...)
}

// statementsOf returns the SQL of r's statements, as one key.
func statementsOf(r *sharedReq) string {
	var sb strings.Builder
	for _, q := range r.batch.QueuedQueries {
		sb.WriteString(q.SQL)
		sb.WriteByte(0)
	}
	return sb.String()
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
