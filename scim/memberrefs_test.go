package scim

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scimkit/patch"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
)

// ghost is a well-formed id that names nothing.
const ghost = "0badc0de-0000-4000-8000-000000000000"

// refsHandler returns a handler on a fresh memory store that is also its
// provisioning log, with tenant t2 in DialectStrict and t1 in the default
// dialect.
func refsHandler(t *testing.T) (*Handler, *memory.Store) {
	t.Helper()
	st := memory.New()
	h := newTestHandler(t, Config{Store: st, ProvisioningLog: st, Tenant: func(_ context.Context, tenant string) (TenantConfig, error) {
		if tenant == "t2" {
			return TenantConfig{Dialect: patch.DialectStrict}, nil
		}
		return TenantConfig{}, nil
	}})
	return h, st
}

func newUser(t *testing.T, h *Handler, token, userName string) string {
	t.Helper()
	res := mustDo(t, h, request{method: "POST", target: "/Users", token: token,
		body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + userName + `"}`}, 201)
	return res.json["id"].(string)
}

func groupBody(name string, members ...string) string {
	var ms []string
	for _, m := range members {
		ms = append(ms, `{"value":"`+m+`"}`)
	}
	return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"` + name + `","members":[` + strings.Join(ms, ",") + `]}`
}

func patchBody(ops string) string {
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":` + ops + `}`
}

// lastDropped returns the DroppedMembers of the newest provisioning log
// entry.
func lastDropped(t *testing.T, st *memory.Store) []string {
	t.Helper()
	page, err := st.Query(t.Context(), store.ProvisioningFilter{Limit: 1})
	if err != nil || len(page.Entries) == 0 {
		t.Fatalf("provisioning log: %v, %d entries", err, len(page.Entries))
	}
	return page.Entries[0].DroppedMembers
}

// refWrites are the writes of TestMemberRefs, each adding u (an existing
// user) and ghost to the group g, which holds keep.
func refWrites(g, u, keep string) []struct{ name, method, target, body string } {
	return []struct{ name, method, target, body string }{
		{"PUT", "PUT", "/Groups/" + g, groupBody("G", keep, u, ghost)},
		{"PATCH add members", "PATCH", "/Groups/" + g, patchBody(`[{"op":"add","path":"members","value":[{"value":"` + u + `"},{"value":"` + ghost + `"}]}]`)},
		{"PATCH add without path", "PATCH", "/Groups/" + g, patchBody(`[{"op":"add","value":{"members":[{"value":"` + ghost + `"},{"value":"` + u + `"}]}}]`)},
		{"PATCH replace members", "PATCH", "/Groups/" + g, patchBody(`[{"op":"replace","path":"members","value":[{"value":"` + keep + `"},{"value":"` + u + `"},{"value":"` + ghost + `"}]}]`)},
		{"PATCH with a filter", "PATCH", "/Groups/" + g, patchBody(`[{"op":"add","path":"members","value":[{"value":"` + ghost + `"},{"value":"` + u + `"}]},` +
			`{"op":"replace","path":"members[value eq \"` + keep + `\"].display","value":"Keeper"}]`)},
		{"PATCH remove with a filter, then add", "PATCH", "/Groups/" + g, patchBody(`[{"op":"remove","path":"members[value eq \"` + keep + `\"]"},` +
			`{"op":"add","path":"members","value":[{"value":"` + keep + `"},{"value":"` + u + `"},{"value":"` + ghost + `"}]}]`)},
	}
}

func memberSet(t *testing.T, h *Handler, token, id string) []string {
	t.Helper()
	res := mustDo(t, h, request{method: "GET", target: "/Groups/" + id, token: token}, 200)
	out := []string{}
	ms, _ := res.json["members"].([]any)
	for _, m := range ms {
		out = append(out, m.(map[string]any)["value"].(string))
	}
	return out
}

