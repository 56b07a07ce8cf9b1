package store_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
)

// A store is used the same way whatever the backend: create, a
// read-modify-write guarded by If-Match, a filtered list, and the
// sentinel errors a caller maps to HTTP statuses.
func Example() {
	ctx := context.Background()
	var st store.Store = memory.New() // or sqlite.Open, postgres.Open
	defer st.Close()
	users := schema.UserResourceType()

	u, err := st.Create(ctx, "acme", users, &schema.Resource{
		Schemas: []string{schema.UserSchema},
		Attrs:   map[string]any{"userName": "bjensen@example.com", "active": true},
	})
	if err != nil {
		panic(err)
	}

	// Apply runs inside the store's transaction and may run more than
	// once; it returns the new state and never modifies cur.
	deactivate := store.Update{
		IfMatch: u.Meta.Version,
		Apply: func(cur *schema.Resource) (*schema.Resource, error) {
			next := cur.Clone()
			next.Attrs["active"] = false
			return next, nil
		},
	}
	u2, _, err := st.Update(ctx, "acme", users, u.ID, deactivate)
	fmt.Println(u.Meta.Version, "->", u2.Meta.Version, err)

	// The same If-Match again is stale now: someone else (we) wrote first.
	_, _, err = st.Update(ctx, "acme", users, u.ID, deactivate)
	fmt.Println("stale If-Match:", errors.Is(err, store.ErrPrecondition))

	// userName is unique in the tenant, compared case-insensitively.
	_, err = st.Create(ctx, "acme", users, &schema.Resource{
		Schemas: []string{schema.UserSchema},
		Attrs:   map[string]any{"userName": "BJensen@example.com"},
	})
	var conflict *store.ConflictError
	fmt.Println("duplicate:", errors.Is(err, store.ErrConflict), errors.As(err, &conflict) && conflict.Attr == "userName")

	// Filters are parsed, bound to the resource type, then listed.
	f, _ := filter.Parse(`userName eq "BJENSEN@example.com" and active eq false`)
	f, _ = filter.Bind(users, f)
	page, err := st.List(ctx, "acme", users, store.Query{Filter: f, Count: 10})
	fmt.Println("found:", page.TotalResults, err)

	// Tenants are isolated: another tenant sees nothing.
	page, _ = st.List(ctx, "globex", users, store.Query{Filter: f, Count: 10})
	fmt.Println("other tenant:", page.TotalResults)
	// Output:
	// W/"1" -> W/"2" <nil>
	// stale If-Match: true
	// duplicate: true true
	// found: 1 <nil>
	// other tenant: 0
}
