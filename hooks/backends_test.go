package hooks_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	// pgx is imported by this test file only, to drop the per-run
	// PostgreSQL schema (store/postgres offers no way to drop one).
	"github.com/jackc/pgx/v5"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/sqlite"
)

// benchBackends are the stores the benchmarks run on: memory, SQLite in a
// temporary directory, and PostgreSQL on a fresh schema when reachable.
var benchBackends = []struct {
	name string
	open func(tb testing.TB) store.Store
}{
	{"memory", func(tb testing.TB) store.Store { return memory.New() }},
	{"sqlite", func(tb testing.TB) store.Store {
		s, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(tb.TempDir(), "bench.db")})
		if err != nil {
			tb.Fatal(err)
		}
		return s
	}},
	{"postgres", openPostgres},
}

const defaultPostgresDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// openPostgres opens a store on a fresh schema of the database named by
// SCIMKIT_POSTGRES_DSN, dropped when tb ends. It skips when the database
// is not reachable, or fails when SCIMKIT_REQUIRE_POSTGRES=1 (the
// convention of store/postgres's tests).
func openPostgres(tb testing.TB) store.Store {
	tb.Helper()
	dsn := os.Getenv("SCIMKIT_POSTGRES_DSN")
	if dsn == "" {
		dsn = defaultPostgresDSN
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		msg := "PostgreSQL not reachable at " + dsn + ": " + err.Error() + "; set SCIMKIT_POSTGRES_DSN"
		if os.Getenv("SCIMKIT_REQUIRE_POSTGRES") == "1" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	schemaName := "scimkit_hooks_" + hex.EncodeToString(b)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			tb.Errorf("drop schema %s: %v", schemaName, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schemaName}.Sanitize()+` CASCADE`); err != nil {
			tb.Errorf("drop schema %s: %v", schemaName, err)
		}
	})
	s, err := postgres.Open(context.Background(), postgres.Config{DSN: dsn, Schema: schemaName, MaxConns: 8})
	if err != nil {
		tb.Fatalf("postgres.Open: %v", err)
	}
	return s
}
