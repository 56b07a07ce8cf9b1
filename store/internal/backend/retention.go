package backend

import (
	"context"

	"github.com/scimkit/scimkit/store"
)

// CheckExpired returns an *ExpiredError when a reader at cursor after
// would skip pruned events (after < pruned), else nil. pruned is the
// highest Seq the outbox no longer keeps. Seqs are gapless and
// increasing, so a reader at exactly pruned misses nothing.
func CheckExpired(after, pruned int64) error {
	if after < pruned {
		return &store.ExpiredError{After: after, Pruned: pruned}
	}
	return nil
}

// CheckRead is CheckExpired for a read of the outbox that returned evs
// after cursor after: when evs starts right after after, nothing was
// skipped and pruned (the backend's lookup of the highest pruned Seq) is
// not called. SQL backends run it after reading a page of events.
func CheckRead(after int64, evs []store.Event, pruned func() (int64, error)) error {
	if len(evs) > 0 && evs[0].Seq == after+1 {
		return nil
	}
	p, err := pruned()
	if err != nil {
		return err
	}
	return CheckExpired(after, p)
}

// PruneInBatches runs batch, which deletes at most one batch of events and
// returns how many, until it deletes none or fails, and returns the total:
// the loop of every backend's Pruner.PruneEvents.
func PruneInBatches(ctx context.Context, batch func(context.Context) (int64, error)) (int64, error) {
	var total int64
	for {
		n, err := batch(ctx)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}
