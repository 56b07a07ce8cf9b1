package e2e

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/scimkit/scimkit/internal/pgtest"
	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/sqlite"
)

// Backend is a store the suite runs the server on.
type Backend struct {
	// Name names the backend in subtest names: "memory", "sqlite",
	// "postgres".
	Name string
	// Disk is true for the backends that persist through a database; the
	// load cases run on them at a smaller size.
	Disk bool
	// Open returns a fresh, empty store for t, closed (and, for
	// PostgreSQL, its schema dropped) when t ends. It skips t when the
	// backend is unavailable (see internal/pgtest).
	Open func(t testing.TB) store.Store
}

// Memory is store/memory, the reference backend.
var Memory = Backend{Name: "memory", Open: func(t testing.TB) store.Store {
	s := memory.New()
	t.Cleanup(func() { s.Close() })
	return s
}}

// SQLite is store/sqlite on a file in t.TempDir().
var SQLite = Backend{Name: "sqlite", Disk: true, Open: func(t testing.TB) store.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(t.TempDir(), "scim.db")})
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}}

// PostgreSQL is store/postgres in a fresh schema of the test database
// (internal/pgtest: SCIMKIT_POSTGRES_DSN; skipped when unreachable unless
// SCIMKIT_REQUIRE_POSTGRES=1).
var PostgreSQL = Backend{Name: "postgres", Disk: true, Open: func(t testing.TB) store.Store {
	t.Helper()
	return pgtest.Open(t, postgres.Config{})
}}

// Backends are the backends every test of the suite runs on.
var Backends = []Backend{Memory, SQLite, PostgreSQL}

// Start runs a fresh server on a fresh store of b until the test ends;
// adjust may change the scim.Config (Store, Authenticator and Prefix are
// set first).
func (b Backend) Start(t testing.TB, adjust ...func(*scim.Config)) *Server {
	t.Helper()
	return start(t, b.Open(t), adjust)
}

// Each runs f as the subtest b.Name for every backend of Backends, the
// backends in parallel with each other (each has its own server and
// store; PostgreSQL's round trips overlap the others' CPU work).
func Each(t *testing.T, f func(t *testing.T, b Backend)) {
	t.Helper()
	for _, b := range Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			f(t, b)
		})
	}
}
