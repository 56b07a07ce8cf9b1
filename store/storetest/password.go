package storetest

import (
	"testing"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// phc is an argon2id hash (of "password", the reference vector of
// phc-winner-argon2): a value the store keeps.
const phc = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"

// testPasswordOnlyHashed: the store keeps a User's password only as a
// hash (Shape.Password in store/internal/backend): a clear-text value given to Create or left
// by Update is dropped, whoever the caller, and a hash is kept as is.
func testPasswordOnlyHashed(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	clear := TypicalUser(1)
	clear.Attrs["password"] = "Clear-Text-Pw-1"
	u := h.create(UserType(), clear)
	if got := h.get(UserType(), u.ID, store.ReadOptions{}); got.Attrs["password"] != nil || got.Attrs["userName"] != clear.Attrs["userName"] {
		t.Errorf("after Create with a clear password: %v", got.Attrs)
	}
	hashed := TypicalUser(2)
	hashed.Attrs["password"] = phc
	v := h.create(UserType(), hashed)
	if got := h.get(UserType(), v.ID, store.ReadOptions{}); got.Attrs["password"] != phc {
		t.Errorf("after Create with a hash: password %v, want the hash", got.Attrs["password"])
	}
	set := func(id string, pw any) *schema.Resource {
		t.Helper()
		res, _, err := h.s.Update(h.ctx, h.ten, UserType(), id, store.Update{Apply: func(cur *schema.Resource) (*schema.Resource, error) {
			n := cur.Clone()
			n.Attrs["password"], n.Attrs["title"] = pw, "changed"
			return n, nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		return h.get(UserType(), res.ID, store.ReadOptions{})
	}
	if got := set(v.ID, "Clear-Text-Pw-2"); got.Attrs["password"] != nil || got.Attrs["title"] != "changed" {
		t.Errorf("after Update to a clear password: %v", got.Attrs)
	}
	if got := set(u.ID, phc); got.Attrs["password"] != phc {
		t.Errorf("after Update to a hash: password %v", got.Attrs["password"])
	}
}
