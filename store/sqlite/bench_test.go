package sqlite_test

import (
	"fmt"
	"testing"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/patch"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/storetest"
)

var benchSizes = []int{1_000, 100_000}

// BenchmarkUserNameEq measures Okta's existence probe, userName eq, at
// different tenant sizes: it must not grow with the number of users.
func BenchmarkUserNameEq(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			s := newStore(b)
			ctx := b.Context()
			for i := range n {
				if _, err := s.Create(ctx, "t", users, user(fmt.Sprintf("user%06d@example.com", i))); err != nil {
					b.Fatal(err)
				}
			}
			i := 0
			for b.Loop() {
				e, _ := filter.Parse(fmt.Sprintf(`userName eq "USER%06d@example.com"`, i%n))
				e, _ = filter.Bind(users, e)
				page, err := s.List(ctx, "t", users, store.Query{Filter: e, Count: 100})
				if err != nil || page.TotalResults != 1 {
					b.Fatalf("%v %+v", err, page)
				}
				i += 7919
			}
		})
	}
}

// BenchmarkMemberAddRemove measures one PATCH that adds and one that
// removes a member of a group of n members: cost must not grow with n.
func BenchmarkMemberAddRemove(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			s := newStore(b)
			ctx := b.Context()
			g, err := s.Create(ctx, "t", groups, &schema.Resource{Schemas: []string{schema.GroupSchema}, Attrs: map[string]any{"displayName": "All"}})
			if err != nil {
				b.Fatal(err)
			}
			ms := make([]patch.Member, n)
			for i := range ms {
				ms[i] = patch.Member{Value: fmt.Sprintf("m%06d", i)}
			}
			same := func(cur *schema.Resource) (*schema.Resource, error) { return cur, nil }
			if _, _, err := s.Update(ctx, "t", groups, g.ID, store.Update{Apply: same,
				MemberDeltas: []patch.MemberDelta{{Kind: patch.DeltaAdd, Members: ms}}}); err != nil {
				b.Fatal(err)
			}
			m := []patch.Member{{Value: "new-member"}}
			for b.Loop() {
				for _, kind := range []patch.DeltaKind{patch.DeltaAdd, patch.DeltaRemove} {
					_, ch, err := s.Update(ctx, "t", groups, g.ID, store.Update{Apply: same,
						MemberDeltas: []patch.MemberDelta{{Kind: kind, Members: m}}})
					if err != nil || len(ch.MembersAdded)+len(ch.MembersRemoved) != 1 {
						b.Fatalf("%v %+v", err, ch)
					}
				}
			}
		})
	}
}

// BenchmarkStoretest runs the shared store benchmarks (storetest.Bench).
func BenchmarkStoretest(b *testing.B) {
	storetest.Bench(b, newStore)
}
