package hooks_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store"
)

// TestEventOrderingKeys pins what Seq and Version mean (store.Event): Seq
// increases over all of a user's events, user.groups_changed included;
// Version is the user's meta.version, shared by the events of one write,
// repeated by the deletion, and 0 on user.groups_changed, which therefore
// cannot be ordered by Version.
func TestEventOrderingKeys(t *testing.T) {
	type kv struct {
		Type    store.EventType
		Version int64
	}
	want := []kv{
		{store.UserCreated, 1},
		{store.UserGroupsChanged, 0}, // created as a member of group 0
		{store.UserGroupsChanged, 0}, // added to group 1 (Okta)
		{store.UserUpdated, 2},       // one PATCH: title and active
		{store.UserDeactivated, 2},
		{store.UserGroupsChanged, 0}, // removed from group 0 (Entra)
		{store.UserDeleted, 2},
		{store.UserGroupsChanged, 0}, // left group 1 by the deletion
	}
	for _, b := range deliveryBackends {
		t.Run(b.name, func(t *testing.T) {
			st := b.open(t)()
			h, err := scim.New(scim.Config{Store: st, Authenticator: scim.StaticTokens{{Tenant: "acme", ID: "idp", SHA256: scim.HashToken("tok")}}})
			if err != nil {
				t.Fatal(err)
			}
			c := churnSCIM{h}
			users, groups := churnSetup(t, c)
			u := users[0]
			for _, r := range []struct{ method, path, body string }{
				{"PATCH", "/Groups/" + groups[1], membershipPatch(true, true, u)},
				{"PATCH", "/Users/" + u, fmt.Sprintf(patchOp, `{"op":"replace","value":{"active":false,"title":"Ex"}}`)},
				{"PATCH", "/Groups/" + groups[0], membershipPatch(false, false, u)},
				{"DELETE", "/Users/" + u, ""},
			} {
				if code, body := c.do(r.method, r.path, r.body); code/100 != 2 {
					t.Fatalf("%s %s = %d %v", r.method, r.path, code, body)
				}
			}
			var got []kv
			var last int64
			for _, e := range outboxEvents(t, st) {
				if e.ResourceType != "User" || e.ResourceID != u {
					continue
				}
				if e.Seq <= last {
					t.Errorf("%s: seq %d after %d", e.Type, e.Seq, last)
				}
				last = e.Seq
				got = append(got, kv{e.Type, e.Version})
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("the user's events in Seq order (-want +got):\n%s", diff)
			}
		})
	}
}
