package scim

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scimkit/store/memory"
)

// bulkResult is the part of one BulkResponse operation the tests compare.
type bulkResult struct {
	Method, BulkID, Status, ScimType string
	Location, Version                bool
}

// bulkResults summarises the Operations of a BulkResponse.
func bulkResults(t *testing.T, res response) []bulkResult {
	t.Helper()
	if s := fmt.Sprint(res.json["schemas"]); s != "[urn:ietf:params:scim:api:messages:2.0:BulkResponse]" {
		t.Fatalf("schemas = %s\n%s", s, res.body)
	}
	var out []bulkResult
	for _, o := range res.json["Operations"].([]any) {
		m := o.(map[string]any)
		r := bulkResult{Method: str(m["method"]), BulkID: str(m["bulkId"]), Status: str(m["status"]),
			Location: m["location"] != nil, Version: m["version"] != nil}
		if resp, ok := m["response"].(map[string]any); ok {
			r.ScimType = str(resp["scimType"])
			if resp["status"] != m["status"] || resp["detail"] == "" {
				t.Errorf("operation %v: response %v does not match its status", m["method"], resp)
			}
		}
		out = append(out, r)
	}
	return out
}

func str(v any) string { s, _ := v.(string); return s }

// bulkOps returns the Operations of a BulkResponse as maps.
func bulkOps(res response) []map[string]any {
	var out []map[string]any
	for _, o := range res.json["Operations"].([]any) {
		out = append(out, o.(map[string]any))
	}
	return out
}

// idOf returns the id at the end of a BulkResponse location.
func idOf(loc any) string {
	s, _ := loc.(string)
	return s[strings.LastIndex(s, "/")+1:]
}

// bulkFixture creates resources in tenant t1 (t2 for names starting with
// "other") before a bulk request; its
// placeholders ({alice}, {alice.v} for the version...) are replaced in the
// request body.
type bulkFixture map[string]string // name → POST /Users body

func (f bulkFixture) setup(t *testing.T, h *Handler) *strings.Replacer {
	var pairs []string
	for name, body := range f {
		ep := "/Users"
		if strings.Contains(body, "Group") {
			ep = "/Groups"
		}
		token := ""
		if strings.HasPrefix(name, "other") {
			token = testToken2
		}
		res := mustDo(t, h, request{method: "POST", target: ep, body: body, token: token}, 201)
		pairs = append(pairs, "{"+name+"}", res.json["id"].(string), "{"+name+".v}", strings.ReplaceAll(res.header.Get("ETag"), `"`, `\"`))
	}
	return strings.NewReplacer(pairs...)
}

const (
	userURN  = "urn:ietf:params:scim:schemas:core:2.0:User"
	groupURN = "urn:ietf:params:scim:schemas:core:2.0:Group"
)

// bulkUser is a User body; without a name it lacks the required userName.
func bulkUser(name string) string {
	if name == "" {
		return `{"schemas":["` + userURN + `"]}`
	}
	return `{"schemas":["` + userURN + `"],"userName":"` + name + `"}`
}

func TestBulk(t *testing.T) {
	ok := func(method, bulkID, status string) bulkResult {
		return bulkResult{Method: method, BulkID: bulkID, Status: status, Location: true, Version: method != "DELETE"}
	}
	failed := func(method, bulkID, status, scimType string, location bool) bulkResult {
		return bulkResult{Method: method, BulkID: bulkID, Status: status, ScimType: scimType, Location: location}
	}
	for _, tt := range bulkCases(ok, failed) {
		t.Run(tt.name, func(t *testing.T) {
			h := newBulkHandler(t, Config{})
			body := tt.fixture.setup(t, h).Replace(tt.body)
			res := mustDo(t, h, request{method: "POST", target: "/Bulk", body: body, token: tt.token}, 200)
			if diff := cmp.Diff(tt.want, bulkResults(t, res)); diff != "" {
				t.Errorf("results (-want +got):\n%s\n%s", diff, res.body)
			}
			if tt.check != nil {
				tt.check(t, h, res)
			}
		})
	}
}

// newBulkHandler is newTestHandler with a read-only token of tenant t1
// (readOnlyToken) besides testToken and testToken2.
func newBulkHandler(t testing.TB, cfg Config) *Handler {
	cfg.Store = memory.New()
	cfg.Authenticator = StaticTokens{
		{Tenant: "t1", ID: "tok1", SHA256: HashToken(testToken)},
		{Tenant: "t2", ID: "tok2", SHA256: HashToken(testToken2)},
		{Tenant: "t1", ID: "ro", SHA256: HashToken(readOnlyToken), ReadOnly: true},
	}
	return newTestHandler(t, cfg)
}

// bulkCase is one bulk request and its expected per-operation results.
type bulkCase struct {
	name    string
	fixture bulkFixture
	token   string
	body    string
	want    []bulkResult
	check   func(t *testing.T, h *Handler, res response)
}

// members returns the member ids of a group.
func members(t *testing.T, h *Handler, id string) []string {
	t.Helper()
	res := mustDo(t, h, request{method: "GET", target: "/Groups/" + id}, 200)
	var out []string
	ms, _ := res.json["members"].([]any)
	for _, m := range ms {
		out = append(out, m.(map[string]any)["value"].(string))
	}
	return out
}

// bulkMembersOf checks that the group created by operation g has the
// resources created by operations ms as members.
func bulkMembersOf(g int, ms ...int) func(t *testing.T, h *Handler, res response) {
	return func(t *testing.T, h *Handler, res response) {
		ops := bulkOps(res)
		var want []string
		for _, m := range ms {
			want = append(want, idOf(ops[m]["location"]))
		}
		if diff := cmp.Diff(want, members(t, h, idOf(ops[g]["location"]))); diff != "" {
			t.Errorf("members of operation %d (-want +got):\n%s", g, diff)
		}
	}
}
