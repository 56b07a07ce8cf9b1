package storediff

import (
	"fmt"
	"slices"
	"testing"

	"github.com/scimkit/scimkit/store/storetest"
)

func TestTmpEach(t *testing.T) {
	stores := backends(t)
	for _, d := range storetest.KnownDivergences {
		avoid := slices.DeleteFunc(slices.Clone(storetest.KnownDivergences), func(x storetest.Divergence) bool { return x == d })
		for seed := int64(1); seed <= 4; seed++ {
			t.Run(fmt.Sprintf("%s/%d", d, seed), func(t *testing.T) {
				storetest.Differential(t, seed, storetest.DiffConfig{Stores: stores, Steps: 200, Avoid: avoid, ShrinkFor: 5e9})
			})
		}
	}
}
