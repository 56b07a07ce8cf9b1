package patch_test

import (
	"encoding/json"
	"fmt"

	"github.com/scimkit/scimkit/patch"
	"github.com/scimkit/scimkit/schema"
)

// Parse a PATCH request as Microsoft Entra ID sends it, apply it to a
// user, and read what changed from the Summary.
func Example() {
	rt := schema.UserResourceType()
	user, err := rt.Decode([]byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
		"userName":"bjensen","active":true}`), schema.DecodeOptions{})
	if err != nil {
		panic(err)
	}
	user.ID = "2819c223"

	p, err := patch.Parse(rt, []byte(`{
		"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations":[
			{"op":"Replace","path":"active","value":"False"},
			{"op":"Replace","path":"emails[type eq \"work\"].value","value":"bjensen@example.com"}]}`),
		patch.Config{Dialect: patch.DialectEntra})
	if err != nil {
		fmt.Println(err) // a *schema.Error with status and scimType
		return
	}
	next, sum, err := p.Apply(user)
	if err != nil {
		fmt.Println(err)
		return
	}
	emails, _ := json.Marshal(next.Attrs["emails"])
	fmt.Println(string(emails))
	fmt.Println(sum.Paths, sum.Active)
	fmt.Println(user.Attrs["active"]) // the input is never modified
	// Output:
	// [{"type":"work","value":"bjensen@example.com"}]
	// [active emails] deactivated
	// true
}

// A store that keeps group members as rows turns member operations into
// deltas and never loads the member list.
func ExamplePatch_Members() {
	p, err := patch.Parse(schema.GroupResourceType(), []byte(`{
		"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations":[
			{"op":"replace","value":{"id":"g1","displayName":"Tour Guides"}},
			{"op":"remove","path":"members[value eq \"u2\"]"},
			{"op":"add","path":"members","value":[{"value":"u3","display":"Ann"}]}]}`),
		patch.Config{Dialect: patch.DialectOkta})
	if err != nil {
		panic(err)
	}
	rest, deltas, ok := p.Members("members")
	if !ok {
		fmt.Println("load the members and call p.Apply")
		return
	}
	for _, d := range deltas {
		fmt.Println(d.Kind, d.Members)
	}
	fmt.Println(rest.Len(), "attribute operations left for rest.Apply")
	// Output:
	// remove [{u2  }]
	// add [{u3  Ann}]
	// 2 attribute operations left for rest.Apply
}
