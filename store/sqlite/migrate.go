package sqlite

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migration is one numbered schema change, migrations/NNNN_name.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations returns the embedded migrations in version order. Numbers
// must be unique and may skip (work in progress reserves ranges); a
// database records the highest number applied (PRAGMA user_version), so a
// migration must never be added below a released one.
func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("sqlite: migration %s: name must start with its number", e.Name())
		}
		data, err := migrations.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(data)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	for i, m := range out {
		if m.version < 1 || i > 0 && m.version == out[i-1].version {
			return nil, fmt.Errorf("sqlite: migration %s: number must be positive and unique", m.name)
		}
	}
	return out, nil
}

// migrate applies the migrations newer than the database's PRAGMA
// user_version (up to upTo when positive), each in its own transaction
// with the version bump, so a crash leaves the database at a whole
// version.
func (s *Store) migrate(ctx context.Context, upTo int) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		if upTo > 0 && m.version > upTo {
			break
		}
		applied := false
		err := s.writeTx(ctx, "migrate", func(tx *txn) error {
			var have int
			if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&have); err != nil {
				return err
			}
			if have >= m.version {
				return nil
			}
			applied = true
			// Unprepared: scripts run once, so they stay out of the statement cache.
			if _, err := tx.Tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("sqlite: migration %s: %w", m.name, err)
			}
			_, err := tx.Tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(m.version))
			return err
		})
		if err != nil {
			return err
		}
		if applied && scrubs[m.version] {
			if err := s.scrub(ctx); err != nil {
				return fmt.Errorf("sqlite: after migration %s: %w", m.name, err)
			}
		}
	}
	var have int
	if err := s.write.QueryRowContext(ctx, "PRAGMA user_version").Scan(&have); err != nil {
		return s.wrap("migrate", err)
	}
	if newest := ms[len(ms)-1].version; have > newest {
		return fmt.Errorf("sqlite: database schema version %d is newer than this build supports (%d)", have, newest)
	}
	return nil
}

// scrubs are the migrations that delete data which must not survive on
// disk (0011: clear-text passwords): after one is applied, scrub runs.
var scrubs = map[int]bool{11: true}

// scrub rewrites the database so that deleted data is gone from the file
// and the WAL: VACUUM rebuilds the file without its free pages (where
// SQLite leaves deleted content), and a TRUNCATE checkpoint empties the
// WAL, which holds the pages the migration changed. It needs free disk
// space about the size of the database, once.
func (s *Store) scrub(ctx context.Context) error {
	if _, err := s.write.ExecContext(ctx, "VACUUM"); err != nil {
		return s.wrap("vacuum", err)
	}
	var busy, logged, moved int
	if err := s.write.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logged, &moved); err != nil {
		return s.wrap("checkpoint", err)
	}
	if busy != 0 {
		return s.wrap("checkpoint", errors.New("the WAL could not be truncated: a reader holds it"))
	}
	return nil
}

// SchemaVersion returns the database's migration version (PRAGMA
// user_version).
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.read.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, s.wrap("schema version", err)
}
