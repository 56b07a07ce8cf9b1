package backend_test

import (
	"math"
	"strconv"
	"testing"

	"github.com/scimkit/scimkit/store/internal/backend"
)

// TestFormatVersion checks the weak entity tags of versions, those kept
// ready-made and the others, and that versions (from 1) parse back.
func TestFormatVersion(t *testing.T) {
	for _, v := range []int64{0, 1, 2, 9, 10, 99, 100, 254, 255, 256, 257, 1000, math.MaxInt64, -1, math.MinInt64} {
		want := `W/"` + strconv.FormatInt(v, 10) + `"`
		if got := backend.FormatVersion(v); got != want {
			t.Errorf("FormatVersion(%d) = %s, want %s", v, got, want)
		}
		if got, ok := backend.ParseVersion(backend.FormatVersion(v)); v > 0 && (!ok || got != v) {
			t.Errorf("ParseVersion(FormatVersion(%d)) = %d, %v", v, got, ok)
		}
	}
}
