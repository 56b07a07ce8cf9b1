package storetest

import (
	"errors"
	"testing"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

var tenantTests = []testCase{
	{"Isolation", testTenantIsolation},
	{"Memberships", testTenantMemberships},
}

func testTenantIsolation(t *testing.T, newStore factory) {
	a := newH(t, newStore)
	b := &h{t: t, s: a.s, ctx: a.ctx, ten: "tenant-b"}
	u := a.create(UserType(), withExt(user("shared@example.com"), "badge", "B1", "alias", "al"))
	g := a.create(GroupType(), group("Admins", u.ID))
	for _, x := range []struct {
		rt *schema.ResourceType
		id string
	}{{UserType(), u.ID}, {GroupType(), g.ID}} {
		if _, err := b.s.Get(b.ctx, b.ten, x.rt, x.id, store.ReadOptions{}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get %s of tenant A from B: %v, want ErrNotFound", x.rt.Name, err)
		}
		_, _, err := b.s.Update(b.ctx, b.ten, x.rt, x.id, store.Update{IfMatch: "*", Apply: set("title", "pwned")})
		wantErr(t, "Update from B", err, store.ErrNotFound)
		wantErr(t, "Delete from B", b.s.Delete(b.ctx, b.ten, x.rt, x.id, "*"), store.ErrNotFound)
		if p := b.list(x.rt, store.Query{Count: 10}); p.TotalResults != 0 || len(p.Resources) != 0 {
			t.Errorf("List %s from B: %d resources", x.rt.Name, p.TotalResults)
		}
	}
	// Uniqueness is per tenant: no 409 oracle.
	ub := b.create(UserType(), withExt(user("SHARED@example.com"), "badge", "B1", "alias", "AL"))
	b.create(GroupType(), group("Admins", u.ID))
	diff(t, "tenant A's user after B's writes", u.Attrs, a.get(UserType(), u.ID, store.ReadOptions{OmitGroups: true}).Attrs)
	diff(t, "tenant A's members", []string{u.ID}, a.members(g.ID))
	if err := b.s.Delete(b.ctx, b.ten, UserType(), ub.ID, ""); err != nil {
		t.Fatal(err)
	}
	a.get(UserType(), u.ID, store.ReadOptions{})
	if p := a.list(UserType(), store.Query{Count: 10}); p.TotalResults != 1 {
		t.Errorf("tenant A users after B's delete: %d", p.TotalResults)
	}
}

func testTenantMemberships(t *testing.T, newStore factory) {
	a := newH(t, newStore)
	b := &h{t: t, s: a.s, ctx: a.ctx, ten: "tenant-b"}
	u := a.create(UserType(), user("m"))
	ga := a.create(GroupType(), group("A", u.ID))
	// B lists A's user id as a member: it names nothing in B, so B's group
	// does not get it (refs.go), and A's user never sees B's group.
	gb := b.create(GroupType(), group("B", u.ID))
	diff(t, "B's members", []string{}, sorted(b.members(gb.ID)))
	diff(t, "groups of A's user", []any{groupRef(ga.ID, "A")}, groupsOf(a.get(UserType(), u.ID, store.ReadOptions{})))
	if err := a.s.Delete(a.ctx, a.ten, UserType(), u.ID, ""); err != nil {
		t.Fatal(err)
	}
	diff(t, "B's members after A deleted its user", []string{}, sorted(b.members(gb.ID)))
}
