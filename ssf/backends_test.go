package ssf_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/scimkit/scimkit/internal/pgtest"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/sqlite"
)

// backends are the stores the transmitter's delivery tests run on
// (PostgreSQL when reachable; SCIMKIT_REQUIRE_POSTGRES=1 makes it
// mandatory).
var backends = []struct {
	name string
	open func(t testing.TB) store.Store
}{
	{"memory", func(t testing.TB) store.Store { return memory.New() }},
	{"sqlite", func(t testing.TB) store.Store {
		s, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(t.TempDir(), "ssf.db")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
	{"postgres", func(t testing.TB) store.Store {
		dsn := pgtest.DSN(t)
		s, err := postgres.Open(context.Background(), postgres.Config{DSN: dsn, Schema: pgtest.Schema(t, dsn), MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
}

func forEachBackend(t *testing.T, f func(t *testing.T, st store.Store)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { f(t, b.open(t)) })
	}
}
