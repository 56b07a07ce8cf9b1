package postgres

import (
	"context"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// ErrStalePage is errStalePage, for tests.
var ErrStalePage = errStalePage

// SeqOf returns the creation sequence of the resource id of tenant.
func SeqOf(ctx context.Context, s *Store, tenant, id string) (int64, error) {
	var seq int64
	err := s.pool.QueryRow(ctx, s.q(`SELECT seq FROM {s}.resources WHERE tenant = $1 AND id = $2`), tenant, id).Scan(&seq)
	return seq, err
}

// FillMiss runs fillMisses for one lean row: the resource id (creation
// sequence seq) of tenant as a page's statement read it at version, and
// returns the members it rendered (nil for none).
func FillMiss(ctx context.Context, s *Store, tenant string, rt *schema.ResourceType, id string, seq, version int64) ([]byte, error) {
	enc := backend.NewEncodedPageBuilder(nil).WithCache(s.renders, tenant)
	res := &schema.Resource{ID: id}
	err := s.fillMisses(ctx, s.pool, tenant, rt, enc, []miss{{res: res, rw: row{id: id, seq: seq, version: version}, slot: enc.Skip()}})
	p := enc.Page(&store.Page{Resources: []*schema.Resource{res}})
	return p.Members[0], err
}

// BeforeMisses makes fn run before a lean page's misses are read.
func BeforeMisses(s *Store, fn func()) { s.beforeMisses = fn }
