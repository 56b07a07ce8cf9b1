package sqlite

import (
	"context"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

var _ store.EncodedLister = (*Store)(nil)

// ListEncoded implements store.EncodedLister: List, with each row's data
// document written out as it is stored (schema.AppendDefaultMembers) when
// the default projection keeps all of it, instead of being decoded into
// Go values to be encoded again. Pages that filter.Match decides are
// decoded as by List.
func (s *Store) ListEncoded(ctx context.Context, tenant string, rt *schema.ResourceType, q store.Query, buf []byte) (*store.EncodedPage, error) {
	enc := backend.NewEncodedPageBuilder(buf).WithCache(s.renders, tenant)
	page, err := s.list(ctx, tenant, rt, q, enc)
	if err != nil {
		return nil, err
	}
	return enc.Page(page), nil
}
