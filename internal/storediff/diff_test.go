package storediff

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/scimkit/scimkit/internal/pgtest"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/sqlite"
	"github.com/scimkit/scimkit/store/storetest"
)

// backends opens one store of each backend for t; replays share them,
// each in a tenant of its own.
func backends(t testing.TB) map[string]store.Store {
	t.Helper()
	mem := memory.New()
	t.Cleanup(func() { mem.Close() })
	lite, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(t.TempDir(), "scim.db")})
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { lite.Close() })
	return map[string]store.Store{"memory": mem, "sqlite": lite, "postgres": pgtest.Open(t, postgres.Config{})}
}

// seeds are the seeds of TestDifferential; steps each.
var seeds = []int64{1, 2, 3, 4, 5}

const steps = 200

// TestDifferential runs the generated sequences of several seeds on every
// backend; a failure prints the seed, the step and a minimal list of
// steps (storetest.DiffConfig.Only) that reproduces it.
func TestDifferential(t *testing.T) {
	stores := backends(t)
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			storetest.Differential(t, seed, storetest.DiffConfig{Stores: stores, Steps: steps, Avoid: storetest.KnownDivergences})
		})
	}
}

// FuzzDifferential drives the generator with the fuzzer's bytes.
func FuzzDifferential(f *testing.F) {
	f.Add([]byte("scimkit"))
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31})
	f.Add([]byte("\xff\xfe\x10\x20\x30\x40\x50\x60\x70\x80\x90\xa0\xb0\xc0\xd0\xe0\xf0\x01\x11\x21\x31\x41\x51\x61\x71\x81\x91\xa1"))
	stores := backends(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		storetest.DifferentialBytes(t, data, storetest.DiffConfig{Stores: stores, Steps: 120, Avoid: storetest.KnownDivergences, ShrinkFor: -1})
	})
}
