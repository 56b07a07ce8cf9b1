package postgres_test

import (
	"fmt"
	"testing"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/patch"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/storetest"
)

var benchSizes = []int{1_000, 100_000}

// BenchmarkUserNameEq measures Okta's existence probe, userName eq (with
// a differently cased value), at two tenant sizes: it must not grow with
// the number of users. The tenant is bulk-loaded with the documents Create
// writes.
func BenchmarkUserNameEq(b *testing.B) {
	rt := storetest.UserType()
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			s := open(b, postgres.Config{})
			ctx := b.Context()
			rs := make([]*schema.Resource, n)
			for i := range rs {
				rs[i] = storetest.TypicalUser(i)
			}
			if err := postgres.BulkLoad(ctx, s, "t", rt, rs); err != nil {
				b.Fatal(err)
			}
			i := 0
			for b.Loop() {
				name := rs[i%n].Attrs["userName"].(string)
				e, _ := filter.Parse(fmt.Sprintf(`userName eq %q`, name))
				e, _ = filter.Bind(rt, e)
				page, err := s.List(ctx, "t", rt, store.Query{Filter: e, Count: 100})
				if err != nil || page.TotalResults != 1 {
					b.Fatalf("%v %+v", err, page)
				}
				i += 7919
			}
		})
	}
}

// BenchmarkMemberAddRemove measures one update that adds and one that
// removes a member of a group of n members: cost must not grow with n.
func BenchmarkMemberAddRemove(b *testing.B) {
	gt := storetest.GroupType()
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			s := open(b, postgres.Config{})
			ctx := b.Context()
			g, err := s.Create(ctx, "t", gt, &schema.Resource{Schemas: []string{schema.GroupSchema}, Attrs: map[string]any{"displayName": "All"}})
			if err != nil {
				b.Fatal(err)
			}
			ms := make([]patch.Member, n)
			for i := range ms {
				ms[i] = patch.Member{Value: fmt.Sprintf("m%06d", i), Type: "User"}
			}
			if _, _, err := s.Update(ctx, "t", gt, g.ID, store.Update{Apply: same,
				MemberDeltas: []patch.MemberDelta{{Kind: patch.DeltaAdd, Members: ms}}}); err != nil {
				b.Fatal(err)
			}
			if err := s.Exec(ctx, `ANALYZE {s}.members`); err != nil {
				b.Fatal(err)
			}
			m := []patch.Member{{Value: "new-member"}}
			for b.Loop() {
				for _, kind := range []patch.DeltaKind{patch.DeltaAdd, patch.DeltaRemove} {
					_, ch, err := s.Update(ctx, "t", gt, g.ID, store.Update{Apply: same,
						MemberDeltas: []patch.MemberDelta{{Kind: kind, Members: m}}})
					if err != nil || len(ch.MembersAdded)+len(ch.MembersRemoved) != 1 {
						b.Fatalf("%v %+v", err, ch)
					}
				}
			}
		})
	}
}
