package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

const entUser = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

func entra(t *testing.T, s *Server, method, path, body string) *Response {
	t.Helper()
	return s.Do(t, Request{Method: method, Path: path, Body: body})
}

func okta(t *testing.T, s *Server, method, path, body string) *Response {
	t.Helper()
	return s.Do(t, Request{Method: method, Path: path, Body: body,
		Header: map[string]string{"User-Agent": "Okta SCIM Client 1.0.0", "Content-Type": "", "Accept": "application/scim+json"}})
}

// Okta flows the fixtures do not show: AIW integrations PUT everything
// (deactivation with active:false inside a GET-modify-PUT), password sync
// by path-less replace, groups pushed by PUT, excludedAttributes=members.
func TestOktaEdges(t *testing.T) { Each(t, testOktaEdges) }

func testOktaEdges(t *testing.T, b Backend) {
	s := b.Start(t)
	r := okta(t, s, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"aiw@okta.local","name":{"givenName":"A","familyName":"IW"},"emails":[{"primary":true,"value":"aiw@okta.local","type":"work"}],"displayName":"A IW","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7","groups":[],"password":"1mz050nq","active":true}`)
	wantStatus(t, r, 201)
	uid := Str(r.JSON, "id")
	if r.JSON["password"] != nil {
		t.Errorf("password returned")
	}
	// GET, flip active, PUT the same document back (id, meta, schemas, groups).
	g := okta(t, s, "GET", "/Users/"+uid, "")
	var doc map[string]any
	json.Unmarshal(g.Body, &doc)
	doc["active"] = false
	doc["name"].(map[string]any)["middleName"] = ""
	doc["groups"] = []any{}
	r = okta(t, s, "PUT", "/Users/"+uid, toJSON(doc))
	wantStatus(t, r, 200)
	if Get(r.JSON, "active") != false || Str(r.JSON, "id") != uid {
		t.Errorf("AIW deactivation by PUT: %s", r.Body)
	}
	r = okta(t, s, "GET", filterQ("/Users", `userName eq "aiw@okta.local"`, "startIndex", "1", "count", "100"), "")
	if got := r.IDs(); len(got) != 1 || Get(r.Resources()[0], "active") != false {
		t.Errorf("deactivated user must still be found: %s", r.Body)
	}
	// Password sync (by analogy with deactivation; QUIRKS "not documented").
	r = okta(t, s, "PATCH", "/Users/"+uid, patchOps(`{"op":"replace","value":{"password":"n3wPassw0rd"}}`))
	if r.Status != 200 && r.Status != 204 {
		t.Errorf("password sync: %d %s", r.Status, r.Body)
	}
	if strings.Contains(string(r.Body), "n3wPassw0rd") {
		t.Errorf("password echoed")
	}
	// Reactivation by path-less replace.
	r = okta(t, s, "PATCH", "/Users/"+uid, patchOps(`{"op":"replace","value":{"active":true}}`))
	wantStatus(t, r, 200)
	if Get(r.JSON, "active") != true {
		t.Errorf("reactivate: %s", r.Body)
	}
	// Group pushed, then updated by PUT with members (AIW).
	r = okta(t, s, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Okta Push","members":[]}`)
	wantStatus(t, r, 201)
	gid := Str(r.JSON, "id")
	r = okta(t, s, "PUT", "/Groups/"+gid, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"`+gid+`","displayName":"Okta Push","members":[{"value":"`+uid+`","display":"aiw@okta.local"}]}`)
	wantStatus(t, r, 200)
	r = okta(t, s, "GET", "/Groups/"+gid, "")
	if got := memberIDs(r.JSON); len(got) != 1 || got[0] != uid {
		t.Errorf("group PUT members: %s", r.Body)
	}
	// Group PATCH answers 200 for Okta.
	r = okta(t, s, "PATCH", "/Groups/"+gid, patchOps(`{"op":"replace","value":{"id":"`+gid+`","displayName":"Okta Push"}}`))
	wantStatus(t, r, 200)
	r = okta(t, s, "GET", "/Groups?excludedAttributes=members", "")
	if strings.Contains(string(r.Body), `"members"`) || len(r.IDs()) != 1 {
		t.Errorf("excludedAttributes=members: %s", r.Body)
	}
	// Okta's PUT of the group with members removed empties it.
	r = okta(t, s, "PUT", "/Groups/"+gid, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"`+gid+`","displayName":"Okta Push","members":[]}`)
	wantStatus(t, r, 200)
	if r = okta(t, s, "GET", "/Groups/"+gid, ""); len(memberIDs(r.JSON)) != 0 {
		t.Errorf("PUT with no members: %s", r.Body)
	}
	// Unknown extension data (custom attributes of another app) is ignored.
	r = okta(t, s, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:okta:custom:1.0:User"],"userName":"custom@okta.local","urn:okta:custom:1.0:User":{"badge":"42"}}`)
	wantStatus(t, r, 201)
}

