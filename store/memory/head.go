package memory

import (
	"context"

	"github.com/scimkit/scimkit/store"
)

var _ store.OutboxHead = (*Store)(nil)

// LastSeq implements store.OutboxHead.
func (s *Store) LastSeq(ctx context.Context) (int64, error) {
	var seq int64
	err := s.tx(ctx, false, "last seq", func(st *state) ([]store.Event, error) {
		seq = st.outbox.seq
		return nil, nil
	})
	return seq, err
}
