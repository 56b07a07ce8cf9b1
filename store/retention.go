package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrExpired means a reader asked the outbox for events after a Seq it no
// longer keeps: some events the reader has not seen were pruned, so
// reading on would skip them. The reader must resynchronise (read the
// current state again) and continue from a cursor that is still kept; the
// error is an *ExpiredError, which says from where. It plays the part of
// Kubernetes' "410 Gone: too old resource version" for a watch.
var ErrExpired = errors.New("events expired")

// ExpiredError is the error Outbox.Events returns (wrapped with the
// operation) when after is below Pruned: the events after After up to and
// including Pruned are gone. errors.Is(err, ErrExpired) reports it;
// errors.As gives the values. A cursor at Pruned or above is valid again:
// Events(ctx, Pruned, n) returns the oldest events kept.
type ExpiredError struct {
	// After is the cursor the reader passed.
	After int64
	// Pruned is the highest Seq no longer kept (every event with Seq <=
	// Pruned has been pruned; the oldest kept event, if any, has
	// Seq Pruned+1).
	Pruned int64
}

// Error implements error.
func (e *ExpiredError) Error() string {
	return fmt.Sprintf("events expired: events after %d up to %d are no longer kept; resynchronise and continue after %d",
		e.After, e.Pruned, e.Pruned)
}

// Is reports whether target is ErrExpired.
func (e *ExpiredError) Is(target error) bool { return target == ErrExpired }

// Retention defaults (see Retention).
const (
	DefaultRetentionWindow = 7 * 24 * time.Hour
	DefaultPruneInterval   = time.Minute
	DefaultPruneBatch      = 1000
)

// Retention says how long a backend keeps the events of its outbox
// (Outbox); each backend's Config has one. Its zero value keeps events for
// DefaultRetentionWindow and prunes every DefaultPruneInterval.
//
// An event is pruned once both hold:
//   - every registered consumer (Deliveries) that is not abandoned has
//     passed it (its checkpoint is at or above the event's Seq), and
//   - it is older than Window (by its Event.Time), so pull readers
//     (Outbox.Events without a consumer, e.g. hooks.Feed) have had Window
//     to read it.
//
// A consumer is abandoned when its lease expired more than AbandonAfter
// ago: a consumer that leased once and never came back would otherwise
// pin every later event forever. An abandoned consumer keeps its
// checkpoint; when it comes back, events it had not passed may be gone,
// and Events then returns ErrExpired for its checkpoint rather than
// skipping them. Such an expired consumer (its checkpoint below the
// highest pruned Seq) pins nothing either, leased or not: it must be
// resynchronised and removed (Consumers), and keeping events for it would
// not help.
//
// Events are pruned oldest first, so the kept events are always the
// suffix after a Seq (ExpiredError.Pruned). Pruning runs in the
// background, in batches of at most Batch events each in its own short
// transaction, never inside a write.
type Retention struct {
	// Window is how long an event is kept for pull readers after it was
	// recorded. Zero means DefaultRetentionWindow; negative keeps events
	// only as long as a consumer needs them.
	Window time.Duration
	// AbandonAfter is how long after its lease expired a consumer stops
	// pinning events. Zero means the same as Window (DefaultRetentionWindow
	// when Window is negative); negative means never.
	AbandonAfter time.Duration
	// Interval is the time between two background pruning runs. Zero
	// means DefaultPruneInterval; negative turns background pruning off
	// (call Pruner.PruneEvents yourself, or never prune).
	Interval time.Duration
	// Batch bounds the events deleted by one transaction of a pruning
	// run. Zero means DefaultPruneBatch.
	Batch int
}

// WithDefaults checks r and returns it with defaults filled in for zero
// fields. Backends call it once, when they are opened.
func (r Retention) WithDefaults() (Retention, error) {
	if r.Batch < 0 {
		return r, fmt.Errorf("store: Retention.Batch (%d) must not be negative", r.Batch)
	}
	if r.Window == 0 {
		r.Window = DefaultRetentionWindow
	}
	if r.AbandonAfter == 0 {
		r.AbandonAfter = r.Window
		if r.Window < 0 {
			r.AbandonAfter = DefaultRetentionWindow
		}
	}
	if r.Interval == 0 {
		r.Interval = DefaultPruneInterval
	}
	if r.Batch == 0 {
		r.Batch = DefaultPruneBatch
	}
	return r, nil
}

// Cutoffs returns, for a pruning run at now, the time before which events
// are older than Window (the zero-time sentinel far in the future when
// Window is negative: every event qualifies) and the time before which an
// expired lease makes its consumer abandoned (the zero time when
// AbandonAfter is negative: no consumer is abandoned). r must have its
// defaults (WithDefaults).
func (r Retention) Cutoffs(now time.Time) (events, leases time.Time) {
	events = now.Add(-r.Window)
	if r.Window < 0 {
		events = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if r.AbandonAfter >= 0 {
		leases = now.Add(-r.AbandonAfter)
	}
	return events, leases
}

// Consumer describes a registered delivery consumer (Deliveries).
type Consumer struct {
	// Name is the consumer's name.
	Name string
	// Checkpoint is the Seq up to which it has finished every event.
	Checkpoint int64
	// Owner is the dispatcher that last leased it ("" if none), and
	// LeaseUntil when that lease expires (or expired), by the clock that
	// judges leases.
	Owner      string
	LeaseUntil time.Time
	// Parked is the number of its parked events.
	Parked int
	// Abandoned reports that its lease expired more than
	// Retention.AbandonAfter ago, so it no longer pins events.
	Abandoned bool
	// Expired reports that its checkpoint is below the highest pruned Seq:
	// events it had not passed are gone, so it cannot go on (its reads
	// fail with ErrExpired) and pins nothing. Resynchronise its target and
	// remove it.
	Expired bool
}

// Consumers is an optional capability of a Store with Deliveries: listing
// and removing consumers, so that an operator can see which consumer pins
// the outbox and remove one that is gone for good. Every scimkit backend
// has it. Without it consumers cannot be listed or removed; abandoned ones
// still stop pinning events after Retention.AbandonAfter.
//
// Methods are safe for concurrent use.
type Consumers interface {
	// Consumers returns every registered consumer, ordered by name.
	Consumers(ctx context.Context) ([]Consumer, error)
	// RemoveConsumer forgets consumer: its checkpoint, lease and parked
	// events. It returns an error wrapping ErrNotFound when there is no
	// such consumer. Stop the consumer's dispatcher first: a dispatcher
	// still running registers it again on its next Lease, as a new
	// consumer, which starts at the oldest event kept.
	RemoveConsumer(ctx context.Context, consumer string) error
}

// Pruner is an optional capability of a Store with an Outbox that prunes
// events by its Retention. Backends prune in the background on their own
// (unless Retention.Interval is negative); PruneEvents runs one pruning
// run now, for tests and operators. Without it the outbox is never pruned
// from outside.
type Pruner interface {
	// PruneEvents deletes, oldest first and in batches of at most
	// Retention.Batch per transaction, the events that are past every
	// consumer that is neither abandoned nor expired and older than
	// Retention.Window, by the store's clock. It returns how many it
	// deleted.
	PruneEvents(ctx context.Context) (int64, error)
}
