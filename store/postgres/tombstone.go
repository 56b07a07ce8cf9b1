package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

var _ store.Tombstones = (*Store)(nil)

// DeleteWithTombstone implements store.Tombstones: Delete and the
// tombstone in one transaction. The tombstone_check trigger (migration
// 0006) keeps the tombstoned id and externalId from being given to another
// resource. Under READ COMMITTED the check sees committed tombstones only:
// a Create racing the soft delete of a resource with the same externalId
// may commit too (IdPs do not re-create what they are deleting).
func (s *Store) DeleteWithTombstone(ctx context.Context, tenant string, rt *schema.ResourceType, id, ifMatch string) error {
	return s.delete(ctx, tenant, rt, id, ifMatch, true)
}

// bury queues the statement that records the tombstone of before,
// deleted at now, in w's transaction.
func (s *Store) bury(w *writer, tenant string, rt *schema.ResourceType, before *schema.Resource, deleted time.Time) error {
	uniq, err := json.Marshal(backend.TombstoneValues(rt, before))
	if err != nil {
		return err
	}
	if string(uniq) == "null" {
		uniq = []byte("{}")
	}
	w.queue(nil, s.q(`INSERT INTO {s}.tombstones (tenant, id, type, external_id, uniq, deleted)
		VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6)`), tenant, before.ID, rt.Name, before.ExternalID, uniq, deleted)
	return nil
}

// Tombstone implements store.Tombstones.
func (s *Store) Tombstone(ctx context.Context, tenant string, rt *schema.ResourceType, id string) (store.TombstoneRecord, error) {
	op := "tombstone " + rt.Name + " " + id
	if s.closed.Load() {
		return store.TombstoneRecord{}, fmt.Errorf("store: %s: %w", op, store.ErrClosed)
	}
	rec := store.TombstoneRecord{ID: id, ResourceType: rt.Name}
	var (
		ext  *string
		uniq map[string]string
	)
	err := s.pool.QueryRow(ctx, s.q(`SELECT external_id, uniq, deleted FROM {s}.tombstones WHERE tenant = $1 AND id = $2 AND type = $3`),
		tenant, id, rt.Name).Scan(&ext, &uniq, &rec.Deleted)
	if err != nil {
		return store.TombstoneRecord{}, mapErr(op, err)
	}
	if ext != nil {
		rec.ExternalID = *ext
	}
	if len(uniq) > 0 {
		rec.Unique = uniq
	}
	rec.Deleted = rec.Deleted.UTC()
	return rec, nil
}

// tombstoneConflict returns the *store.ConflictError of a write refused by
// tombstone_check, naming the column (id or external_id) it reported.
func tombstoneConflict(op string, pe *pgconn.PgError) (error, bool) {
	if pe.Code != codeUniqueViolation || pe.TableName != "tombstones" || pe.ColumnName == "" {
		return nil, false
	}
	attr := "id"
	if pe.ColumnName == "external_id" {
		attr = "externalId"
	}
	return fmt.Errorf("store: %s: %w", op, &store.ConflictError{Attr: attr, Reserved: true}), true
}
