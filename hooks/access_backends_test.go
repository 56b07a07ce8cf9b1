package hooks_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/sqlite"
)

// benchBackends are the stores the access benchmarks run on: memory,
// SQLite in a temporary directory, and PostgreSQL on a fresh schema when
// reachable (pgDSN's skip convention).
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
	{"postgres", func(tb testing.TB) store.Store {
		dsn := pgDSN(tb)
		s, err := postgres.Open(context.Background(), postgres.Config{DSN: dsn, Schema: pgSchema(tb, dsn), MaxConns: 8})
		if err != nil {
			tb.Fatalf("postgres.Open: %v", err)
		}
		return s
	}},
}
