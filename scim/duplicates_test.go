package scim

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDuplicateValues: multi-valued complex values with the same (type,
// value) are stored once on POST, PUT and PATCH alike (RFC 7643 §2.4),
// strings compared as the sub-attribute's caseExact says; the first is
// kept and inherits primary from a dropped duplicate.
func TestDuplicateValues(t *testing.T) {
	const emails = `[{"value":"a@x","type":"work"},{"value":"A@X","type":"WORK","display":"dup"},{"value":"a@x","type":"home"},{"value":"a@x"},{"value":"a@x"},{"value":"b@x","type":"work"},{"value":"b@x","type":"work","primary":true}]`
	want := []any{
		map[string]any{"value": "a@x", "type": "work"},
		map[string]any{"value": "a@x", "type": "home"},
		map[string]any{"value": "a@x"},
		map[string]any{"value": "b@x", "type": "work", "primary": true},
	}
	h := newTestHandler(t, Config{})
	user := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"dup","emails":` + emails + `}`
	res := mustDo(t, h, request{method: "POST", target: "/Users", body: user}, 201)
	if d := cmp.Diff(want, res.json["emails"]); d != "" {
		t.Errorf("POST emails (-want +got):\n%s", d)
	}
	id := res.json["id"].(string)
	mustDo(t, h, request{method: "PUT", target: "/Users/" + id, body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"dup"}`}, 200)
	res = mustDo(t, h, request{method: "PUT", target: "/Users/" + id, body: user}, 200)
	if d := cmp.Diff(want, res.json["emails"]); d != "" {
		t.Errorf("PUT emails (-want +got):\n%s", d)
	}
	mustDo(t, h, request{method: "PUT", target: "/Users/" + id, body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"dup"}`}, 200)
	res = mustDo(t, h, request{method: "PATCH", target: "/Users/" + id, body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"emails","value":` + emails + `}]}`}, 200)
	if d := cmp.Diff(want, res.json["emails"]); d != "" {
		t.Errorf("PATCH replace emails (-want +got):\n%s", d)
	}
	res = mustDo(t, h, request{method: "GET", target: "/Users/" + id}, 200)
	if d := cmp.Diff(want, res.json["emails"]); d != "" {
		t.Errorf("stored emails (-want +got):\n%s", d)
	}
}

// TestDuplicateMembers: a member listed twice (ids compare as the
// members value's caseExact says) is stored once.
func TestDuplicateMembers(t *testing.T) {
	h := newTestHandler(t, Config{})
	u := createUser(t, h, "m")
	res := mustDo(t, h, request{method: "POST", target: "/Groups", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"g","members":[{"value":"` + u + `"},{"value":"` + u + `","display":"again"}]}`}, 201)
	gid := res.json["id"].(string)
	res = mustDo(t, h, request{method: "GET", target: "/Groups/" + gid}, 200)
	if members, _ := res.json["members"].([]any); len(members) != 1 {
		t.Errorf("members: %v", res.json["members"])
	}
}

// TestDuplicateAfterFilteredReplace: a PATCH through a value filter that
// makes two values the same leaves one.
func TestDuplicateAfterFilteredReplace(t *testing.T) {
	h := newTestHandler(t, Config{})
	res := mustDo(t, h, request{method: "POST", target: "/Users", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"f","emails":[{"value":"a@x","type":"work"},{"value":"b@x","type":"work"}]}`}, 201)
	res = mustDo(t, h, request{method: "PATCH", target: "/Users/" + res.json["id"].(string), body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"emails[type eq \"work\"].value","value":"c@x"}]}`}, 200)
	if d := cmp.Diff([]any{map[string]any{"value": "c@x", "type": "work"}}, res.json["emails"]); d != "" {
		t.Errorf("emails (-want +got):\n%s", d)
	}
}
