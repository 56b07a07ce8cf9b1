package sqlite

import (
	"context"
	"errors"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// BulkLoad stores rs as Create would (same documents, unique values and
// server-assigned ids), without events, in one transaction, and returns
// the ids in order: benchmarks use it to build large tenants quickly
// (storetest.Seeder).
func BulkLoad(ctx context.Context, s *Store, tenant string, rt *schema.ResourceType, rs []*schema.Resource) ([]string, error) {
	ti := infoOf(rt)
	if ti.members != nil {
		return nil, errors.New("BulkLoad: member resources are not supported")
	}
	ids := make([]string, len(rs))
	err := s.writeTx(ctx, "bulk load", func(tx *txn) error {
		now := parseTime(formatTime(s.clock()))
		for i, r := range rs {
			res := r.Clone()
			res.ID = store.NewID()
			if ti.groups != nil {
				delete(res.Attrs, ti.groups.Name)
			}
			res.Meta = schema.Meta{ResourceType: rt.Name, Created: now, LastModified: now, Version: store.FormatVersion(1)}
			if err := tx.insertResource(ctx, tenant, rt, res); err != nil {
				return err
			}
			if err := tx.putUniques(ctx, tenant, rt, res); err != nil {
				return err
			}
			ids[i] = res.ID
		}
		return nil
	})
	return ids, err
}
