package conformance_test

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/scimkit/scimkit/conformance"
	"github.com/scimkit/scimkit/patch"
	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store/memory"
)

// TestGradeSettingsHold checks the dialect a grade says an IdP needs
// against the server: each shipped replay passes on a DialectStrict
// tenant exactly when its grade does not ask for a lenient dialect (and it
// passes on every lenient one, which TestConformance* run).
func TestGradeSettingsHold(t *testing.T) {
	srv := serve(t, scim.Config{Store: memory.New(), Defaults: scim.TenantConfig{Dialect: patch.DialectStrict}}, nil)
	files := conformance.ShippedReplays()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			g := conformance.GradeReplay(files[name])
			lenient := slices.ContainsFunc(g.Settings, func(s string) bool { return strings.HasPrefix(s, "Dialect:") })
			rep := conformance.Replay(t.Context(), target(srv), files[name])
			if rep.Failed() != lenient {
				var diffs []string
				for _, s := range rep.Steps {
					for _, d := range s.Differences {
						diffs = append(diffs, s.Name+": "+d)
					}
				}
				t.Errorf("grade settings %q, but the replay on a strict tenant failed=%v %s\n%s", g.Settings, rep.Failed(), rep.Error, strings.Join(diffs, "\n"))
			}
		})
	}
}
