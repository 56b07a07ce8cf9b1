package scim

import (
	"fmt"
	"strings"
	"testing"
)

// TestValueLimits: each limit answers 400 invalidValue naming the
// attribute and the limit, on every write path; a request at the limit
// passes; a negative limit turns it off.
func TestValueLimits(t *testing.T) {
	h := newTestHandler(t, Config{MaxStringLength: 10, MaxValues: 3, MaxMembersPerRequest: 4})
	uid := createUser(t, h, "limits")
	gid := createGroup(t, h, "g")
	list := func(n int, f string) string {
		s := make([]string, n)
		for i := range s {
			s[i] = fmt.Sprintf(f, i)
		}
		return strings.Join(s, ",")
	}
	user := func(extra string) string {
		return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u` + fmt.Sprint(len(extra)) + `"` + extra + `}`
	}
	patchBody := func(ops string) string {
		return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + ops + `]}`
	}
	for _, tt := range []struct {
		name, method, target, body string
		want                       int
		detail                     []string // substrings of the error detail
	}{
		{"string at the limit", "POST", "/Users", user(`,"title":"0123456789"`), 201, nil},
		{"string over the limit", "POST", "/Users", user(`,"title":"0123456789x"`), 400, []string{`"title"`, "11 bytes", "at most 10 bytes"}},
		{"sub-attribute", "POST", "/Users", user(`,"emails":[{"value":"a@x"},{"value":"0123456789@x"}]`), 400, []string{`"emails[1].value"`, "at most 10"}},
		{"externalId", "PUT", "/Users/" + uid, user(`,"externalId":"0123456789x"`), 400, []string{`"externalId"`, "at most 10"}},
		{"PATCH value", "PATCH", "/Users/" + uid, patchBody(`{"op":"replace","path":"nickName","value":"0123456789x"}`), 400, []string{"nickName", "at most 10"}},
		{"values at the limit", "POST", "/Users", user(`,"emails":[` + list(3, `{"value":"%d@x"}`) + `]`), 201, nil},
		{"values over the limit", "POST", "/Users", user(`,"emails":[` + list(4, `{"value":"%d@x"}`) + `]`), 400, []string{`"emails"`, "4 values", "at most 3"}},
		{"values after PATCH", "PATCH", "/Users/" + uid, patchBody(`{"op":"add","path":"emails","value":[` + list(2, `{"value":"%d@x"}`) + `]},{"op":"add","path":"emails","value":[` + list(2, `{"value":"%d@y"}`) + `]}`), 400, []string{`"emails"`, "at most 3"}},
		{"members at the limit", "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"m4","members":[` + list(4, `{"value":"m%d"}`) + `]}`, 201, nil},
		{"members over the limit", "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"m5","members":[` + list(5, `{"value":"m%d"}`) + `]}`, 400, []string{`"members"`, "5 values", "at most 4"}},
		{"members over PATCH ops", "PATCH", "/Groups/" + gid, patchBody(`{"op":"add","path":"members","value":[` + list(3, `{"value":"a%d"}`) + `]},{"op":"remove","path":"members","value":[` + list(2, `{"value":"b%d"}`) + `]}`), 400, []string{`"members"`, "at most 4"}},
		{"members in PATCH at the limit", "PATCH", "/Groups/" + gid, patchBody(`{"op":"add","path":"members","value":[` + list(4, `{"value":"c%d"}`) + `]}`), 200, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := do(t, h, request{method: tt.method, target: tt.target, body: tt.body, headers: map[string]string{"User-Agent": "okta"}})
			if res.code != tt.want {
				t.Fatalf("status %d, want %d: %s", res.code, tt.want, res.body)
			}
			if tt.want != 400 {
				return
			}
			detail, _ := res.json["detail"].(string)
			if res.json["scimType"] != "invalidValue" {
				t.Errorf("scimType %v, want invalidValue", res.json["scimType"])
			}
			for _, s := range tt.detail {
				if !strings.Contains(detail, s) {
					t.Errorf("detail %q does not contain %q", detail, s)
				}
			}
		})
	}
}

// TestValueLimitsInBulk: a /Bulk operation over a limit fails alone, with
// the same error as the request would get.
func TestValueLimitsInBulk(t *testing.T) {
	h := newTestHandler(t, Config{MaxStringLength: 10})
	res := mustDo(t, h, request{method: "POST", target: "/Bulk", body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[` +
		`{"method":"POST","path":"/Users","bulkId":"a","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"0123456789x"}},` +
		`{"method":"POST","path":"/Users","bulkId":"b","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ok"}}]}`}, 200)
	ops := res.json["Operations"].([]any)
	first, second := ops[0].(map[string]any), ops[1].(map[string]any)
	if first["status"] != "400" || !strings.Contains(fmt.Sprint(first["response"]), "at most 10 bytes") || second["status"] != "201" {
		t.Errorf("bulk results: %s", res.body)
	}
}

// TestValueLimitsOff: negative limits accept what the defaults refuse.
func TestValueLimitsOff(t *testing.T) {
	long := strings.Repeat("x", DefaultMaxStringLength+1)
	body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","title":"` + long + `"}`
	mustDo(t, newTestHandler(t, Config{}), request{method: "POST", target: "/Users", body: body}, 400)
	mustDo(t, newTestHandler(t, Config{MaxStringLength: -1, MaxValues: -1, MaxMembersPerRequest: -1}), request{method: "POST", target: "/Users", body: body}, 201)
}
