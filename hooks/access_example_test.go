package hooks_test

import (
	"context"
	"fmt"

	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
)

// ExampleAccess wires the access features to a gateway's session store.
// In a gateway the Access is registered with a Dispatcher, which delivers
// the store's events; here they are handed over directly.
func ExampleAccess() {
	ctx := context.Background()
	st := memory.New()
	defer st.Close()
	users, groups := schema.UserResourceType(), schema.GroupResourceType()
	dir := hooks.NewDirectory(st, users, groups)
	access, _ := hooks.NewAccess(hooks.AccessConfig{
		Directory: dir,
		Revoker: hooks.RevokerFunc(func(ctx context.Context, r hooks.Revocation) error {
			fmt.Println("revoke sessions of", r.ExternalID, "because", r.Reason)
			return nil // idempotent: deleting deleted sessions is fine
		}),
		Reauthenticator: hooks.ReauthenticatorFunc(func(ctx context.Context, r hooks.Reauth) error {
			fmt.Println("re-authenticate:", len(r.Before), "groups before,", len(r.After), "after")
			return nil
		}),
		Groups: hooks.GroupSinkFunc(func(ctx context.Context, c hooks.GroupChange) error {
			fmt.Println("group", c.Kind+":", c.DisplayName)
			return nil
		}),
	})

	u, _ := st.Create(ctx, "acme", users, &schema.Resource{Schemas: []string{schema.UserSchema}, ExternalID: "00u1",
		Attrs: map[string]any{"userName": "bjensen", "active": true}})
	g, _ := st.Create(ctx, "acme", groups, &schema.Resource{Schemas: []string{schema.GroupSchema},
		Attrs: map[string]any{"displayName": "Engineering", "members": []any{map[string]any{"value": u.ID}}}})
	ids, _ := dir.UserGroups(ctx, "acme", u.ID)
	fmt.Println("policy sees", len(ids), "group, id matches:", ids[0] == g.ID)
	var seq int64
	deliver := func() {
		evs, _ := st.Events(ctx, seq, 100)
		for _, ev := range evs {
			if err := access.HandleEvent(ctx, ev); err != nil {
				fmt.Println(err)
			}
			seq = ev.Seq
		}
	}
	deliver()
	st.Update(ctx, "acme", users, u.ID, store.Update{Apply: func(cur *schema.Resource) (*schema.Resource, error) {
		r := cur.Clone()
		r.Attrs["active"] = false
		return r, nil
	}})
	ids, _ = dir.UserGroups(ctx, "acme", u.ID)
	fmt.Println("deactivated: policy sees", len(ids), "groups")
	deliver()
	rs, _ := access.Receipts(ctx, "acme", u.ID)
	fmt.Println("receipts:", len(rs), "attempts:", rs[0].Attempts, "completed:", !rs[0].Completed.IsZero())
	// Output:
	// policy sees 1 group, id matches: true
	// group created: Engineering
	// re-authenticate: 0 groups before, 1 after
	// deactivated: policy sees 0 groups
	// revoke sessions of 00u1 because deactivated
	// receipts: 1 attempts: 1 completed: true
}

// ExampleAccess_dispatcher is the wiring of a gateway: the Access is one
// handler of a Dispatcher, which delivers the store's committed events to
// it at least once, in order per user, and resumes after a restart. A user
// deactivated through SCIM (here, through the store directly) has their
// sessions revoked.
func ExampleAccess_dispatcher() {
	st := memory.New()
	defer st.Close()
	users, groups := schema.UserResourceType(), schema.GroupResourceType()
	revoked := make(chan hooks.Revocation, 1)
	access, err := hooks.NewAccess(hooks.AccessConfig{
		Directory: hooks.NewDirectory(st, users, groups),
		Revoker: hooks.RevokerFunc(func(ctx context.Context, r hooks.Revocation) error {
			revoked <- r // a gateway deletes the user's sessions here; idempotent
			return nil
		}),
	})
	if err != nil {
		panic(err)
	}
	d, err := hooks.NewDispatcher(hooks.Config{Store: st, Handlers: map[string]hooks.Handler{"access": access}})
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- d.Run(ctx) }()

	u, _ := st.Create(ctx, "acme", users, &schema.Resource{Schemas: []string{schema.UserSchema}, ExternalID: "00u1",
		Attrs: map[string]any{"userName": "bjensen", "active": true}})
	st.Update(ctx, "acme", users, u.ID, store.Update{Apply: func(cur *schema.Resource) (*schema.Resource, error) {
		next := cur.Clone()
		next.Attrs["active"] = false
		return next, nil
	}})
	r := <-revoked
	fmt.Println("revoke", r.Tenant, r.ExternalID, "because", r.Reason)
	cancel()
	fmt.Println("Run returned", <-done) // nil once ctx is done
	// Output:
	// revoke acme 00u1 because deactivated
	// Run returned <nil>
}
