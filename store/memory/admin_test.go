package memory_test

import (
	"testing"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
	"github.com/scimkit/scimkit/store/storetest"
)

func TestAdmin(t *testing.T) {
	storetest.RunAdmin(t, func(t *testing.T) store.Store { return newStore(t) })
}

// TestProvisioningLogSize: the log keeps the newest entries, at least
// ProvisioningLogSize and at most a quarter more, in order; a negative size
// keeps none.
func TestProvisioningLogSize(t *testing.T) {
	for _, tc := range []struct{ size, appends, wantMin, wantMax int }{
		{8, 100, 8, 10}, {8, 5, 5, 5}, {-1, 10, 0, 0}, {1, 7, 1, 1},
	} {
		s := memory.New(memory.Config{ProvisioningLogSize: tc.size})
		var last int64
		for i := range tc.appends {
			seq, err := s.Append(t.Context(), store.ProvisioningEntry{Tenant: "t", Method: "POST", Status: 201 + i%2})
			if err != nil {
				t.Fatal(err)
			}
			last = seq
		}
		p, err := s.Query(t.Context(), store.ProvisioningFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		n := len(p.Entries)
		if n < tc.wantMin || n > tc.wantMax {
			t.Errorf("size %d, %d appends: %d entries kept, want %d..%d", tc.size, tc.appends, n, tc.wantMin, tc.wantMax)
			continue
		}
		for i, e := range p.Entries { // newest first
			if want := last - int64(i); e.Seq != want {
				t.Errorf("size %d: entry %d has seq %d, want %d", tc.size, i, e.Seq, want)
			}
		}
	}
}
