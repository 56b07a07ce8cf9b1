package sqlite

import (
	"context"
	"errors"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
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
		w := silent{&writer{tx: tx, tenant: tenant, rt: rt}}
		for i, r := range rs {
			ids[i] = store.NewID()
			if _, err := backend.RunCreate(ctx, w, tenant, rt, r, ids[i], s.clock()); err != nil {
				return err
			}
		}
		return nil
	})
	return ids, err
}

// silent is a writer that records no events.
type silent struct{ *writer }

func (silent) Record(context.Context, []store.Event) error { return nil }

// LatestSchemaVersion is the version of the newest embedded migration.
func LatestSchemaVersion() int {
	ms, err := loadMigrations()
	if err != nil || len(ms) == 0 {
		return -1
	}
	return ms[len(ms)-1].version
}

// Exec runs a statement on the write connection, outside the store's
// transactions: tests use it to break the database under a running store.
func Exec(ctx context.Context, s *Store, query string) error {
	_, err := s.write.ExecContext(ctx, query)
	return err
}

// OpenAt opens cfg's database applying the migrations up to version only:
// the schema of an older release, for migration tests.
func OpenAt(ctx context.Context, cfg Config, version int) (*Store, error) {
	cfg.migrateTo = version
	return Open(ctx, cfg)
}

// QueryInt runs a query returning one integer on the write connection.
func QueryInt(ctx context.Context, s *Store, query string, dst *int) error {
	return s.write.QueryRowContext(ctx, query).Scan(dst)
}

// OpenCheckpointing opens cfg's database with the WAL checkpointer's
// threshold set to pages; its background goroutine runs only with
// background, and reports the outcome of each checkpoint (frames copied,
// error) to done (if not nil).
func OpenCheckpointing(ctx context.Context, cfg Config, pages int, background bool, done func(copied int, err error)) (*Store, error) {
	cfg.checkpointPages, cfg.noCheckpointer, cfg.checkpointed = pages, !background, done
	return Open(ctx, cfg)
}

// WALIndex returns the WAL's length in frames and how many of them are
// copied into the database file, as the checkpointer reads them.
func WALIndex(s *Store) (frames, backfilled int, ok bool) {
	ix, ok := s.ckpt.index()
	return int(ix.frames), int(ix.backfilled), ok
}
