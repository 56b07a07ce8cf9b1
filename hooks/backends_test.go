package hooks_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/scimkit/scimkit/internal/pgtest"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/sqlite"
)

// deliveryBackend opens stores for the dispatcher tests. open returns a function
// that opens a new Store on one database each time it is called (a
// restart or another replica), closed when the test ends; durable says
// whether that database survives its Stores (false for memory, whose
// opener returns the same Store every time).
type deliveryBackend struct {
	name    string
	durable bool
	open    func(t *testing.T) func() store.Store
}

var quietLog = slog.New(slog.DiscardHandler)

var deliveryBackends = []deliveryBackend{
	{"memory", false, func(t *testing.T) func() store.Store {
		s := memory.New()
		t.Cleanup(func() { s.Close() })
		return func() store.Store { return s }
	}},
	{"sqlite", true, func(t *testing.T) func() store.Store {
		path := filepath.Join(t.TempDir(), "scim.db")
		return func() store.Store {
			s, err := sqlite.Open(context.Background(), sqlite.Config{Path: path})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
	}},
	{"postgres", true, func(t *testing.T) func() store.Store {
		dsn := pgDSN(t)
		schema := pgSchema(t, dsn)
		return func() store.Store {
			s, err := postgres.Open(context.Background(), postgres.Config{DSN: dsn, Schema: schema, MaxConns: 4})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
	}},
}

// pgDSN and pgSchema are internal/pgtest's DSN (skip when unreachable,
// fail with SCIMKIT_REQUIRE_POSTGRES=1) and Schema (fresh, dropped when t
// ends).
func pgDSN(t testing.TB) string { return pgtest.DSN(t) }

func pgSchema(t testing.TB, dsn string) string { return pgtest.Schema(t, dsn) }