// TestMemberRefs: in the default dialect a member value that names
// nothing is left out and the provisioning log says so; in the strict
// dialect the write is 400 invalidValue naming it and changes nothing.
func TestMemberRefs(t *testing.T) {
	h, st := refsHandler(t)
	for _, tenant := range []struct {
		name, token string
		strict      bool
	}{{"default", testToken, false}, {"strict", testToken2, true}} {
		t.Run(tenant.name, func(t *testing.T) {
			keep := newUser(t, h, tenant.token, "keep")
			u := newUser(t, h, tenant.token, "u")
			res := do(t, h, request{method: "POST", target: "/Groups", token: tenant.token, body: groupBody("G", keep, ghost)})
			if tenant.strict {
				checkUnresolved(t, "POST", res, ghost)
				res = mustDo(t, h, request{method: "POST", target: "/Groups", token: tenant.token, body: groupBody("G", keep)}, 201)
			} else if res.code != 201 {
				t.Fatalf("POST: %d %s", res.code, res.body)
			}
			g := res.json["id"].(string)
			if got := memberSet(t, h, tenant.token, g); !cmp.Equal([]string{keep}, got) {
				t.Fatalf("members after POST = %v", got)
			}
			if !tenant.strict {
				if d := cmp.Diff([]string{ghost}, lastDropped(t, st)); d != "" {
					t.Errorf("POST: dropped (-want +got):\n%s", d)
				}
			}
			for _, w := range refWrites(g, u, keep) {
				res := do(t, h, request{method: w.method, target: w.target, token: tenant.token, body: w.body})
				if tenant.strict {
					checkUnresolved(t, w.name, res, ghost)
					if got := memberSet(t, h, tenant.token, g); !cmp.Equal([]string{keep}, got) {
						t.Errorf("%s: members after a refused write = %v", w.name, got)
					}
					continue
				}
				if res.code != 200 && res.code != 204 {
					t.Fatalf("%s: %d %s", w.name, res.code, res.body)
				}
				got := memberSet(t, h, tenant.token, g)
				if strings.Contains(strings.Join(got, " "), ghost) || !strings.Contains(strings.Join(got, " "), u) {
					t.Errorf("%s: members %v, want %s and never %s", w.name, got, u, ghost)
				}
				if d := cmp.Diff([]string{ghost}, lastDropped(t, st)); d != "" {
					t.Errorf("%s: dropped (-want +got):\n%s", w.name, d)
				}
				// Back to {keep} for the next write.
				mustDo(t, h, request{method: "PUT", target: "/Groups/" + g, token: tenant.token, body: groupBody("G", keep)}, 200)
				if got := lastDropped(t, st); got != nil {
					t.Errorf("a clean PUT recorded dropped members %v", got)
				}
			}
		})
	}
}

// checkUnresolved checks a 400 invalidValue whose detail names values.
func checkUnresolved(t *testing.T, what string, res response, values ...string) {
	t.Helper()
	if res.code != 400 || res.json["scimType"] != "invalidValue" {
		t.Fatalf("%s: %d %s, want 400 invalidValue", what, res.code, res.body)
	}
	detail, _ := res.json["detail"].(string)
	for _, v := range values {
		if !strings.Contains(detail, v) {
			t.Errorf("%s: detail %q does not name %s", what, detail, v)
		}
	}
}

// TestMemberRefsOtherTenant: tenant t1 naming tenant t2's user gets
// exactly what it gets for an id that names nothing.
func TestMemberRefsOtherTenant(t *testing.T) {
	h, st := refsHandler(t)
	theirs := newUser(t, h, testToken2, "theirs")
	var answers []string
	for _, id := range []string{theirs, ghost} {
		res := mustDo(t, h, request{method: "POST", target: "/Groups", body: groupBody("G-" + id[:4])}, 201)
		g := res.json["id"].(string)
		res = do(t, h, request{method: "PATCH", target: "/Groups/" + g, body: patchBody(`[{"op":"add","path":"members","value":[{"value":"` + id + `"}]}]`)})
		answers = append(answers, string(res.body)+" "+res.header.Get("ETag"))
		if got := memberSet(t, h, testToken, g); len(got) != 0 {
			t.Errorf("members after adding %s = %v", id, got)
		}
		if d := cmp.Diff([]string{id}, lastDropped(t, st)); d != "" {
			t.Errorf("dropped (-want +got):\n%s", d)
		}
	}
	if answers[0] != answers[1] {
		t.Errorf("another tenant's id answered %q, a random id %q", answers[0], answers[1])
	}
	res := mustDo(t, h, request{method: "GET", target: "/Users/" + theirs, token: testToken2}, 200)
	if gs, ok := res.json["groups"]; ok {
		t.Errorf("t2's user has groups %v", gs)
	}
}

