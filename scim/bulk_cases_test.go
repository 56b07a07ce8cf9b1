package scim

import (
	"strings"
	"testing"
)

func replaceOnce(s, old, new string) string { return strings.Replace(s, old, new, 1) }

func replaceAll(s string, oldnew ...string) string { return strings.NewReplacer(oldnew...).Replace(s) }

// bulkBody wraps operations (JSON objects) into a BulkRequest.
func bulkBody(extra string, ops ...string) string {
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],` + extra + `"Operations":[` + strings.Join(ops, ",") + `]}`
}

func postUser(bulkID, name string) string {
	return `{"method":"POST","path":"/Users","bulkId":"` + bulkID + `","data":` + bulkUser(name) + `}`
}

func postGroup(bulkID, name string, memberRefs ...string) string {
	var ms []string
	for _, m := range memberRefs {
		ms = append(ms, `{"value":"`+m+`"}`)
	}
	return `{"method":"POST","path":"/Groups","bulkId":"` + bulkID + `","data":{"schemas":["` + groupURN +
		`"],"displayName":"` + name + `","members":[` + strings.Join(ms, ",") + `]}}`
}

func patchOp(path, version, ops string) string {
	return `{"method":"PATCH","path":"` + path + `","version":"` + version + `","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":` + ops + `}}`
}

// readOnlyToken authenticates a read-only principal of tenant t1 in the
// bulk tests.
const readOnlyToken = "read-only-token-t1"

func bulkCases(ok func(string, string, string) bulkResult, failed func(string, string, string, string, bool) bulkResult) []bulkCase {
	alice := bulkFixture{"alice": bulkUser("alice")}
	return append(rfcCases(ok, failed), []bulkCase{
		{name: "forward reference: group before its member",
			body:  bulkBody("", postGroup("g", "G", "bulkId:u"), postUser("u", "u1")),
			want:  []bulkResult{ok("POST", "g", "201"), ok("POST", "u", "201")},
			check: bulkMembersOf(0, 1)},
		{name: "backward and forward references in one group",
			body:  bulkBody("", postUser("a", "a1"), postGroup("g", "G", "bulkId:a", "bulkId:b"), postUser("b", "b1")),
			want:  []bulkResult{ok("POST", "a", "201"), ok("POST", "g", "201"), ok("POST", "b", "201")},
			check: bulkMembersOf(1, 0, 2)},
		{name: "bulkId in a PATCH path and value",
			body: bulkBody("", postGroup("g", "G"), patchOp("/Groups/bulkId:g", "",
				`[{"op":"add","path":"members","value":[{"value":"bulkId:u"}]}]`), postUser("u", "u1")),
			want: []bulkResult{ok("POST", "g", "201"), ok("PATCH", "", "204"), ok("POST", "u", "201")},
			check: func(t *testing.T, h *Handler, res response) {
				ops := bulkOps(res)
				if got := members(t, h, idOf(ops[0]["location"])); len(got) != 1 || got[0] != idOf(ops[2]["location"]) {
					t.Errorf("members = %v", got)
				}
			}},
		{name: "self reference: a group never contains itself",
			body:  bulkBody("", postGroup("g", "G", "bulkId:g")),
			want:  []bulkResult{ok("POST", "g", "201")},
			check: bulkMembersOf(0)},
		{name: "unknown bulkId is 400 for that operation only",
			body: bulkBody("", postGroup("g", "G", "bulkId:nope"), postUser("u", "u1")),
			want: []bulkResult{failed("POST", "g", "400", "invalidValue", false), ok("POST", "u", "201")}},
		{name: "reference to a failed POST is 409",
			body: bulkBody("", postUser("u", ""), postGroup("g", "G", "bulkId:u")),
			want: []bulkResult{failed("POST", "u", "400", "invalidValue", false), failed("POST", "g", "409", "", false)}},
		{name: "duplicate bulkId",
			body: bulkBody("", postUser("u", "u1"), postUser("u", "u2")),
			want: []bulkResult{ok("POST", "u", "201"), failed("POST", "u", "400", "invalidValue", false)}},
		{name: "invalid methods and paths",
			body: bulkBody("", `{"method":"GET","path":"/Users/x"}`, `{"method":"POST","path":"/Nope","bulkId":"n","data":{}}`,
				`{"method":"POST","path":"/Users/abc","bulkId":"p","data":{}}`, `{"method":"DELETE","path":"/Users"}`,
				`{"method":"PUT","path":"/Users/a/b","data":{}}`, `{"method":"PATCH","path":"/Users/x"}`, `"not an object"`,
				`{"method":"delete","path":"users/nope/"}`),
			want: []bulkResult{failed("GET", "", "400", "invalidValue", false), failed("POST", "n", "400", "invalidPath", false),
				failed("POST", "p", "400", "invalidPath", false), failed("DELETE", "", "400", "invalidPath", false),
				failed("PUT", "", "400", "invalidPath", false), failed("PATCH", "", "400", "invalidSyntax", true),
				failed("", "", "400", "invalidSyntax", false), failed("DELETE", "", "404", "", true)}},
		{name: "If-Match mismatch is 412 for that operation only", fixture: alice,
			body: bulkBody("", patchOp("/Users/{alice}", `W/\"stale\"`, `[{"op":"replace","path":"nickName","value":"x"}]`),
				patchOp("/Users/{alice}", "{alice.v}", `[{"op":"replace","path":"nickName","value":"y"}]`),
				`{"method":"DELETE","path":"/Users/{alice}","version":"{alice.v}"}`),
			want: []bulkResult{failed("PATCH", "", "412", "", true), ok("PATCH", "", "200"), failed("DELETE", "", "412", "", true)}},
		{name: "mixed statuses continue without failOnErrors", fixture: alice,
			body: bulkBody("", postUser("a", "alice"), postUser("b", "bob"), `{"method":"DELETE","path":"/Users/{alice}"}`,
				`{"method":"DELETE","path":"/Users/{alice}"}`, `{"method":"PUT","path":"/Users/bulkId:b","data":`+bulkUser("bobby")+`}`),
			want: []bulkResult{failed("POST", "a", "409", "uniqueness", false), ok("POST", "b", "201"), ok("DELETE", "", "204"),
				failed("DELETE", "", "404", "", true), ok("PUT", "", "200")}},
		{name: "failOnErrors 2 stops after the second error",
			body: bulkBody(`"failOnErrors":"2",`, postUser("a", ""), postUser("b", "b1"), postUser("c", ""), postUser("d", "d1")),
			want: []bulkResult{failed("POST", "a", "400", "invalidValue", false), ok("POST", "b", "201"),
				failed("POST", "c", "400", "invalidValue", false)}},
		{name: "read-only principal gets 403 per operation", fixture: alice, token: readOnlyToken,
			body: bulkBody("", postUser("a", "a1"), `{"method":"DELETE","path":"/Users/{alice}"}`),
			want: []bulkResult{failed("POST", "a", "403", "", false), failed("DELETE", "", "403", "", true)}},
		{name: "ids of another tenant are 404", fixture: bulkFixture{"other": bulkUser("other")},
			body: bulkBody("", `{"method":"DELETE","path":"/Users/{other}"}`, patchOp("/Users/{other}", "", `[{"op":"replace","path":"nickName","value":"x"}]`),
				`{"method":"PUT","path":"/Users/{other}","data":`+bulkUser("x")+`}`),
			want: []bulkResult{failed("DELETE", "", "404", "", true), failed("PATCH", "", "404", "", true), failed("PUT", "", "404", "", true)}},
	}...)
}
