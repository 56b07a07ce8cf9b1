package hooks

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// laneKey is the resource an event is about (for user.groups_changed, the
// user). A consumer delivers the events of one key one at a time in Seq
// order, and events of different keys in parallel.
type laneKey struct{ tenant, resourceType, resourceID string }

func keyOf(ev Event) laneKey { return laneKey{ev.Tenant, ev.ResourceType, ev.ResourceID} }

// lane holds the unfinished events of one key in Seq order. Its head,
// queue[0], is in exactly one place: the ready queue (waiting for a
// delivery slot), a worker, or a backoff timer. A lane is dropped when it
// empties, so a lane always has a head.
type lane struct {
	queue    []Event
	attempts int // failed attempts of the head so far
}

// outcome is a worker's report on the head of a lane.
type outcome struct {
	lane *lane
	// retry is the error of a failed attempt that will be retried; nil
	// when the head is finished (delivered or parked).
	retry error
	// fatal ends the session: ctx is done or the event could not be
	// parked. The head is then not finished.
	fatal error
}

// session delivers for one consumer while the lease is held. Only its
// run goroutine touches its fields; workers and backoff timers
// communicate through results and retries.
type session struct {
	d      *Dispatcher
	ctx    context.Context
	cancel context.CancelCauseFunc
	name   string
	h      Handler

	lanes   map[laneKey]*lane
	ready   []*lane // lanes whose head waits for a delivery slot, FIFO
	pending int     // events read and not finished
	active  int     // workers running
	read    int64   // Seq of the last event read
	saved   int64   // durable checkpoint

	workers errgroup.Group // at most Config.Concurrency
	timers  sync.WaitGroup
	results chan outcome // buffered: a worker never blocks on it
	retries chan *lane
}

func newSession(d *Dispatcher, ctx context.Context, cancel context.CancelCauseFunc, name string, h Handler, checkpoint int64) *session {
	s := &session{d: d, ctx: ctx, cancel: cancel, name: name, h: h, lanes: map[laneKey]*lane{},
		read: checkpoint, saved: checkpoint,
		results: make(chan outcome, d.cfg.Concurrency), retries: make(chan *lane)}
	s.workers.SetLimit(d.cfg.Concurrency)
	return s
}

// run reads events after the checkpoint into their lanes, hands lane
// heads to workers, schedules retries and advances the checkpoint, until
// ctx is done or the store fails. It waits for its workers before
// returning.
func (s *session) run(wake <-chan struct{}) error {
	defer s.stop()
	var poll <-chan time.Time
	more := true // events may follow s.read
	for {
		if more && s.pending+s.d.cfg.Batch <= s.d.cfg.Window {
			n, err := s.fill()
			if err != nil {
				return err
			}
			s.launch()
			if more = n == s.d.cfg.Batch; more {
				continue
			}
			if err := s.flush(s.ctx); err != nil {
				return err
			}
			poll = s.d.clock.After(s.d.cfg.PollInterval)
		}
		select {
		case o := <-s.results:
			if err := s.settle(o, more); err != nil {
				return err
			}
		case l := <-s.retries:
			s.ready = append(s.ready, l)
			s.launch()
		case <-wake:
			more = true
		case <-poll:
			more = true
		case <-s.ctx.Done():
			return context.Cause(s.ctx)
		}
	}
}

// settle handles o and every other outcome already waiting, launches
// what became ready, and, when the consumer has caught up with the outbox
// (!more), makes the progress durable (in the busy case the next fill
// does).
func (s *session) settle(o outcome, more bool) error {
	for drained := false; !drained; {
		if err := s.finish(o); err != nil {
			return err
		}
		select {
		case o = <-s.results:
		default:
			drained = true
		}
	}
	s.launch()
	if more {
		return nil
	}
	return s.flush(s.ctx)
}

// fill reads the next batch into the lanes and returns its length.
func (s *session) fill() (int, error) {
	if err := s.flush(s.ctx); err != nil {
		return 0, err
	}
	evs, err := s.d.outbox.Events(s.ctx, s.read, s.d.cfg.Batch)
	if err != nil {
		return 0, errors.Join(context.Cause(s.ctx), err)
	}
	for _, ev := range evs {
		k := keyOf(ev)
		l := s.lanes[k]
		if l == nil {
			l = &lane{}
			s.lanes[k] = l
			s.ready = append(s.ready, l)
		}
		l.queue = append(l.queue, ev)
		s.pending++
		s.read = ev.Seq
	}
	return len(evs), nil
}

// launch starts a worker for each ready lane while slots are free.
func (s *session) launch() {
	for s.active < s.d.cfg.Concurrency && len(s.ready) > 0 {
		l := s.ready[0]
		s.ready[0] = nil
		s.ready = s.ready[1:]
		s.active++
		ev, attempt := l.queue[0], l.attempts+1
		s.workers.Go(func() error {
			o := s.d.attempt(s.ctx, s.name, s.h, ev, attempt)
			o.lane = l
			s.results <- o
			return nil
		})
	}
}

// finish applies a worker's outcome: a finished head leaves its lane
// (whose next event becomes ready), a failed one waits for its backoff.
func (s *session) finish(o outcome) error {
	s.active--
	l := o.lane
	switch {
	case o.fatal != nil:
		return o.fatal
	case o.retry != nil:
		l.attempts++
		s.backoff(l, o.retry)
		return nil
	}
	k := keyOf(l.queue[0])
	l.queue[0] = Event{}
	l.queue = l.queue[1:]
	l.attempts = 0
	s.pending--
	if len(l.queue) == 0 {
		delete(s.lanes, k)
		return nil
	}
	s.ready = append(s.ready, l)
	return nil
}

// backoff puts l's head back into the ready queue after the retry
// policy's wait, without holding a delivery slot meanwhile: a resource
// whose deliveries keep failing delays only its own later events.
func (s *session) backoff(l *lane, err error) {
	wait := s.d.cfg.Retry.Backoff(l.attempts)
	ev := l.queue[0]
	s.d.log.Warn("hooks: delivery failed, will retry", "consumer", s.name, "event", ev.ID, "type", ev.Type,
		"tenant", ev.Tenant, "resource", ev.ResourceID, "attempt", l.attempts, "backoff", wait, "err", err)
	after := s.d.clock.After(wait)
	s.timers.Go(func() {
		select {
		case <-s.ctx.Done():
		case <-after:
			select {
			case s.retries <- l:
			case <-s.ctx.Done():
			}
		}
	})
}

// watermark is the highest Seq below which every event read is finished:
// just below the oldest head of a lane, or the last event read when every
// lane is empty.
func (s *session) watermark() int64 {
	w := s.read
	for _, l := range s.lanes {
		w = min(w, l.queue[0].Seq-1)
	}
	return w
}

// flush advances the durable checkpoint to the watermark.
func (s *session) flush(ctx context.Context) error {
	w := s.watermark()
	if w <= s.saved {
		return nil
	}
	if err := s.d.deliv.Advance(ctx, s.name, s.d.owner, w); err != nil {
		return err
	}
	s.saved = w
	return nil
}

// stop cancels the session, waits for its workers and timers, counts the
// deliveries that finished meanwhile and saves the progress, so that a
// graceful stop redelivers nothing.
func (s *session) stop() {
	s.cancel(nil)
	s.workers.Wait()
	s.timers.Wait()
	for len(s.results) > 0 {
		if o := <-s.results; o.retry == nil && o.fatal == nil {
			s.finish(o)
		}
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), 5*time.Second)
	defer cancel()
	s.flush(ctx)
}
