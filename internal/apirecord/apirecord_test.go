package apirecord

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite api/scimkit.txt from the source")

const recordPath = "../../api/scimkit.txt"

// TestAPI fails when the exported API differs from the checked-in record:
// an exported change must be deliberate (go test ./internal/apirecord
// -update, then commit the record with the change).
func TestAPI(t *testing.T) {
	lines, err := Generate("../..")
	if err != nil {
		t.Fatal(err)
	}
	counts := Counts(lines)
	pkgs := make([]string, 0, len(counts))
	for p := range counts {
		pkgs = append(pkgs, p)
	}
	slices.Sort(pkgs)
	for _, p := range pkgs {
		t.Logf("%-24s %4d exported identifiers", p, counts[p])
	}
	got := strings.Join(lines, "\n") + "\n"
	if *update {
		if err := os.MkdirAll(filepath.Dir(recordPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(recordPath, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(recordPath)
	if err != nil {
		t.Fatalf("%v (create it with: go test ./internal/apirecord -update)", err)
	}
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(got, "\n")); diff != "" {
		t.Errorf("the exported API differs from api/scimkit.txt (-recorded +source).\n"+
			"If the change is deliberate, run: go test ./internal/apirecord -update (and add a CHANGELOG entry)\n%s", diff)
	}
}
