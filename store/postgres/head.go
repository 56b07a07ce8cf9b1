package postgres

import (
	"context"
	"fmt"

	"github.com/scimkit/scimkit/store"
)

var _ store.OutboxHead = (*Store)(nil)

// LastSeq implements store.OutboxHead: the last Seq the sequencer gave an
// event (sequencer.go); events committed since are numbered by the next
// Events.
func (s *Store) LastSeq(ctx context.Context) (int64, error) {
	if s.closed.Load() {
		return 0, fmt.Errorf("store: last seq: %w", store.ErrClosed)
	}
	var seq int64
	if err := s.pool.QueryRow(ctx, s.q(`SELECT seq FROM {s}.event_sequencer`)).Scan(&seq); err != nil {
		return 0, mapErr("last seq", err)
	}
	return seq, nil
}
