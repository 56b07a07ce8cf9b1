package conformance_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/conformance"
)

// lostInRecording are the quirks a provisioning log cannot show: Record
// removes passwords from the bodies it writes.
var lostInRecording = map[string]bool{"Q-OKTA-PASSWORD": true}

// TestGradeRecording grades a tenant's provisioning log: the reference
// server is driven by each shipped replay, its log exported by Record (as
// "examples/server record" does), and the export graded. It must name the
// same quirks as the shipped replay, except those a log cannot keep.
func TestGradeRecording(t *testing.T) {
	for _, name := range shippedNames() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			orig := conformance.ShippedReplays()[name]
			var want []string
			for _, id := range conformance.GradeReplay(orig).QuirkIDs() {
				if !lostInRecording[id] {
					want = append(want, id)
				}
			}
			rec := recordFixture(t, orig)
			g := conformance.GradeReplay(rec)
			if d := cmp.Diff(want, g.QuirkIDs()); d != "" {
				t.Errorf("quirks of the recording (-shipped replay +recording):\n%s", d)
			}
		})
	}
}
