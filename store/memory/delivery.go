package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/scimkit/scimkit/store"
)

var (
	_ store.Deliveries = (*Store)(nil)
	_ store.Notifier   = (*Store)(nil)
	_ store.Consumers  = (*Store)(nil)
	_ store.Pruner     = (*Store)(nil)
)

// consumer is the delivery state of one store.Deliveries consumer.
type consumer struct {
	owner      string
	until      time.Time // lease expiry, by Config.Now
	checkpoint int64
	parked     map[string]store.ParkedEvent
}

// passed returns how many of the kept events every registered consumer
// that is neither abandoned at now nor expired has passed (all of them
// when there is none): the outbox may drop that many from its head.
func (o *outbox) passed(now time.Time) int {
	_, abandoned := o.ret.Cutoffs(now)
	low, pruned := o.seq, o.pruned()
	for _, c := range o.consumers {
		if !c.abandoned(abandoned) && c.checkpoint >= pruned {
			low = min(low, c.checkpoint)
		}
	}
	return o.log.upTo(low)
}

// abandoned reports whether c's lease expired before cutoff (the zero
// time: never; see store.Retention.AbandonAfter).
func (c *consumer) abandoned(cutoff time.Time) bool {
	return !cutoff.IsZero() && c.until.Before(cutoff)
}

// consumer returns the state of name, registering it when create is set
// with its checkpoint at the highest Seq already pruned, so that it starts
// at the oldest event kept. A registered consumer pins the outbox: events
// after its checkpoint are kept even beyond Config.OutboxSize, until it is
// abandoned (Config.Retention.AbandonAfter) or removed.
func (o *outbox) consumer(name string, create bool) *consumer {
	c := o.consumers[name]
	if c == nil && create {
		if o.consumers == nil {
			o.consumers = map[string]*consumer{}
		}
		c = &consumer{checkpoint: o.pruned(), parked: map[string]store.ParkedEvent{}}
		o.consumers[name] = c
	}
	return c
}

// Lease implements store.Deliveries. The first Lease of a consumer
// registers it: from then on the outbox keeps every event the consumer has
// not passed, whatever Config.OutboxSize says, until it is abandoned
// (its lease expired more than Config.Retention.AbandonAfter ago) or
// removed. Expiry is judged by Config.Now.
func (s *Store) Lease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	var ok bool
	err := s.tx(ctx, true, "lease "+name, func(st *state) ([]store.Event, error) {
		c := st.outbox.consumer(name, true)
		now := st.now()
		if c.owner != "" && c.owner != owner && now.Before(c.until) {
			return nil, nil
		}
		c.owner, c.until, ok = owner, now.Add(ttl), true
		return nil, nil
	})
	return ok, err
}

// Checkpoint implements store.Deliveries.
func (s *Store) Checkpoint(ctx context.Context, name string) (int64, error) {
	var cp int64
	err := s.tx(ctx, false, "checkpoint "+name, func(st *state) ([]store.Event, error) {
		if c := st.outbox.consumer(name, false); c != nil {
			cp = c.checkpoint
		}
		return nil, nil
	})
	return cp, err
}

// Advance implements store.Deliveries.
func (s *Store) Advance(ctx context.Context, name, owner string, seq int64) error {
	return s.tx(ctx, true, "advance "+name, func(st *state) ([]store.Event, error) {
		c := st.outbox.consumer(name, false)
		if c == nil || c.owner != owner {
			return nil, fmt.Errorf("%w: %q is not the owner", store.ErrLeaseLost, owner)
		}
		c.checkpoint = max(c.checkpoint, seq)
		return nil, nil
	})
}

// Park implements store.Deliveries.
func (s *Store) Park(ctx context.Context, name string, ev store.Event, attempts int, lastErr string) error {
	return s.tx(ctx, true, "park "+name, func(st *state) ([]store.Event, error) {
		c := st.outbox.consumer(name, true)
		c.parked[ev.ID] = store.ParkedEvent{Event: cloneEvent(ev), Attempts: attempts, LastError: lastErr,
			ParkedAt: st.nowMicro()}
		return nil, nil
	})
}

// Parked implements store.Deliveries.
func (s *Store) Parked(ctx context.Context, name string, limit int) ([]store.ParkedEvent, error) {
	var out []store.ParkedEvent
	err := s.tx(ctx, false, "parked "+name, func(st *state) ([]store.Event, error) {
		if c := st.outbox.consumer(name, false); c != nil {
			for _, p := range c.parked {
				p.Event = cloneEvent(p.Event)
				out = append(out, p)
			}
		}
		return nil, nil
	})
	sortParked(out)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, err
}

// Unpark implements store.Deliveries.
func (s *Store) Unpark(ctx context.Context, name string, ids []string) ([]store.ParkedEvent, error) {
	var out []store.ParkedEvent
	err := s.tx(ctx, true, "unpark "+name, func(st *state) ([]store.Event, error) {
		c := st.outbox.consumer(name, false)
		if c == nil {
			return nil, nil
		}
		for _, id := range ids {
			if p, ok := c.parked[id]; ok {
				delete(c.parked, id)
				out = append(out, p)
			}
		}
		return nil, nil
	})
	sortParked(out)
	return out, err
}

// Consumers implements store.Consumers.
func (s *Store) Consumers(ctx context.Context) ([]store.Consumer, error) {
	var out []store.Consumer
	err := s.tx(ctx, false, "consumers", func(st *state) ([]store.Event, error) {
		_, abandoned := st.outbox.ret.Cutoffs(st.now())
		for name, c := range st.outbox.consumers {
			out = append(out, store.Consumer{Name: name, Checkpoint: c.checkpoint, Owner: c.owner,
				LeaseUntil: c.until.UTC().Truncate(time.Microsecond), Parked: len(c.parked),
				Abandoned: c.abandoned(abandoned), Expired: c.checkpoint < st.outbox.pruned()})
		}
		return nil, nil
	})
	slices.SortFunc(out, func(a, b store.Consumer) int { return cmp.Compare(a.Name, b.Name) })
	return out, err
}

// RemoveConsumer implements store.Consumers.
func (s *Store) RemoveConsumer(ctx context.Context, name string) error {
	return s.tx(ctx, true, "remove consumer "+name, func(st *state) ([]store.Event, error) {
		if st.outbox.consumers[name] == nil {
			return nil, fmt.Errorf("consumer %q: %w", name, store.ErrNotFound)
		}
		delete(st.outbox.consumers, name)
		return nil, nil
	})
}

// Notify implements store.Notifier: the channel receives a value after
// each write that recorded events (in this process: the store is
// in-process).
func (s *Store) Notify(ctx context.Context) <-chan struct{} {
	return s.st.outbox.hub.Subscribe(ctx)
}

func sortParked(ps []store.ParkedEvent) {
	slices.SortFunc(ps, func(a, b store.ParkedEvent) int {
		return cmp.Or(cmp.Compare(a.Event.Seq, b.Event.Seq), cmp.Compare(a.Event.ID, b.Event.ID))
	})
}

func cloneEvent(e store.Event) store.Event {
	e.Paths, e.Members = slices.Clone(e.Paths), slices.Clone(e.Members)
	e.GroupsAdded, e.GroupsRemoved = slices.Clone(e.GroupsAdded), slices.Clone(e.GroupsRemoved)
	return e
}
