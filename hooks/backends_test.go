package hooks_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

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

// pgDSN returns the DSN of the test database, skipping the test when
// it is not reachable, or failing it when SCIMKIT_REQUIRE_POSTGRES=1 (the
// convention of store/postgres's tests).
func pgDSN(t testing.TB) string {
	t.Helper()
	d := os.Getenv("SCIMKIT_POSTGRES_DSN")
	if d == "" {
		d = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, d)
	if err == nil {
		conn.Close(ctx)
		return d
	}
	msg := "PostgreSQL not reachable at " + d + ": " + err.Error() + "; set SCIMKIT_POSTGRES_DSN"
	if os.Getenv("SCIMKIT_REQUIRE_POSTGRES") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// pgSchema returns a fresh schema name, dropped when t ends.
func pgSchema(t testing.TB, dsn string) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	name := "scimkit_hooks_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Errorf("drop schema %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{name}.Sanitize()+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
	})
	return name
}
