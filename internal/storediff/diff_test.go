package storediff

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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

// Flags to reproduce a reported mismatch, or to run more seeds:
//
//	go test ./internal/storediff -run TestDifferential -storediff.seed 12 -storediff.steps 300 -storediff.only 285,290,292
var (
	seedFlag  = flag.Int64("storediff.seed", 0, "run only this seed (0: the default seeds)")
	seedsFlag = flag.Int("storediff.seeds", 0, "run this many seeds from -storediff.seed (or 1) on")
	stepsFlag = flag.Int("storediff.steps", steps, "steps per seed")
	onlyFlag  = flag.String("storediff.only", "", "comma-separated step indexes to replay (a reported minimal sequence)")
	avoidFlag = flag.String("storediff.avoid", "known", `divergences to steer around: "known" (storetest.KnownDivergences), "none", or a comma-separated list`)
)

// TestDifferential runs the generated sequences of several seeds on every
// backend; a failure prints the seed, the step and a minimal list of
// steps (storetest.DiffConfig.Only) that reproduces it.
func TestDifferential(t *testing.T) {
	cfg := storetest.DiffConfig{Stores: backends(t), Steps: *stepsFlag, Avoid: avoidList(t)}
	for _, s := range strings.Split(*onlyFlag, ",") {
		if s == "" {
			continue
		}
		i, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			t.Fatalf("-storediff.only: %v", err)
		}
		cfg.Only = append(cfg.Only, i)
	}
	run := seeds
	if *seedFlag != 0 || *seedsFlag != 0 {
		run = nil
		for i := range max(*seedsFlag, 1) {
			run = append(run, max(*seedFlag, 1)+int64(i))
		}
	}
	for _, seed := range run {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			storetest.Differential(t, seed, cfg)
			if t.Failed() {
				t.Logf("rerun: go test ./internal/storediff -run 'TestDifferential/seed=%d$' -storediff.seed %d -storediff.steps %d -storediff.only <the indexes above>", seed, seed, cfg.Steps)
			}
		})
	}
}

func avoidList(t *testing.T) []storetest.Divergence {
	switch *avoidFlag {
	case "known":
		return storetest.KnownDivergences
	case "none", "":
		return nil
	}
	var out []storetest.Divergence
	for _, d := range strings.Split(*avoidFlag, ",") {
		if !slices.Contains(storetest.KnownDivergences, storetest.Divergence(d)) {
			t.Fatalf("-storediff.avoid: unknown divergence %q", d)
		}
		out = append(out, storetest.Divergence(d))
	}
	return out
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
