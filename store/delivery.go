package store

import (
	"context"
	"errors"
	"time"
)

// ErrLeaseLost means a dispatcher tried to advance a consumer's checkpoint
// without holding the consumer's lease: another owner took it over (the
// caller's lease expired). The caller must stop delivering for that
// consumer and lease it again.
var ErrLeaseLost = errors.New("delivery lease lost")

// Deliveries keeps each consumer's progress through the outbox durably, so
// a dispatcher that crashes resumes where it stopped, and several replicas
// share the work. It is an optional capability of a Store, found by type
// assertion; package hooks requires it (every scimkit backend has it: the
// memory store keeps it in memory, SQLite and PostgreSQL in tables).
//
// A consumer is a name chosen by the application (one per hook); its
// checkpoint, lease and parked events are its own. A registered consumer
// pins the outbox: events it has not passed are not pruned (see
// Retention), unless it is abandoned. Consumers lists and removes them. Methods are safe for
// concurrent use, also from several processes sharing a database.
type Deliveries interface {
	// Lease claims consumer's delivery for ttl on behalf of owner (a
	// random dispatcher id); it returns false if another live owner holds
	// it. Renewing by the same owner extends it. An expired lease may be
	// taken by any owner. Expiry is judged by the store's clock (the
	// database server's for PostgreSQL), so replicas need not agree on
	// time.
	Lease(ctx context.Context, consumer, owner string, ttl time.Duration) (bool, error)
	// Checkpoint returns the Seq up to which consumer has finished every
	// event. The first Lease of a consumer registers it with the checkpoint
	// ExpiredError.Pruned (the highest Seq already pruned, 0 when nothing
	// was), so a new consumer starts at the oldest event kept; an
	// unregistered consumer has checkpoint 0.
	Checkpoint(ctx context.Context, consumer string) (int64, error)
	// Advance moves the checkpoint to seq if owner holds the lease (is the
	// last owner that leased it, even if the lease has expired since,
	// provided nobody else took it). It returns an error wrapping
	// ErrLeaseLost otherwise. The checkpoint never moves backwards: a seq
	// below the current checkpoint is ignored.
	Advance(ctx context.Context, consumer, owner string, seq int64) error
	// Park records an event that exhausted its attempts (or failed
	// permanently). Parking an event that is already parked for consumer
	// replaces the earlier record.
	Park(ctx context.Context, consumer string, ev Event, attempts int, lastErr string) error
	// Parked lists up to limit parked events of consumer in Seq order
	// (limit <= 0: all of them).
	Parked(ctx context.Context, consumer string, limit int) ([]ParkedEvent, error)
	// Unpark removes and returns parked events by id (in Seq order) so the
	// dispatcher can redeliver them. Ids that are not parked are ignored.
	Unpark(ctx context.Context, consumer string, ids []string) ([]ParkedEvent, error)
}

// ParkedEvent is an event a consumer gave up on: it exhausted its
// attempts or its handler reported a permanent failure. An operator can
// list and replay it.
type ParkedEvent struct {
	// Event is the event as it was recorded in the outbox.
	Event Event
	// Attempts is how many deliveries were tried.
	Attempts int
	// LastError is the text of the last delivery error.
	LastError string
	// ParkedAt is when the event was (last) parked, by the store's clock.
	ParkedAt time.Time
}

// Notifier is an optional capability of stores that can wake dispatchers
// when events are committed. Without it (or in addition to it, to cover a
// lost wake-up) dispatchers poll.
//
// Notify returns a channel that receives a value soon after one or more
// events have been committed, from the call until ctx is done; wake-ups
// are coalesced (a receiver that is busy sees one value for many commits)
// and the channel is closed when ctx is done. PostgreSQL implements it
// with LISTEN/NOTIFY, across processes; memory and SQLite within the
// process.
type Notifier interface {
	// Notify returns a channel that receives a value after events are committed.
	Notify(ctx context.Context) <-chan struct{}
}
