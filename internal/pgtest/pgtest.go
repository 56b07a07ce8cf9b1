package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scimkit/store/postgres"
)

// DefaultDSN is the test database used when SCIMKIT_POSTGRES_DSN is unset.
const DefaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// probes caches, per DSN, the outcome of connecting (one probe per test
// binary, not per test).
var probes sync.Map // dsn → probe

type probe struct{ err error }

// DSN returns the DSN of the test database: SCIMKIT_POSTGRES_DSN, else
// DefaultDSN. When the server does not answer, it skips t, or fails it
// when SCIMKIT_REQUIRE_POSTGRES=1, with a message saying how to point the
// tests at a database.
func DSN(t testing.TB) string {
	t.Helper()
	d := os.Getenv("SCIMKIT_POSTGRES_DSN")
	if d == "" {
		d = DefaultDSN
	}
	v, ok := probes.Load(d)
	if !ok {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		v = probe{postgres.Ping(ctx, d)}
		cancel()
		probes.Store(d, v)
	}
	if err := v.(probe).err; err != nil {
		msg := "PostgreSQL not reachable at " + d + ": " + err.Error() +
			"; set SCIMKIT_POSTGRES_DSN to a database the tests may create schemas in"
		if os.Getenv("SCIMKIT_REQUIRE_POSTGRES") == "1" {
			t.Fatal(msg + " (SCIMKIT_REQUIRE_POSTGRES=1)")
		}
		t.Skip(msg + " (set SCIMKIT_REQUIRE_POSTGRES=1 to fail instead)")
	}
	return d
}

// Schema returns a fresh schema name, "scimkit_test_<random>", dropped
// (with everything in it) when t ends. Use it to open several stores on
// one schema; Open does it for one store.
func Schema(t testing.TB, dsn string) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	name := "scimkit_test_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := postgres.DropSchema(ctx, dsn, name); err != nil {
			t.Errorf("drop test schema: %v", err)
		}
	})
	return name
}

// Open opens a store for t with cfg, filling in the test DSN when
// cfg.DSN is empty, a fresh schema (dropped when t ends) when cfg.Schema
// is empty, and MaxConns 4 when zero, so parallel tests share the server's
// connections. The store is closed when t ends, before its schema is
// dropped.
func Open(t testing.TB, cfg postgres.Config) *postgres.Store {
	t.Helper()
	if cfg.DSN == "" {
		cfg.DSN = DSN(t)
	}
	if cfg.Schema == "" {
		cfg.Schema = Schema(t, cfg.DSN)
	}
	if cfg.MaxConns == 0 {
		cfg.MaxConns = 4
	}
	s, err := postgres.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("postgres.Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
