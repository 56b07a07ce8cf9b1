package postgres_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/internal/pgtest"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/storetest"
)

// open opens a store on a fresh schema, closed and dropped when t ends
// (internal/pgtest).
func open(t testing.TB, cfg postgres.Config) *postgres.Store {
	t.Helper()
	return pgtest.Open(t, cfg)
}

func newStore(t *testing.T) store.Store { return open(t, postgres.Config{}) }

func TestStore(t *testing.T) {
	storetest.Run(t, newStore)
}

func TestDeliveries(t *testing.T) { storetest.RunDeliveries(t, newStore) }

func TestTombstones(t *testing.T) { storetest.RunTombstones(t, newStore) }

func diff(t *testing.T, what string, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

func TestEncodedRenders(t *testing.T) { storetest.RunEncodedRenders(t, newStore) }
