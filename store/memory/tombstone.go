package memory

import (
	"context"
	"maps"
	"time"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

var _ store.Tombstones = (*Store)(nil)

// tombs holds the tombstones of one table (tenant and resource type). A
// nil *tombs has none; it is created by the first soft delete.
type tombs struct {
	byID map[string]store.TombstoneRecord
	// byExt counts the tombstones holding each externalId (exact).
	byExt map[string]int
}

// has reports whether id is tombstoned.
func (tb *tombs) has(id string) bool {
	if tb == nil {
		return false
	}
	_, ok := tb.byID[id]
	return ok
}

// checkExt returns the ErrConflict of a write that sets externalId from
// old to ext when ext is tombstoned (keeping one's externalId is allowed).
func (tb *tombs) checkExt(rt *schema.ResourceType, old, ext string) error {
	if tb == nil || ext == "" || ext == old || tb.byExt[ext] == 0 {
		return nil
	}
	return &store.ConflictError{Attr: "externalId", Reserved: true}
}

// bury records the tombstone of a resource being deleted.
func (t *table) bury(rt *schema.ResourceType, before *schema.Resource, deleted time.Time) {
	if t.tombs == nil {
		t.tombs = &tombs{byID: map[string]store.TombstoneRecord{}, byExt: map[string]int{}}
	}
	rec := store.TombstoneRecord{ID: before.ID, ResourceType: rt.Name, ExternalID: before.ExternalID,
		Unique: backend.TombstoneValues(rt, before), Deleted: deleted}
	t.tombs.byID[rec.ID] = rec
	if rec.ExternalID != "" {
		t.tombs.byExt[rec.ExternalID]++
	}
}

// DeleteWithTombstone implements store.Tombstones: Delete, plus the
// tombstone, under the same lock.
func (s *Store) DeleteWithTombstone(ctx context.Context, tenant string, rt *schema.ResourceType, id, ifMatch string) error {
	return s.delete(ctx, tenant, rt, id, ifMatch, true)
}

// Tombstone implements store.Tombstones.
func (s *Store) Tombstone(ctx context.Context, tenant string, rt *schema.ResourceType, id string) (store.TombstoneRecord, error) {
	var out store.TombstoneRecord
	err := s.txOn(ctx, false, opName("tombstone", rt, id), func(st *state) ([]store.Event, error) {
		_, t := st.table(tenant, rt, false)
		if t == nil || !t.tombs.has(id) {
			return nil, store.ErrNotFound
		}
		out = t.tombs.byID[id]
		out.Unique = maps.Clone(out.Unique)
		return nil, nil
	})
	return out, err
}