// Entra flows beyond the fixtures: charset in Content-Type, string
// booleans inside complex values, filters it matches on, adds through
// unmatched filters, extension paths, manager removal, member removal by
// value list without $ref, soft-delete then hard delete.
func TestEntraEdges(t *testing.T) { Each(t, testEntraEdges) }

func testEntraEdges(t *testing.T, b Backend) {
	s := b.Start(t)
	r := s.Do(t, Request{Method: "POST", Path: "/Users?aadOptscim062020", Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"externalId":"e-1","userName":"E.User@contoso.com","active":true,"emails":[{"primary":true,"type":"work","value":"e.user@contoso.com"}],"roles":[{"primary":"False","type":"WindowsAzureActiveDirectoryRole","display":"Admin","value":"Admin"}],"meta":{"resourceType":"User"}}`,
		Header: map[string]string{"Content-Type": "application/scim+json; charset=utf-8"}})
	wantStatus(t, r, 201)
	uid := Str(r.JSON, "id")
	if Get(r.JSON, "roles.0.primary") != false {
		t.Errorf(`roles[].primary "False" must be stored as false: %v`, r.JSON["roles"])
	}
	for _, f := range []string{`emails[type eq "work"].value eq "E.USER@contoso.com"`, `externalId eq "e-1"`, `userName eq "e.user@CONTOSO.com"`} {
		r := entra(t, s, "GET", filterQ("/Users", f), "")
		if got := r.IDs(); len(got) != 1 || got[0] != uid {
			t.Errorf("filter %s: %s", f, r.Body)
		}
	}
	steps := []struct{ name, ops, check string }{
		{"add mobile through filter", `{"op":"Add","path":"phoneNumbers[type eq \"mobile\"].value","value":"+1 555 0100"}`, "phoneNumbers"},
		{"add work address street", `{"op":"Add","path":"addresses[type eq \"work\"].streetAddress","value":"1 Way"}`, "addresses"},
		{"department by URN", `{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Sales"}`, entUser},
		{"Add active False", `{"op":"Add","path":"active","value":"False"}`, "active"},
		{"Replace active True", `{"op":"Replace","path":"active","value":"True"}`, "active"},
		{"replace title null", `{"op":"Replace","path":"title","value":null}`, ""},
		{"Add role", `{"op":"Add","path":"roles","value":[{"value":"{\"id\":\"7e\",\"value\":\"Writer\",\"displayName\":\"Writer\"}"}]}`, "roles"},
	}
	for _, st := range steps {
		r := entra(t, s, "PATCH", "/Users/"+uid, patchOps(st.ops))
		if r.Status != 200 && r.Status != 204 {
			t.Errorf("%s: %d %s", st.name, r.Status, r.Body)
		}
	}
	r = get(t, s, "/Users/"+uid)
	if Str(r.JSON, "phoneNumbers.0.value") != "+1 555 0100" || Str(r.JSON, "phoneNumbers.0.type") != "mobile" {
		t.Errorf("phoneNumbers: %v", r.JSON["phoneNumbers"])
	}
	if Str(r.JSON, "addresses.0.streetAddress") != "1 Way" || Str(r.JSON, "addresses.0.type") != "work" {
		t.Errorf("addresses: %v", r.JSON["addresses"])
	}
	if ext, _ := r.JSON[entUser].(map[string]any); ext == nil || ext["department"] != "Sales" {
		t.Errorf("department: %v", r.JSON[entUser])
	}
	if Get(r.JSON, "active") != true {
		t.Errorf("active: %v", r.JSON["active"])
	}
	// Manager set then removed by full URN path.
	mgr := create(t, s, "/Users", userBody("mgr@contoso.com"))
	r = entra(t, s, "PATCH", "/Users/"+uid, patchOps(`{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"`+mgr+`"}`))
	wantStatus(t, r, 200)
	if m, _ := r.JSON[entUser].(map[string]any); m == nil || Get(m, "manager.value") != mgr {
		t.Errorf("manager by bare id: %v", r.JSON[entUser])
	}
	r = get(t, s, filterQ("/Users", `id eq "`+uid+`" and manager eq "`+mgr+`"`, "attributes", "id"))
	if got := r.IDs(); len(got) != 1 {
		t.Errorf("manager eq: %s", r.Body)
	}
	r = entra(t, s, "PATCH", "/Users/"+uid, patchOps(`{"op":"Remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}`))
	wantStatus(t, r, 200)
	if m, _ := r.JSON[entUser].(map[string]any); m != nil && m["manager"] != nil {
		t.Errorf("manager not removed: %v", m)
	}
	// Group: created empty, members added twice, removed by value list.
	r = entra(t, s, "POST", "/Groups", `{"externalId":"g-1","displayName":"Entra G","meta":{"resourceType":"Group"},"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"]}`)
	wantStatus(t, r, 201)
	gid := Str(r.JSON, "id")
	u2 := create(t, s, "/Users", userBody("u2@contoso.com"))
	for range 2 {
		r = entra(t, s, "PATCH", "/Groups/"+gid, patchOps(`{"op":"Add","path":"members","value":[{"$ref":null,"value":"`+uid+`"},{"value":"`+u2+`"}]}`))
		wantStatus(t, r, 204)
	}
	r = get(t, s, "/Groups/"+gid)
	if got := memberIDs(r.JSON); !sameSet(got, []string{uid, u2}) {
		t.Errorf("members after double add: %v", got)
	}
	r = entra(t, s, "PATCH", "/Groups/"+gid, patchOps(`{"op":"Remove","path":"members","value":[{"value":"`+uid+`"}]}`))
	wantStatus(t, r, 204)
	if got := memberIDs(get(t, s, "/Groups/"+gid).JSON); !sameSet(got, []string{u2}) {
		t.Errorf("remove by value list removed %v", got)
	}
	// Entra renames via Replace displayName, then the group probe.
	r = entra(t, s, "PATCH", "/Groups/"+gid, patchOps(`{"op":"Replace","path":"displayName","value":"Entra G2"}`))
	wantStatus(t, r, 204)
	r = entra(t, s, "GET", q("/Groups", "excludedAttributes", "members", "filter", `displayName eq "Entra G2"`), "")
	if got := r.IDs(); len(got) != 1 || got[0] != gid {
		t.Errorf("probe after rename: %s", r.Body)
	}
	// Soft delete (active false) keeps the user; DELETE removes it and its
	// memberships.
	entra(t, s, "PATCH", "/Users/"+u2, patchOps(`{"op":"Replace","path":"active","value":"False"}`))
	if r := get(t, s, "/Users/"+u2); Get(r.JSON, "active") != false {
		t.Errorf("soft delete: %s", r.Body)
	}
	wantStatus(t, entra(t, s, "DELETE", "/Users/"+u2, ""), 204)
	if got := memberIDs(get(t, s, "/Groups/"+gid).JSON); len(got) != 0 {
		t.Errorf("hard-deleted user still a member: %v", got)
	}
	// A duplicate userName (Entra then matches by filter).
	wantError(t, entra(t, s, "POST", "/Users", userBody("e.user@contoso.com")), 409, "uniqueness")
	// application/json requests are fine too.
	r = s.Do(t, Request{Method: "POST", Path: "/Users", Body: userBody("json@contoso.com"), Header: map[string]string{"Content-Type": "application/json"}})
	wantStatus(t, r, 201)
}
