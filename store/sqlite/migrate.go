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

// loadMigrations returns the embedded migrations in version order. Their
// numbers must be 1, 2, 3, … without a gap: a database records only the
// highest number applied (PRAGMA user_version), so a migration numbered
// below one a database already has would be skipped for good, and
// branches that reserved ranges of numbers could skip each other's.
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
		if m.version != i+1 {
			return nil, fmt.Errorf("sqlite: migration %s: number must be %d (migrations are numbered 1, 2, 3, … without gaps or repeats)", m.name, i+1)
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
		err := s.writeTx(ctx, "migrate", func(tx *txn) error {
			var have int
			if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&have); err != nil {
				return err
			}
			if have >= m.version {
				return nil
			}
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
	}
	if err := s.scrubIfPending(ctx); err != nil {
		return err
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

// scrubIfPending runs scrub when a migration that deleted data which must
// not survive on disk (0011: clear-text passwords) left a row in
// scrub_pending, and removes the rows once it succeeded: a crash or a
// failure in between (VACUUM needs free disk space) makes the next Open
// try again instead of leaving the data in free pages and the WAL.
func (s *Store) scrubIfPending(ctx context.Context) error {
	var pending int
	err := s.write.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'scrub_pending'`).Scan(&pending)
	if err == nil && pending > 0 {
		err = s.write.QueryRowContext(ctx, `SELECT count(*) FROM scrub_pending`).Scan(&pending)
	}
	if err != nil {
		return s.wrap("migrate", err)
	}
	if pending == 0 {
		return nil
	}
	if err := s.scrub(ctx); err != nil {
		return fmt.Errorf("sqlite: removing deleted data from the file and the WAL (retried at the next Open): %w", err)
	}
	return s.writeTx(ctx, "migrate", func(tx *txn) error {
		_, err := tx.Tx.ExecContext(ctx, `DELETE FROM scrub_pending`)
		return err
	})
}

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
