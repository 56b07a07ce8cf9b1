package store

import "context"

// OutboxHead is an optional capability of an Outbox: the Seq of the newest
// event, so that how far a consumer is behind (the head less its
// checkpoint, package hooks' outbox lag) costs one query. Every scimkit
// backend implements it; without it, hooks finds the head with a few
// one-event reads of Events.
type OutboxHead interface {
	// LastSeq returns the Seq of the newest event Events can return (0
	// when none was ever recorded). Pruning does not lower it. Events
	// committed but not yet numbered (PostgreSQL numbers them when they
	// are read) are not counted.
	LastSeq(ctx context.Context) (int64, error)
}
