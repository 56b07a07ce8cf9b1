package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one numbered file of migrations/: NNNN_name.sql.
type migration struct {
	version int
	name    string
	sql     string
	// indexes is set for an index migration (concurrentMarker): the
	// indexes it builds, which an upgrade builds CONCURRENTLY.
	indexes []indexDef
}

// concurrentMarker, starting its first line, makes a migration an index
// migration: its statements must all be CREATE [UNIQUE] INDEX name ON
// table (...), each ending with ";". On a schema that has no migration
// applied yet they run in the migration transaction like any other (no
// writer can be using the tables); on an upgrade each is built with
// CREATE INDEX CONCURRENTLY, outside any transaction, so the writers of
// the table do not wait for the build.
const concurrentMarker = "-- scimkit:concurrent-indexes"

// indexDef is one index of an index migration.
type indexDef struct {
	name string // unqualified, in the store's schema
	sql  string // CREATE [UNIQUE] INDEX name ON table ..., without CONCURRENTLY
}

var indexRE = regexp.MustCompile(`(?is)^CREATE\s+(UNIQUE\s+)?INDEX\s+([a-z_][a-z0-9_]*)\s+ON\s+(.+)$`)

// parseIndexes returns the indexes of an index migration's SQL (comments
// dropped, statements ending with ";"), or an error naming what is not a
// plain CREATE INDEX.
func parseIndexes(sql string) ([]indexDef, error) {
	var body strings.Builder
	for line := range strings.Lines(sql) {
		if code, _, _ := strings.Cut(line, "--"); strings.TrimSpace(code) != "" {
			body.WriteString(code)
		}
	}
	var out []indexDef
	for stmt := range strings.SplitSeq(body.String(), ";") {
		stmt = strings.TrimSpace(stmt)
		if stmt == "" {
			continue
		}
		m := indexRE.FindStringSubmatch(stmt)
		if m == nil {
			return nil, fmt.Errorf("not a CREATE INDEX name ON table statement: %.60q", stmt)
		}
		out = append(out, indexDef{name: m[2], sql: stmt})
	}
	if len(out) == 0 {
		return nil, errors.New("no CREATE INDEX statement")
	}
	return out, nil
}

// concurrently returns the statement that builds ix without blocking the
// table's writers.
func (ix indexDef) concurrently() string {
	m := indexRE.FindStringSubmatch(ix.sql)
	return "CREATE " + m[1] + "INDEX CONCURRENTLY " + m[2] + " ON " + m[3]
}

// migrations returns the embedded migrations in version order.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, n := range names {
		base := path.Base(n)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("postgres: migration %s: name must be NNNN_name.sql", base)
		}
		b, err := migrationFS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		m := migration{version: v, name: base, sql: string(b)}
		if strings.HasPrefix(m.sql, concurrentMarker) {
			if m.indexes, err = parseIndexes(m.sql); err != nil {
				return nil, fmt.Errorf("postgres: migration %s: %w", base, err)
			}
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("postgres: migrations %s and %s share a version", out[i-1].name, out[i].name)
		}
	}
	return out, nil
}

// migrate creates the schema if needed and applies the migrations not yet
// recorded in schema_migrations, on a connection of its own holding an
// advisory lock derived from the schema name: concurrent Opens (replicas
// starting together) wait for each other, and the later ones find nothing
// left to do. A fresh schema gets every migration in one transaction. On
// an upgrade, the pending migrations run in transactions, except index
// migrations (concurrentMarker), whose indexes are built concurrently
// between them; a build that failed (a cancelled Open, a crash, a
// deadlock) leaves the migration unrecorded and an invalid index, which
// the next Open drops and builds again. A concurrent build waits for the
// transactions that were running when it started, in the whole database,
// but no writer waits for it.
func (s *Store) migrate(ctx context.Context) error {
	return s.migrateTo(ctx, math.MaxInt)
}

