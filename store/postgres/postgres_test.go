package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/storetest"
)

const defaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// dsn returns the DSN of the test database, skipping the test when it is
// not reachable (or failing it when SCIMKIT_REQUIRE_POSTGRES=1, as CI sets).
func dsn(t testing.TB) string {
	t.Helper()
	d := os.Getenv("SCIMKIT_POSTGRES_DSN")
	if d == "" {
		d = defaultDSN
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

// testSchema returns a fresh schema name and drops it when t ends.
func testSchema(t testing.TB, d string) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	name := "scimkit_test_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, d)
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

// open opens a store on a fresh schema, closed and dropped when t ends.
func open(t testing.TB, cfg postgres.Config) *postgres.Store {
	t.Helper()
	if cfg.DSN == "" {
		cfg.DSN = dsn(t)
	}
	if cfg.Schema == "" {
		cfg.Schema = testSchema(t, cfg.DSN)
	}
	if cfg.MaxConns == 0 {
		cfg.MaxConns = 4
	}
	s, err := postgres.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newStore(t *testing.T) store.Store { return open(t, postgres.Config{}) }

func TestStore(t *testing.T) {
	storetest.Run(t, newStore)
}

func TestDeliveries(t *testing.T) { storetest.RunDeliveries(t, newStore) }

func diff(t *testing.T, what string, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}
