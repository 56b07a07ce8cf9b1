package memory

import (
	"context"
	"time"

	"github.com/scimkit/scimkit/internal/wake"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// outbox keeps the events of the last Config.Retention.Window (at most the
// Config.OutboxSize most recent ones), and every event a registered
// delivery consumer (delivery.go) that is not abandoned has not passed.
//
// The kept events are always the suffix of the outbox: every event with
// Seq > pruned(), up to seq.
type outbox struct {
	max       int // negative: keep none (beyond what consumers need)
	seq       int64
	log       eventLog
	ret       store.Retention      // with defaults
	nextPrune time.Time            // when append next prunes by time
	consumers map[string]*consumer // store.Deliveries state, see delivery.go
	hub       wake.Hub             // store.Notifier
}

// pruned returns the highest Seq no longer kept (see store.ExpiredError).
func (o *outbox) pruned() int64 { return o.seq - int64(o.log.len()) }

// append assigns sequence numbers to evs and stores them, and wakes the
// Notify subscribers. It discards the oldest events beyond max that no
// consumer still needs, and, at most once per Retention.Interval, those
// older than Retention.Window (prune); both cost a few slice operations
// under the lock the write holds anyway, so no goroutine is needed.
func (o *outbox) append(evs []store.Event, now time.Time) {
	keep := o.max >= 0 || len(o.consumers) > 0
	if !keep {
		o.log.drop(o.log.len()) // the last consumer was removed
	}
	for _, e := range evs {
		o.seq++
		e.Seq = o.seq
		if keep {
			o.log.push(&e)
		}
	}
	if o.ret.Interval >= 0 && !now.Before(o.nextPrune) {
		o.prune(now)
		o.nextPrune = now.Add(o.ret.Interval)
	} else if extra := o.log.len() - max(o.max, 0); extra > 0 {
		o.log.drop(min(extra, o.passed(now)))
	}
	if len(evs) > 0 {
		o.hub.Fire()
	}
}

// prune drops the oldest events that every consumer not abandoned has
// passed and that are older than Retention.Window or beyond max, and
// returns how many it dropped.
func (o *outbox) prune(now time.Time) int {
	cut, _ := o.ret.Cutoffs(now)
	extra := o.log.len() - max(o.max, 0)
	passed := o.passed(now)
	k := min(passed, max(extra, o.log.olderThan(cut.UnixMicro(), passed)))
	o.log.drop(k)
	return k
}

// Events implements store.Outbox: up to limit events with Seq > after, in
// Seq order (RFC-independent; see store.Outbox). Events are kept by
// Config.Retention, at most Config.OutboxSize of them beyond what
// registered consumers need; a cursor older than the oldest event kept
// gets an error wrapping *store.ExpiredError (store.ErrExpired).
func (s *Store) Events(ctx context.Context, after int64, limit int) ([]store.Event, error) {
	var out []store.Event
	err := s.tx(ctx, false, "events", func(st *state) ([]store.Event, error) {
		if err := backend.CheckExpired(after, st.outbox.pruned()); err != nil {
			return nil, err
		}
		var err error
		out, err = st.outbox.log.read(after, max(limit, 0))
		return nil, err
	})
	return out, err
}

// PruneEvents implements store.Pruner: it drops what Config.Retention and
// Config.OutboxSize allow now, by Config.Now. Writes also prune, at most
// once per Retention.Interval, so calling it is only needed when
// Retention.Interval is negative or to prune at once.
func (s *Store) PruneEvents(ctx context.Context) (int64, error) {
	var n int
	err := s.tx(ctx, true, "prune events", func(st *state) ([]store.Event, error) {
		n = st.outbox.prune(st.now())
		return nil, nil
	})
	return int64(n), err
}
