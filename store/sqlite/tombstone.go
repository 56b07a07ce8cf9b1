package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	sqlite "modernc.org/sqlite"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

var _ store.Tombstones = (*Store)(nil)

// DeleteWithTombstone implements store.Tombstones: Delete and the
// tombstone in one transaction. The triggers of migration 0007 keep the
// tombstoned id and externalId from being given to another resource.
func (s *Store) DeleteWithTombstone(ctx context.Context, tenant string, rt *schema.ResourceType, id, ifMatch string) error {
	return s.delete(ctx, tenant, rt, id, ifMatch, true)
}

// bury records the tombstone of before, deleted at now, in tx.
func (tx *txn) bury(ctx context.Context, tenant string, rt *schema.ResourceType, before *schema.Resource, deleted int64) error {
	uniq, err := json.Marshal(backend.TombstoneValues(rt, before))
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO tombstones (tenant, type, id, external_id, uniq, deleted) VALUES (?, ?, ?, ?, ?, ?)`,
		tenant, rt.Name, before.ID, nullable(before.ExternalID), string(uniq), deleted)
	return err
}

// Tombstone implements store.Tombstones.
func (s *Store) Tombstone(ctx context.Context, tenant string, rt *schema.ResourceType, id string) (store.TombstoneRecord, error) {
	op := "tombstone " + rt.Name + " " + id
	rec := store.TombstoneRecord{ID: id, ResourceType: rt.Name}
	var (
		ext     *string
		uniq    string
		deleted int64
	)
	err := s.read.QueryRowContext(ctx, `SELECT external_id, uniq, deleted FROM tombstones WHERE tenant = ? AND type = ? AND id = ?`,
		tenant, rt.Name, id).Scan(&ext, &uniq, &deleted)
	if err != nil {
		return store.TombstoneRecord{}, s.wrap(op, err)
	}
	if ext != nil {
		rec.ExternalID = *ext
	}
	if err := json.Unmarshal([]byte(uniq), &rec.Unique); err != nil {
		return store.TombstoneRecord{}, fmt.Errorf("store: %s: corrupt unique values: %w", op, err)
	}
	rec.Deleted = fromMicros(deleted)
	return rec, nil
}

// tombstoneConflict returns the *store.ConflictError of a write refused by
// the tombstone triggers (migration 0007), whose messages name the
// attribute first.
func tombstoneConflict(op string, se *sqlite.Error) (error, bool) {
	msg := se.Error()
	i := strings.Index(msg, "scimkit tombstone: ")
	if i < 0 {
		return nil, false
	}
	msg = strings.TrimSuffix(msg[i+len("scimkit tombstone: "):], ")")
	if j := strings.LastIndex(msg, " ("); j >= 0 {
		msg = msg[:j]
	}
	attr, _, _ := strings.Cut(msg, " ")
	return fmt.Errorf("store: %s: %w", op, &store.ConflictError{Attr: attr, Reserved: true}), true
}
