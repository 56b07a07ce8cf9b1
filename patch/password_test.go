package patch_test

import (
	"testing"

	"github.com/scimkit/scimkit/patch"
	"github.com/scimkit/scimkit/schema"
)

// TestPasswordHashedOnce: Config.Password gets the value of the last
// operation that sets the password, once, however many set it (each call
// may be a memory-hard hash); the earlier ones are dropped, and a policy
// that keeps no password drops the last one too, leaving the other
// operations.
func TestPasswordHashedOnce(t *testing.T) {
	users := schema.UserResourceType()
	body := []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
		{"op":"replace","path":"password","value":"first"},
		{"op":"replace","path":"displayName","value":"Babs"},
		{"op":"replace","value":{"password":"second"}},
		{"op":"add","path":"urn:ietf:params:scim:schemas:core:2.0:User:password","value":"third"}]}`)
	cur := &schema.Resource{ID: "1", Schemas: []string{schema.UserSchema}, Attrs: map[string]any{"userName": "bjensen"}}
	for _, keep := range []bool{true, false} {
		var calls []string
		p, err := patch.Parse(users, body, patch.Config{Password: func(clear string) (string, bool, error) {
			calls = append(calls, clear)
			return "hash(" + clear + ")", keep, nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		if len(calls) != 1 || calls[0] != "third" {
			t.Errorf("keep=%v: Password called with %q, want once with the last value", keep, calls)
		}
		next, _, err := p.Apply(cur)
		if err != nil {
			t.Fatal(err)
		}
		want := any("hash(third)")
		if !keep {
			want = nil
		}
		if next.Attrs["password"] != want || next.Attrs["displayName"] != "Babs" {
			t.Errorf("keep=%v: password %v, displayName %v; want %v and Babs", keep, next.Attrs["password"], next.Attrs["displayName"], want)
		}
	}
}
