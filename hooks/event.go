package hooks

import (
	"context"
	"errors"

	"github.com/scimkit/scimkit/store"
)

// Event is an outbox event (store.Event): a fact about a committed change
// of one resource, with a unique ID, the tenant, the resource type, id and
// externalId, the resource's version after the change, the commit time,
// the actor and the request id.
//
// Delivery is at least once: a handler may see an event again (after a
// crash, a lost lease or a replay). Handlers drop duplicates by ID and
// stale events by Seq: it is the ordering key of every event, increasing
// per resource in commit order. Version is the resource's meta.version for
// events about the resource's own representation (shared by the events of
// one write, the last version for a deletion) and 0 on
// user.groups_changed, so it cannot order a user's events.
type Event = store.Event

// Handler receives events in commit (Seq) order per resource, one at a
// time per resource (tenant, resource type and id); events of different
// resources may be delivered concurrently (Config.Concurrency), so a
// Handler must be safe for concurrent use. A nil error acknowledges the
// event; an error makes the Dispatcher retry it with backoff, and an error
// wrapped with Permanent (or the last allowed attempt) parks it. Handlers
// must be idempotent (delivery is at least once) and should honour ctx,
// which is cancelled when the Dispatcher stops or loses its lease.
type Handler interface {
	// HandleEvent handles one delivery of ev.
	HandleEvent(ctx context.Context, ev Event) error
}

// HandlerFunc adapts a function to Handler, like http.HandlerFunc.
type HandlerFunc func(ctx context.Context, ev Event) error

// HandleEvent calls f(ctx, ev).
func (f HandlerFunc) HandleEvent(ctx context.Context, ev Event) error { return f(ctx, ev) }

// Permanent wraps an error that must not be retried: the Dispatcher parks
// the event at once (e.g. the receiver rejected it as malformed).
// Permanent(nil) is nil. errors.Is and errors.As see through the wrapper.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

// IsPermanent reports whether err, or an error it wraps, was marked with
// Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return "permanent: " + e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }
