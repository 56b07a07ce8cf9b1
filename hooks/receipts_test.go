package hooks_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/hooks"
)

func TestMemoryReceipts(t *testing.T) {
	ctx := t.Context()
	m := hooks.NewMemoryReceipts(3)
	t0 := time.Unix(1700000000, 0).UTC()
	rc := func(ev, user string, attempts int) hooks.Receipt {
		return hooks.Receipt{EventID: ev, Tenant: "acme", UserID: user, Reason: "deactivated", Requested: t0, Attempts: attempts}
	}
	steps := []struct {
		record hooks.Receipt
		user   string
		want   []hooks.Receipt
	}{
		{rc("e1", "u1", 1), "u1", []hooks.Receipt{rc("e1", "u1", 1)}},
		{rc("e1", "u1", 2), "u1", []hooks.Receipt{rc("e1", "u1", 2)}}, // same event: replaced
		{rc("e2", "u1", 1), "u1", []hooks.Receipt{rc("e1", "u1", 2), rc("e2", "u1", 1)}},
		{rc("e3", "u2", 1), "u2", []hooks.Receipt{rc("e3", "u2", 1)}},
		{rc("e4", "u2", 1), "u1", []hooks.Receipt{rc("e2", "u1", 1)}}, // limit 3: e1 evicted
		{rc("e5", "u3", 1), "u1", nil},
		{rc("e5", "u3", 1), "u2", []hooks.Receipt{rc("e3", "u2", 1), rc("e4", "u2", 1)}},
	}
	for i, s := range steps {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if err := m.Record(ctx, s.record); err != nil {
				t.Fatal(err)
			}
			got, err := m.Receipts(ctx, "acme", s.user)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(s.want, got); diff != "" {
				t.Errorf("Receipts(%s) (-want +got):\n%s", s.user, diff)
			}
		})
	}
	if got, _ := m.Receipts(ctx, "other", "u2"); len(got) != 0 {
		t.Errorf("another tenant sees %v", got)
	}
}

func TestMemoryReceiptsConcurrent(t *testing.T) {
	m := hooks.NewMemoryReceipts(500)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 200 {
				r := hooks.Receipt{EventID: fmt.Sprint(w, "-", i), Tenant: "t", UserID: fmt.Sprint("u", i%10), Attempts: 1}
				if err := m.Record(t.Context(), r); err != nil {
					t.Error(err)
				}
				if _, err := m.Receipts(t.Context(), "t", r.UserID); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	total := 0
	for i := range 10 {
		rs, _ := m.Receipts(t.Context(), "t", fmt.Sprint("u", i))
		total += len(rs)
	}
	if total != 500 {
		t.Errorf("%d receipts kept, want the limit 500", total)
	}
}
