package postgres

import (
	"context"
	"fmt"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// Get returns the resource or store.ErrNotFound (also for a resource of
// another tenant or type). With opts.OmitMembers the membership index is
// not read.
func (s *Store) Get(ctx context.Context, tenant string, rt *schema.ResourceType, id string, opts store.ReadOptions) (*schema.Resource, error) {
	op := "get " + rt.Name + " " + id
	if s.closed.Load() {
		return nil, fmt.Errorf("store: %s: %w", op, store.ErrClosed)
	}
	rw, err := scanRow(s.pool.QueryRow(ctx, s.q(`SELECT `+s.selectCols(rt, opts)+`
		FROM {s}.resources r WHERE r.tenant = $1 AND r.id = $2 AND r.type = $3`), tenant, id, rt.Name))
	if err != nil {
		return nil, mapErr(op, err)
	}
	res, err := rw.resource(rt)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", op, err)
	}
	return res, nil
}