// TestMemberRefsBulk: a member named by bulkId resolves within the
// request; a value that names nothing is left out (default dialect, the
// log entry lists it) or fails its operation only (strict).
func TestMemberRefsBulk(t *testing.T) {
	h, st := refsHandler(t)
	body := bulkBody("", postUser("u", "bulk-user"), postGroup("g", "G", "bulkId:u", ghost), postGroup("h", "H", "bulkId:u"))
	for _, tenant := range []struct {
		name, token string
		strict      bool
	}{{"default", testToken, false}, {"strict", testToken2, true}} {
		t.Run(tenant.name, func(t *testing.T) {
			res := mustDo(t, h, request{method: "POST", target: "/Bulk", token: tenant.token, body: body}, 200)
			ops := bulkOps(res)
			if len(ops) != 3 {
				t.Fatalf("%d results: %s", len(ops), res.body)
			}
			user := idOf(ops[0]["location"])
			if got := memberSet(t, h, tenant.token, idOf(ops[2]["location"])); !cmp.Equal([]string{user}, got) {
				t.Errorf("members of the group naming bulkId:u = %v, want [%s]", got, user)
			}
			if tenant.strict {
				st, _ := ops[1]["status"].(string)
				resp, _ := ops[1]["response"].(map[string]any)
				if st != "400" || resp["scimType"] != "invalidValue" || !strings.Contains(resp["detail"].(string), ghost) {
					t.Errorf("strict: operation with a dangling member = %v", ops[1])
				}
				return
			}
			if got := memberSet(t, h, tenant.token, idOf(ops[1]["location"])); !cmp.Equal([]string{user}, got) {
				t.Errorf("members = %v, want [%s]", got, user)
			}
			if d := cmp.Diff([]string{ghost}, lastDropped(t, st)); d != "" {
				t.Errorf("dropped (-want +got):\n%s", d)
			}
			page, err := st.Query(t.Context(), store.ProvisioningFilter{Limit: 1})
			if err != nil || len(page.Entries) != 1 || len(page.Entries[0].BulkResults) != 3 {
				t.Fatalf("provisioning log: %v, %+v", err, page)
			}
			for i, want := range [][]string{nil, {ghost}, nil} {
				if d := cmp.Diff(want, page.Entries[0].BulkResults[i].DroppedMembers); d != "" {
					t.Errorf("operation %d: dropped (-want +got):\n%s", i, d)
				}
			}
		})
	}
}

// TestUnresolvedDetail: the detail names at most ten values and counts
// the rest.
func TestUnresolvedDetail(t *testing.T) {
	h := newTestHandler(t, Config{})
	var vals []string
	for i := range 12 {
		vals = append(vals, fmt.Sprintf("v%02d", i))
	}
	err := unresolvedErr(&store.UnresolvedError{Attr: "members", Values: vals, Types: []string{"User", "Group"}}, h.byName["group"])
	e, ok := err.(*Error)
	if !ok || e.Status != 400 || e.ScimType != "invalidValue" {
		t.Fatalf("unresolvedErr = %v, want 400 invalidValue", err)
	}
	if !strings.Contains(e.Detail, `"v09" and 2 more name no User or Group`) || strings.Contains(e.Detail, "v10") {
		t.Errorf("detail %q", e.Detail)
	}
}

// TestDroppedMembersBounded: a write leaving out more member values than
// the log records keeps the first maxDroppedRecorded in the provisioning
// log entry (its body is bounded too).
func TestDroppedMembersBounded(t *testing.T) {
	h, st := refsHandler(t)
	var ghosts []string
	for i := range maxDroppedRecorded + 50 {
		ghosts = append(ghosts, fmt.Sprintf("ghost-%03d", i))
	}
	mustDo(t, h, request{method: "POST", target: "/Groups", token: testToken, body: groupBody("Many", ghosts...)}, 201)
	if got := lastDropped(t, st); !cmp.Equal(ghosts[:maxDroppedRecorded], got) {
		t.Errorf("DroppedMembers: %d values, want the first %d", len(got), maxDroppedRecorded)
	}
}
