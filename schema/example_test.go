package schema_test

import (
	"encoding/json"
	"fmt"

	"github.com/scimkit/scimkit/schema"
)

// Decode a POST /Users body as Okta sends it, then validate it for create:
// names are canonicalised, readOnly "groups" and client "id" are dropped.
func ExampleResourceType_Decode() {
	rt := schema.UserResourceType()
	body := []byte(`{
		"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
		"id": "ignored",
		"UserName": "test.user@okta.local",
		"name": {"GivenName": "Test", "familyName": "User"},
		"emails": [{"primary": true, "value": "test.user@okta.local", "type": "Work"}],
		"groups": [{"value": "g1"}],
		"active": "True"
	}`)
	r, err := rt.Decode(body, schema.DecodeOptions{CoerceStrings: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err = rt.Validate(schema.ModeCreate, nil, r, schema.DecodeOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _ := json.Marshal(r)
	fmt.Println(string(out))
	// Output:
	// {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"active":true,"emails":[{"primary":true,"type":"work","value":"test.user@okta.local"}],"name":{"familyName":"User","givenName":"Test"},"userName":"test.user@okta.local"}
}

// Project a stored user for GET /Users/{id}?attributes=userName,name.givenName:
// id and schemas are always returned; password never is.
func ExampleResourceType_Project() {
	rt := schema.UserResourceType()
	r := &schema.Resource{ID: "2819c223", Schemas: []string{schema.UserSchema}, Attrs: map[string]any{
		"userName": "bjensen", "password": "secret", "displayName": "Babs",
		"name": map[string]any{"givenName": "Barbara", "familyName": "Jensen"},
	}}
	p := rt.Project(r, []string{"userName", "Name.GivenName", "password"}, nil)
	out, _ := json.Marshal(p)
	fmt.Println(string(out))
	// Output:
	// {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"2819c223","name":{"givenName":"Barbara"},"userName":"bjensen"}
}
