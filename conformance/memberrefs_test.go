package conformance_test

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/scimkit/scimkit/conformance"
	"github.com/scimkit/scimkit/internal/pgtest"
	"github.com/scimkit/scimkit/patch"
	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/sqlite"
)

// TestDanglingMemberCases runs the membership reference cases against the
// reference handler on every store, in the default dialect (dangling
// members left out) and the strict one (refused with 400 invalidValue):
// all pass.
func TestDanglingMemberCases(t *testing.T) {
	stores := map[string]func(t *testing.T) store.Store{
		"memory": func(*testing.T) store.Store { return memory.New() },
		"sqlite": func(t *testing.T) store.Store {
			st, err := sqlite.Open(t.Context(), sqlite.Config{Path: filepath.Join(t.TempDir(), "scim.db")})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		},
		"postgres": func(t *testing.T) store.Store { return pgtest.Open(t, postgres.Config{}) },
	}
	for _, tc := range []struct {
		name    string
		dialect patch.Dialect
	}{{"default", patch.DialectDefault}, {"strict", patch.DialectStrict}} {
		for _, be := range []string{"memory", "sqlite", "postgres"} {
			t.Run(tc.name+"/"+be, func(t *testing.T) {
				danglingCases(t, stores[be](t), tc.dialect)
			})
		}
	}
}

// danglingCases runs the dangling-member cases on st in dialect; each
// must pass.
func danglingCases(t *testing.T, st store.Store, dialect patch.Dialect) {
	tg := target(serve(t, scim.Config{Store: st, Defaults: scim.TenantConfig{Dialect: dialect}}, nil))
	tg.Run = regexp.MustCompile(`dangling`)
	report := conformance.Run(t, tg)
	n := 0
	for _, r := range report.Results {
		if strings.Contains(r.ID, "dangling") {
			n++
			if r.Status != conformance.StatusPass {
				t.Errorf("%s: %s: %s", r.ID, r.Status, r.Detail)
			}
		}
	}
	if n != 3 {
		t.Errorf("%d dangling-member cases ran, want 3", n)
	}
	checkNoLeftovers(t, st)
}
