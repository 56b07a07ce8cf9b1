package hooks

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/scimkit/scimkit/store"
)

// attempt makes the attempt-th delivery of ev to h. It parks ev after a
// permanent failure or the last allowed attempt; the outcome says whether
// ev is finished (delivered or parked), should be retried, or could not
// be handled because ctx is done or parking failed (ev is then delivered
// again by the next session).
func (d *Dispatcher) attempt(ctx context.Context, name string, h Handler, ev Event, attempt int) outcome {
	err := call(ctx, h, ev)
	switch {
	case err == nil:
		d.metrics.countAttempt(ctx, name, nil, false)
		return outcome{}
	case ctx.Err() != nil:
		return outcome{fatal: context.Cause(ctx)}
	case !IsPermanent(err) && attempt < d.cfg.Retry.MaxAttempts:
		d.metrics.countAttempt(ctx, name, err, false)
		return outcome{retry: err}
	}
	d.metrics.countAttempt(ctx, name, err, true)
	if perr := d.deliv.Park(ctx, name, ev, attempt, err.Error()); perr != nil {
		return outcome{fatal: fmt.Errorf("hooks: park event %s: %w", ev.ID, errors.Join(context.Cause(ctx), perr))}
	}
	d.log.Error("hooks: event parked", "consumer", name, "event", ev.ID, "type", ev.Type,
		"tenant", ev.Tenant, "resource", ev.ResourceID, "attempts", attempt, "err", err)
	return outcome{}
}

// try delivers ev with retries, waiting out each backoff, and returns the
// number of attempts made and the last error (nil on success). Replay
// uses it.
func (d *Dispatcher) try(ctx context.Context, name string, h Handler, ev Event) (int, error) {
	for attempt := 1; ; attempt++ {
		err := call(ctx, h, ev)
		if err == nil || ctx.Err() != nil || IsPermanent(err) || attempt >= d.cfg.Retry.MaxAttempts {
			return attempt, err
		}
		wait := d.cfg.Retry.Backoff(attempt)
		d.log.Warn("hooks: replay failed, will retry", "consumer", name, "event", ev.ID, "type", ev.Type,
			"attempt", attempt, "backoff", wait, "err", err)
		select {
		case <-ctx.Done():
			return attempt, err
		case <-d.clock.After(wait):
		}
	}
}

// call runs the handler, turning a panic into an error.
func call(ctx context.Context, h Handler, ev Event) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("hooks: handler panicked: %v", r)
		}
	}()
	return h.HandleEvent(ctx, ev)
}

// Parked lists the events consumer gave up on, in Seq order, with their
// attempts and last error (store.Deliveries.Parked).
func (d *Dispatcher) Parked(ctx context.Context, consumer string) ([]store.ParkedEvent, error) {
	return d.deliv.Parked(ctx, consumer, 0)
}

// Replay redelivers parked events of consumer now, from the calling
// goroutine, in Seq order, with the retry policy: the given event ids, or
// every parked event of the consumer when none is given. An event is
// removed from the parked list only once its handler succeeded; one that
// fails again is parked again with its attempts added up, and Replay
// returns an error naming it. Ids that are not parked are ignored.
//
// Replay runs beside Run: a replayed event may reach the handler after
// newer events of the same resource, which handlers recognise by Seq (not
// Version, which is 0 on user.groups_changed).
func (d *Dispatcher) Replay(ctx context.Context, consumer string, eventIDs ...string) error {
	defer d.metrics.forgetParked(consumer)
	h := d.cfg.Handlers[consumer]
	if h == nil {
		return fmt.Errorf("hooks: replay: no handler for consumer %q", consumer)
	}
	parked, err := d.deliv.Parked(ctx, consumer, 0)
	if err != nil {
		return fmt.Errorf("hooks: replay: %w", err)
	}
	var errs []error
	for _, p := range parked {
		if len(eventIDs) > 0 && !slices.Contains(eventIDs, p.Event.ID) {
			continue
		}
		attempts, err := d.try(ctx, consumer, h, p.Event)
		if ctx.Err() != nil {
			return errors.Join(append(errs, context.Cause(ctx))...)
		}
		if err == nil {
			_, err = d.deliv.Unpark(ctx, consumer, []string{p.Event.ID})
		} else if perr := d.deliv.Park(ctx, consumer, p.Event, p.Attempts+attempts, err.Error()); perr != nil {
			err = errors.Join(err, perr)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("hooks: replay event %s: %w", p.Event.ID, err))
		}
	}
	return errors.Join(errs...)
}
