package scim

import (
	"net/http"
	"strings"
	"testing"
)

// TestProjectionPathChecked: an attributes or excludedAttributes entry
// that is not an attribute path (a value filter, as in
// attributes=emails[type eq "work"]) is 400 invalidValue with a detail
// naming it, the same for the query of a list, a GET by id, a write and
// a /.search body; well-formed names, known or not, are accepted.
func TestProjectionPathChecked(t *testing.T) {
	h := newTestHandler(t, Config{})
	res := mustDo(t, h, request{method: http.MethodPost, target: "/Users",
		body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"proj","emails":[{"value":"p@example.org","type":"work"}]}`}, http.StatusCreated)
	id := res.json["id"].(string)
	bad := []request{
		{method: http.MethodGet, target: `/Users?attributes=emails[type eq "work"]`},
		{method: http.MethodGet, target: `/Users?excludedAttributes=emails[type eq "work"].value`},
		{method: http.MethodGet, target: `/Users/` + id + `?attributes=emails[type eq "work"]`},
		{method: http.MethodGet, target: `/Users?attributes=userName,name..givenName`},
		{method: http.MethodPatch, target: `/Users/` + id + `?attributes=emails[value pr]`,
			body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"x"}]}`},
		{method: http.MethodPost, target: `/Users/.search`, body: `{"attributes":["emails[type eq \"work\"]"]}`},
		{method: http.MethodPost, target: `/.search`, body: `{"excludedAttributes":"emails[type eq \"work\"]"}`},
	}
	for _, r := range bad {
		t.Run(r.method+" "+r.target+" "+r.body, func(t *testing.T) {
			res := do(t, h, r)
			if res.code != http.StatusBadRequest || res.json["scimType"] != "invalidValue" {
				t.Fatalf("status %d scimType %v, want 400 invalidValue\n%s", res.code, res.json["scimType"], res.body)
			}
			if d, _ := res.json["detail"].(string); !strings.Contains(d, "ttributes") {
				t.Errorf("detail %q does not name the parameter", d)
			}
		})
	}
	if g := mustDo(t, h, request{method: http.MethodGet, target: "/Users/" + id}, http.StatusOK); g.json["title"] != nil {
		t.Errorf("the refused PATCH was applied: title %v", g.json["title"])
	}
	for _, target := range []string{"/Users?attributes=emails.value,noSuchAttribute", "/Users?attributes=urn:ietf:params:scim:schemas:core:2.0:User:emails",
		"/Users?excludedAttributes=emails", "/Users/" + id + "?attributes=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"} {
		mustDo(t, h, request{method: http.MethodGet, target: target}, http.StatusOK)
	}
}
