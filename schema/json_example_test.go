package schema_test

import (
	"fmt"
	"time"

	"github.com/scimkit/scimkit/schema"
)

// ExampleResource_AppendJSON encodes a user into a reused buffer: members
// in name order, strings escaped as encoding/json escapes them.
func ExampleResource_AppendJSON() {
	r := &schema.Resource{ID: "2819c223", Schemas: []string{schema.UserSchema},
		Attrs: map[string]any{"userName": "bjensen", "name": map[string]any{"givenName": "Barbara", "familyName": "Jensen <BJ>"}, "active": true},
		Meta:  schema.Meta{ResourceType: "User", Created: time.Date(2026, 1, 23, 4, 56, 22, 0, time.UTC), Version: `W/"1"`}}
	buf := make([]byte, 0, 512)
	buf, err := r.AppendJSON(buf[:0])
	if err != nil {
		panic(err)
	}
	fmt.Println(string(buf))
	// Output:
	// {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"2819c223","active":true,"name":{"familyName":"Jensen \u003cBJ\u003e","givenName":"Barbara"},"userName":"bjensen","meta":{"created":"2026-01-23T04:56:22.000Z","resourceType":"User","version":"W/\"1\""}}
}
