package postgres

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// The outbox's sequencer (migration 0008, function sequence_events)
// numbers committed events in the order of their provisional positions
// (pseq) once every transaction that took a smaller pseq has ended. It is
// run by readers (Events), one at a time across every Store on the schema;
// see the package documentation, "Ordered events without a global lock".
const (
	// sequenceEvents runs one pass of the sequencer: it returns done, the
	// pseq up to which every event is numbered, and target, the last pseq
	// handed out when it started.
	sequenceEvents = `SELECT done, target FROM {s}.sequence_events($1)`
	// sequenceBatch bounds the events one pass numbers.
	sequenceBatch = 10000
	// sequenceWait bounds how long Events waits for the writing
	// transactions running at its call to end before it returns what is
	// numbered. They are normally in their last statement or commit, and
	// end within a commit's time, but a commit can take much longer on an
	// overloaded server, and a caller expects to see the writes it made
	// before its call; past the bound, a stalled transaction (a client
	// that stopped before COMMIT) delays each reader by no more than this.
	sequenceWait = time.Second
	// sequencePause bounds the pause between two passes of a waiting
	// sequencer.
	sequencePause = 10 * time.Millisecond
	// finishWait bounds how long the background pass started by an Events
	// call that stopped waiting keeps trying (after that, the next Events
	// call or writer's notification carries on).
	finishWait = time.Minute
	// notifyTimeout bounds one notification sent after a commit.
	notifyTimeout = 5 * time.Second
	// notifyGap is the least time between two notifications of a Store:
	// each is a transaction (and a round trip) of its own, so the commits
	// of a burst of writes wake listeners once per gap rather than about
	// once per commit, delaying a wake-up by at most the gap.
	notifyGap = 5 * time.Millisecond
)

// sequencer is the Store's background work for the outbox: notifications
// of committed writes (Notify) and the completion of a numbering an Events
// call stopped waiting for.
type sequencer struct {
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	mu        sync.Mutex // orders starting a finisher against Close
	kick      chan struct{}
	finishing atomic.Bool
	// pause returns the channel that ends the gap after a notification
	// (time.After; tests replace it before the first write).
	pause func(time.Duration) <-chan time.Time
	sent  atomic.Int64 // notifications sent, for tests
}

// startSequencer starts the goroutine that sends notifications; Open calls
// it once.
func (s *Store) startSequencer() {
	q := &s.seqr
	q.ctx, q.cancel = context.WithCancel(context.Background())
	q.kick = make(chan struct{}, 1)
	q.pause = time.After
	q.wg.Add(1)
	go s.notifier()
}

// stopSequencer cancels the background work and waits for it; Close calls
// it after marking the store closed.
func (s *Store) stopSequencer() {
	q := &s.seqr
	q.mu.Lock()
	q.cancel()
	q.mu.Unlock()
	q.wg.Wait()
}

// committed is called after each committed write transaction: it asks the
// notifier to wake Notify listeners. Requests made while a notification is
// being sent are coalesced into one more.
func (s *Store) committed() {
	select {
	case s.seqr.kick <- struct{}{}:
	default:
	}
}

// notifier sends one notification on the schema's channel per kick, at
// most one per notifyGap (kicks meanwhile coalesce into one), on a
// pooled connection, outside any writing transaction: a NOTIFY inside one
// would take PostgreSQL's cluster-wide notification lock before the commit
// and hold it until the commit is durable, so that notifying writers could
// not share a WAL flush. The notifying transaction commits without waiting
// for its WAL flush (synchronous_commit off, for it alone), so it holds
// that lock briefly; a notification lost in a crash only delays a wake-up
// to the next poll. Errors are ignored: listeners poll too.
func (s *Store) notifier() {
	q := &s.seqr
	defer q.wg.Done()
	for {
		select {
		case <-q.ctx.Done():
			return
		case <-q.kick:
		}
		ctx, cancel := context.WithTimeout(q.ctx, notifyTimeout)
		s.pool.Exec(ctx, `SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, '')`, s.cfg.Schema)
		cancel()
		q.sent.Add(1)
		select {
		case <-q.ctx.Done():
			return
		case <-q.pause(notifyGap):
		}
	}
}

// awaitHorizon runs sequencer passes until every event with a pseq up to
// target is numbered, pausing between passes, for at most sequenceWait;
// then it hands the rest to a background pass (finishLater) and returns
// nil. It returns an error only when a pass fails or ctx ends.
func (s *Store) awaitHorizon(ctx context.Context, target int64) error {
	deadline := time.Now().Add(sequenceWait)
	for pause := 250 * time.Microsecond; ; pause = min(2*pause, sequencePause) {
		if !time.Now().Add(pause).Before(deadline) {
			s.finishLater(target)
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		var done, ignored int64
		if err := s.pool.QueryRow(ctx, s.q(sequenceEvents), sequenceBatch).Scan(&done, &ignored); err != nil {
			return err
		}
		if done >= target {
			return nil
		}
	}
}

// finishLater starts, unless one runs or the store is closed, a
// background pass that numbers the events up to target and then wakes
// Notify listeners, so that a dispatcher whose Events call stopped waiting
// does not wait for its next poll.
func (s *Store) finishLater(target int64) {
	q := &s.seqr
	if !q.finishing.CompareAndSwap(false, true) {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.ctx.Err() != nil {
		q.finishing.Store(false)
		return
	}
	q.wg.Add(1)
	go func() {
		defer q.wg.Done()
		defer q.finishing.Store(false)
		ctx, cancel := context.WithTimeout(q.ctx, finishWait)
		defer cancel()
		for pause := time.Millisecond; ctx.Err() == nil; pause = min(2*pause, 100*time.Millisecond) {
			var done, ignored int64
			err := s.pool.QueryRow(ctx, s.q(sequenceEvents), sequenceBatch).Scan(&done, &ignored)
			if err == nil && done >= target {
				s.committed()
				return
			}
			select {
			case <-ctx.Done():
			case <-time.After(pause):
			}
		}
	}()
}
