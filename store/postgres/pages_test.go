package postgres_test

import (
	"fmt"
	"testing"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/storetest"
)

// TestDeepPages: creation-order pages past the deep-offset threshold
// (counted from the end of the index when past the middle) are the
// matching slices of the whole order, with the exact total kept by the
// counts triggers through COPY, creates and deletes.
func TestDeepPages(t *testing.T) {
	s := open(t, postgres.Config{})
	ctx := t.Context()
	ut := storetest.UserType()
	rs := make([]*schema.Resource, 2600)
	for i := range rs {
		rs[i] = storetest.TypicalUser(i)
	}
	ids, err := postgres.BulkLoad(ctx, s, "t", ut, rs)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 1500, 2599} {
		if err := s.Delete(ctx, "t", ut, ids[i], ""); err != nil {
			t.Fatal(err)
		}
	}
	ids = append(append([]string{}, ids[1:1500]...), ids[1501:2599]...)
	u, err := s.Create(ctx, "t", ut, storetest.TypicalUser(5000))
	if err != nil {
		t.Fatal(err)
	}
	ids = append(ids, u.ID)
	n := len(ids)
	for _, start := range []int{1000, 1001, 1299, 1300, 1301, 1302, 2000, 2500, n - 1, n, n + 1, n + 50} {
		for _, count := range []int{1, 7, 100} {
			p, err := s.List(ctx, "t", ut, store.Query{StartIndex: start, Count: count, Read: store.ReadOptions{OmitGroups: true}})
			if err != nil {
				t.Fatal(err)
			}
			want := ids[min(start-1, n):min(start-1+count, n)]
			var got []string
			for _, r := range p.Resources {
				got = append(got, r.ID)
			}
			if p.TotalResults != n {
				t.Errorf("start %d count %d: total %d, want %d", start, count, p.TotalResults, n)
			}
			diff(t, fmt.Sprintf("start %d count %d", start, count), fmt.Sprint(want), fmt.Sprint(got))
		}
	}
}