// migrateTo is migrate applying only the migrations up to version (tests
// build the schema of an older release with it).
func (s *Store) migrateTo(ctx context.Context, version int) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	// DDL may wait for locks held by running replicas: no statement
	// timeout, on the server nor on the client.
	ctx = unbounded(ctx)
	pc, err := s.pool.Acquire(ctx)
	if err != nil {
		return mapErr("migrate", err)
	}
	// The session settings and lock below end with the connection.
	conn := pc.Hijack()
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `SET statement_timeout = 0`); err != nil {
		return mapErr("migrate", err)
	}
	if err := lockMigrations(ctx, conn, s.cfg.Schema); err != nil {
		return mapErr("migrate", err)
	}
	ident := pgx.Identifier{s.cfg.Schema}.Sanitize()
	for _, q := range []string{`CREATE SCHEMA IF NOT EXISTS ` + ident, `SET search_path = ` + ident,
		`CREATE TABLE IF NOT EXISTS schema_migrations (
			version    integer     PRIMARY KEY,
			name       text        NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now())`} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return mapErr("migrate", err)
		}
	}
	applied, err := appliedVersions(ctx, conn)
	if err != nil {
		return mapErr("migrate", err)
	}
	fresh := len(applied) == 0
	var pending []migration
	for _, m := range ms {
		if !applied[m.version] && m.version <= version {
			pending = append(pending, m)
		}
	}
	for len(pending) > 0 {
		if !fresh && pending[0].indexes != nil {
			if err := buildConcurrently(ctx, conn, s.cfg.Schema, pending[0]); err != nil {
				return fmt.Errorf("postgres: migration %s: %w", pending[0].name, mapErr("migrate", err))
			}
			pending = pending[1:]
			continue
		}
		n := 1
		for n < len(pending) && (fresh || pending[n].indexes == nil) {
			n++
		}
		if err := s.retry(ctx, "migrate", func() error {
			return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error { return applyAll(ctx, tx, pending[:n]) })
		}); err != nil {
			return err
		}
		pending = pending[n:]
	}
	return nil
}

// lockMigrations takes the schema's migration lock for the session of
// conn. A waiting Open polls rather than blocks in a statement: a
// blocked statement keeps a snapshot, which a concurrent index build run
// by the lock's holder would wait for (a deadlock).
func lockMigrations(ctx context.Context, conn *pgx.Conn, schema string) error {
	for pause := 5 * time.Millisecond; ; pause = min(2*pause, 500*time.Millisecond) {
		var ok bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtextextended('scimkit.migrate:' || $1, 0))`,
			schema).Scan(&ok); err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
	}
}

// applyAll applies ms in tx and records them.
func applyAll(ctx context.Context, tx pgx.Tx, ms []migration) error {
	for _, m := range ms {
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
			return err
		}
	}
	return nil
}

// buildConcurrently applies the index migration m on an upgrade: each
// index is built with CREATE INDEX CONCURRENTLY, outside a transaction; an
// index of that name left invalid by an earlier failed build is dropped
// first, and a valid one is kept. m is recorded once every index is
// valid.
func buildConcurrently(ctx context.Context, conn *pgx.Conn, schema string, m migration) error {
	for _, ix := range m.indexes {
		var valid bool
		err := conn.QueryRow(ctx, `SELECT i.indisvalid FROM pg_index i
			JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = $1 AND c.relname = $2`, schema, ix.name).Scan(&valid)
		switch {
		case err == nil && valid:
			continue
		case err == nil:
			if _, err := conn.Exec(ctx, `DROP INDEX CONCURRENTLY IF EXISTS `+ix.name); err != nil {
				return err
			}
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		if _, err := conn.Exec(ctx, ix.concurrently()); err != nil {
			return err
		}
	}
	_, err := conn.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name)
	return err
}

func appliedVersions(ctx context.Context, conn *pgx.Conn) (map[int]bool, error) {
	rows, err := conn.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	vs, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return nil, err
	}
	out := make(map[int]bool, len(vs))
	for _, v := range vs {
		out[int(v)] = true
	}
	return out, nil
}

// checkMigrated verifies, for Config.SkipMigrations, that every embedded
// migration has been applied to the schema.
func (s *Store) checkMigrated(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	var n int
	err = s.pool.QueryRow(ctx, s.q(`SELECT count(*) FROM {s}.schema_migrations WHERE version = ANY($1)`),
		versions(ms)).Scan(&n)
	if err != nil {
		return mapErr("check migrations", err)
	}
	if n != len(ms) {
		return fmt.Errorf("postgres: schema %q lacks %d of %d migrations; open once without SkipMigrations", s.cfg.Schema, len(ms)-n, len(ms))
	}
	return nil
}

func versions(ms []migration) []int32 {
	out := make([]int32, len(ms))
	for i, m := range ms {
		out[i] = int32(m.version)
	}
	return out
}
