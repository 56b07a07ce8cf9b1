package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/sqlite"
	"github.com/scimkit/scimkit/store/storetest"
)

func TestSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return newStore(t) })
}

func TestSuiteMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return newMemoryStore(t) })
}

func TestDeliveries(t *testing.T) {
	storetest.RunDeliveries(t, func(t *testing.T) store.Store { return newStore(t) })
}

func TestTombstones(t *testing.T) {
	storetest.RunTombstones(t, func(t *testing.T) store.Store { return newStore(t) })
}

func TestEncodedRenders(t *testing.T) {
	storetest.RunEncodedRenders(t, func(t *testing.T) store.Store { return newStore(t) })
}

func TestRetention(t *testing.T) {
	storetest.RunRetention(t, func(t *testing.T, cfg storetest.RetentionConfig) store.Store {
		s, err := sqlite.Open(t.Context(), sqlite.Config{Path: filepath.Join(t.TempDir(), "scim.db"), Now: cfg.Now, Retention: cfg.Retention})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
