package sqlite

import (
	"context"

	"github.com/scimkit/scimkit/store"
)

var _ store.OutboxHead = (*Store)(nil)

// LastSeq implements store.OutboxHead: the last Seq AUTOINCREMENT gave
// an event, which pruning does not lower.
func (s *Store) LastSeq(ctx context.Context) (int64, error) {
	var seq int64
	err := s.read.QueryRowContext(ctx, `SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)`).Scan(&seq)
	if err != nil {
		return 0, s.wrap("last seq", err)
	}
	return seq, nil
}
