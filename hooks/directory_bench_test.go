package hooks_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// BenchmarkDirectory measures the per-request calls of a gateway on a
// tenant with 10,000 groups and a user who is a member of 20 of them.
func BenchmarkDirectory(b *testing.B) {
	for _, be := range benchBackends {
		b.Run(be.name, func(b *testing.B) {
			st := be.open(b)
			defer st.Close()
			user := seedDirectory(b, st, 10_000, 20)
			d := hooks.NewDirectory(st, userRT, groupRT)
			ctx := context.Background()
			b.Run("UserGroups", func(b *testing.B) {
				for b.Loop() {
					gs, err := d.UserGroups(ctx, "acme", user)
					if err != nil || len(gs) != 20 {
						b.Fatalf("UserGroups = %d groups, %v", len(gs), err)
					}
				}
			})
			b.Run("Active", func(b *testing.B) {
				for b.Loop() {
					if ok, err := d.Active(ctx, "acme", user); err != nil || !ok {
						b.Fatal(ok, err)
					}
				}
			})
			b.Run("SearchGroups", func(b *testing.B) {
				for b.Loop() {
					gs, err := d.SearchGroups(ctx, "acme", "team-01", 20)
					if err != nil || len(gs) != 20 {
						b.Fatalf("SearchGroups = %d groups, %v", len(gs), err)
					}
				}
			})
		})
	}
}

// seedDirectory creates n groups in tenant "acme" and a user who belongs to
// the first k, spread over the name space; the others have one other
// member each. It returns the user's id.
func seedDirectory(b *testing.B, st store.Store, n, k int) string {
	b.Helper()
	ctx := context.Background()
	mk := func(name string) string {
		u, err := st.Create(ctx, "acme", userRT, &schema.Resource{Schemas: []string{schema.UserSchema},
			Attrs: map[string]any{"userName": name, "active": true, "displayName": "User " + name,
				"emails": []any{map[string]any{"value": name + "@example.com", "type": "work", "primary": true}}}})
		if err != nil {
			b.Fatal(err)
		}
		return u.ID
	}
	user, other := mk("alice"), mk("bob")
	for i := range n {
		member := other
		if i%(n/k) == 0 {
			member = user
		}
		_, err := st.Create(ctx, "acme", groupRT, &schema.Resource{Schemas: []string{schema.GroupSchema},
			Attrs: map[string]any{"displayName": fmt.Sprintf("team-%05d", i), "members": []any{map[string]any{"value": member}}}})
		if err != nil {
			b.Fatal(err)
		}
	}
	return user
}
