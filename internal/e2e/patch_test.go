package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// patchOK sends a PATCH and requires 200 (with the resource) or 204, then
// returns the resource as GET shows it.
func patchOK(t *testing.T, s *Server, path, body string) map[string]any {
	t.Helper()
	r := patchReq(t, s, path, body)
	if r.Status != 200 && r.Status != 204 {
		t.Fatalf("PATCH %s: status %d\n%s\nbody sent: %s", path, r.Status, r.Body, body)
	}
	g := get(t, s, path+"?attributes=members,emails,addresses,nickName,userName,displayName,name,x509Certificates,active,title")
	wantStatus(t, g, 200)
	if r.Header.Get("ETag") != g.Header.Get("ETag") {
		t.Errorf("PATCH answered ETag %q, GET shows %q", r.Header.Get("ETag"), g.Header.Get("ETag"))
	}
	return g.JSON
}

func memberIDs(m map[string]any) []string {
	var out []string
	l, _ := m["members"].([]any)
	for _, e := range l {
		out = append(out, Str(e.(map[string]any), "value"))
	}
	return out
}

// Every example of RFC 7644 §3.5.2, in order.
func TestPatchExamplesRFC7644(t *testing.T) { Each(t, testPatchExamplesRFC7644) }

func testPatchExamplesRFC7644(t *testing.T, b Backend) {
	s := b.Start(t)
	bj := create(t, s, "/Users", userBody("bjensen", `"emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"bj@work.example.com","type":"other"}]`,
		`"addresses":[{"type":"work","streetAddress":"100 Universal City Plaza","locality":"Hollywood","region":"CA","postalCode":"91608","country":"USA"}]`,
		`"x509Certificates":[{"value":"MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx"}]`))
	js := create(t, s, "/Users", userBody("jsmith"))
	g := create(t, s, "/Groups", groupBody("Tour Guides"))
	ref := func(id string) string { return s.URL + "/Users/" + id }

	// §3.5.2.1: add a member.
	m := patchOK(t, s, "/Groups/"+g, patchOps(`{"op":"add","path":"members","value":[{"display":"Babs Jensen","$ref":"`+ref(bj)+`","value":"`+bj+`"}]}`))
	if got := memberIDs(m); !sameSet(got, []string{bj}) {
		t.Errorf("add member: %v", got)
	}
	// §3.5.2.1: add without path ("nickname" in the RFC's lower case).
	u := patchOK(t, s, "/Users/"+bj, patchOps(`{"op":"add","value":{"emails":[{"value":"babs@jensen.org","type":"home"}],"nickname":"Babs"}}`))
	if Str(u, "nickName") != "Babs" {
		t.Errorf("add nickname: %v", u)
	}
	if l, _ := u["emails"].([]any); len(l) != 3 {
		t.Errorf("add appends to emails: %v", u["emails"])
	}
	// §3.5.2.2: remove members[value eq ...].
	patchOK(t, s, "/Groups/"+g, patchOps(`{"op":"add","path":"members","value":[{"value":"`+js+`"}]}`))
	m = patchOK(t, s, "/Groups/"+g, patchOps(`{"op":"remove","path":"members[value eq \"`+bj+`\"]"}`))
	if got := memberIDs(m); !sameSet(got, []string{js}) {
		t.Errorf("remove filtered member: %v", got)
	}
	// §3.5.2.2: remove all members.
	m = patchOK(t, s, "/Groups/"+g, patchOps(`{"op":"remove","path":"members"}`))
	if got := memberIDs(m); len(got) != 0 {
		t.Errorf("remove all members: %v", got)
	}
	// §3.5.2.2: remove a complex value by filter.
	u = patchOK(t, s, "/Users/"+bj, patchOps(`{"op":"remove","path":"emails[type eq \"work\" and value ew \"example.com\"]"}`))
	for _, e := range u["emails"].([]any) {
		if Str(e.(map[string]any), "type") == "work" {
			t.Errorf("work email not removed: %v", u["emails"])
		}
	}
	// §3.5.2.2: remove a binary value (x509Certificates).
	u = patchOK(t, s, "/Users/"+bj, patchOps(`{"op":"remove","path":"x509Certificates[value eq \"MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx\"]"}`))
	if u["x509Certificates"] != nil {
		t.Errorf("x509Certificates not removed: %v", u["x509Certificates"])
	}
	// §3.5.2.2: remove one member and add another in one request (the
	// RFC writes eq\"…\" without a space).
	patchOK(t, s, "/Groups/"+g, patchOps(`{"op":"add","path":"members","value":[{"value":"`+bj+`"}]}`))
	m = patchOK(t, s, "/Groups/"+g, patchOps(`{"op":"remove","path":"members[value eq\"`+bj+`\"]"}`,
		`{"op":"add","path":"members","value":[{"display":"James Smith","$ref":"`+ref(js)+`","value":"`+js+`"}]}`))
	if got := memberIDs(m); !sameSet(got, []string{js}) {
		t.Errorf("remove+add: %v", got)
	}
	// §3.5.2.2: remove all members, then add (replace in two ops).
	m = patchOK(t, s, "/Groups/"+g, patchOps(`{"op":"remove","path":"members"}`,
		`{"op":"add","path":"members","value":[{"display":"Babs Jensen","$ref":"`+ref(bj)+`","value":"`+bj+`"},{"display":"James Smith","$ref":"`+ref(js)+`","value":"`+js+`"}]}`))
	if got := memberIDs(m); !sameSet(got, []string{bj, js}) {
		t.Errorf("remove all + add: %v", got)
	}
	// §3.5.2.3: replace members.
	m = patchOK(t, s, "/Groups/"+g, patchOps(`{"op":"replace","path":"members","value":[{"display":"Babs Jensen","$ref":"`+ref(bj)+`","value":"`+bj+`"}]}`))
	if got := memberIDs(m); !sameSet(got, []string{bj}) {
		t.Errorf("replace members: %v", got)
	}
	// §3.5.2.3: replace addresses[type eq "work"].
	u = patchOK(t, s, "/Users/"+bj, patchOps(`{"op":"replace","path":"addresses[type eq \"work\"]","value":{"type":"work","streetAddress":"911 Universal City Plaza","locality":"Hollywood","region":"CA","postalCode":"91608","country":"US","formatted":"911 Universal City Plaza\nHollywood, CA 91608 US","primary":true}}`))
	if Str(u, "addresses.0.streetAddress") != "911 Universal City Plaza" || Get(u, "addresses.0.primary") != true {
		t.Errorf("replace filtered address: %v", u["addresses"])
	}
	// §3.5.2.3: replace a sub-attribute through a filter.
	u = patchOK(t, s, "/Users/"+bj, patchOps(`{"op":"replace","path":"addresses[type eq \"work\"].streetAddress","value":"1010 Broadway Ave"}`))
	if Str(u, "addresses.0.streetAddress") != "1010 Broadway Ave" || Str(u, "addresses.0.locality") != "Hollywood" {
		t.Errorf("replace filtered sub-attribute: %v", u["addresses"])
	}
	// §3.5.2.3: replace without path.
	u = patchOK(t, s, "/Users/"+bj, patchOps(`{"op":"replace","value":{"emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@jensen.org","type":"home"}],"nickname":"Babs"}}`))
	if l, _ := u["emails"].([]any); len(l) != 2 || Str(u, "emails.0.value") != "bjensen@example.com" {
		t.Errorf("replace without path: %v", u["emails"])
	}
}

// PATCH corner cases: case-insensitive paths, op names and schema URN;
// errors with the scimType RFC 7644 §3.5.2 and Table 9 prescribe;
// atomicity.
func TestPatchEdges(t *testing.T) { Each(t, testPatchEdges) }

func testPatchEdges(t *testing.T, b Backend) {
	s := b.Start(t)
	id := create(t, s, "/Users", userBody("edge", `"name":{"givenName":"E","familyName":"Dge"}`, `"emails":[{"value":"e@x.com","type":"work"}]`, `"active":true`))
	for _, c := range []struct {
		name, op, path string
		check          func(map[string]any) bool
	}{
		{"upper path", `{"op":"replace","path":"NAME.GIVENNAME","value":"Ed"}`, "name.givenName", func(m map[string]any) bool { return Str(m, "name.givenName") == "Ed" }},
		{"URN path", `{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:name.familyName","value":"Q"}`, "", func(m map[string]any) bool { return Str(m, "name.familyName") == "Q" }},
		{"upper URN path", `{"op":"replace","path":"URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:NICKNAME","value":"nn"}`, "", func(m map[string]any) bool { return Str(m, "nickName") == "nn" }},
		{"upper filter", `{"op":"replace","path":"EMAILS[TYPE EQ \"work\"].VALUE","value":"f@x.com"}`, "", func(m map[string]any) bool { return Str(m, "emails.0.value") == "f@x.com" }},
		{"Replace op", `{"op":"Replace","path":"active","value":false}`, "", func(m map[string]any) bool { return Get(m, "active") == false }},
		{"REPLACE op + string bool", `{"op":"REPLACE","path":"active","value":"True"}`, "", func(m map[string]any) bool { return Get(m, "active") == true }},
		{"value keys upper", `{"op":"replace","value":{"NickName":"Upper","ACTIVE":false}}`, "", func(m map[string]any) bool { return Str(m, "nickName") == "Upper" && Get(m, "active") == false }},
		{"remove attr", `{"op":"remove","path":"nickName"}`, "", func(m map[string]any) bool { return m["nickName"] == nil }},
		{"remove absent attr", `{"op":"remove","path":"title"}`, "", func(m map[string]any) bool { return m["title"] == nil }},
		{"add single-valued replaces", `{"op":"add","path":"nickName","value":"A"}`, "", func(m map[string]any) bool { return Str(m, "nickName") == "A" }},
		{"add same email twice", `{"op":"add","path":"emails","value":[{"value":"f@x.com","type":"work"}]}`, "", func(m map[string]any) bool { l, _ := m["emails"].([]any); return len(l) == 1 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := patchOK(t, s, "/Users/"+id, patchOps(c.op))
			if !c.check(m) {
				t.Errorf("after %s: %v", c.op, m)
			}
		})
	}
	// Schema URN case-insensitive (RFC 7643 §2.1 / URN equivalence).
	patchOK(t, s, "/Users/"+id, `{"schemas":["URN:IETF:PARAMS:SCIM:API:MESSAGES:2.0:PATCHOP"],"Operations":[{"op":"replace","path":"title","value":"T"}]}`)

	before := get(t, s, "/Users/"+id)
	errs := []struct {
		name, body, scimType string
	}{
		{"remove without path", patchOps(`{"op":"remove"}`), "noTarget"},
		{"unknown op", patchOps(`{"op":"move","path":"title","value":"x"}`), "invalidSyntax"},
		{"bad path", patchOps(`{"op":"replace","path":"emails[type eq","value":"x"}`), "invalidPath"},
		{"unknown attribute path", patchOps(`{"op":"replace","path":"nosuch","value":"x"}`), "invalidPath"},
		{"readOnly id", patchOps(`{"op":"replace","path":"id","value":"other"}`), "mutability"},
		{"readOnly meta", patchOps(`{"op":"replace","path":"meta.created","value":"2000-01-01T00:00:00Z"}`), "mutability"},
		{"remove required userName", patchOps(`{"op":"remove","path":"userName"}`), ""},
		{"wrong type", patchOps(`{"op":"replace","path":"active","value":{"a":1}}`), "invalidValue"},
		{"no Operations", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`, "invalidSyntax"},
		{"empty Operations", patchOps(), "invalidSyntax"},
		{"Operations not array", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":{"op":"add"}}`, "invalidSyntax"},
		{"add without value", patchOps(`{"op":"add","path":"title"}`), ""},
		{"atomic: second op fails", patchOps(`{"op":"replace","path":"title","value":"CHANGED"}`, `{"op":"replace","path":"id","value":"x"}`), "mutability"},
		{"array body", `[{"op":"replace","path":"title","value":"x"}]`, "invalidSyntax"},
		{"filter on single-valued", patchOps(`{"op":"replace","path":"title[value eq \"x\"]","value":"y"}`), ""},
	}
	for _, c := range errs {
		t.Run(c.name, func(t *testing.T) {
			r := patchReq(t, s, "/Users/"+id, c.body)
			wantError(t, r, 400, c.scimType)
		})
	}
	after := get(t, s, "/Users/"+id)
	if Str(after.JSON, "title") != Str(before.JSON, "title") || Str(after.JSON, "meta.version") != Str(before.JSON, "meta.version") {
		t.Errorf("failed PATCHes changed the resource: %s → %s", before.Body, after.Body)
	}
}

// Group membership seen from both sides (RFC 7643 §4.1.2 groups is
// readOnly and derived; §4.2 members), excludedAttributes=members, and
// DELETE of a user removing it from its groups.
func TestGroupMembership(t *testing.T) { Each(t, testGroupMembership) }

func testGroupMembership(t *testing.T, b Backend) {
	s := b.Start(t)
	u1 := create(t, s, "/Users", userBody("u1"))
	u2 := create(t, s, "/Users", userBody("u2"))
	g1 := create(t, s, "/Groups", groupBody("g1", u1))
	g2 := create(t, s, "/Groups", groupBody("g2"))
	patchOK(t, s, "/Groups/"+g2, patchOps(`{"op":"add","path":"members","value":[{"value":"`+u1+`"},{"value":"`+u2+`"}]}`))
	// Nested group: a group may be a member of a group.
	patchOK(t, s, "/Groups/"+g2, patchOps(`{"op":"add","path":"members","value":[{"value":"`+g1+`","type":"Group"}]}`))

	r := get(t, s, "/Users/"+u1)
	var gs []string
	for _, e := range asList(r.JSON["groups"]) {
		m := e.(map[string]any)
		gs = append(gs, Str(m, "value"))
		if Str(m, "$ref") != "" && Str(m, "$ref") != s.URL+"/Groups/"+Str(m, "value") {
			t.Errorf("groups.$ref = %q", Str(m, "$ref"))
		}
		if d := Str(m, "display"); d != "" && d != "g1" && d != "g2" {
			t.Errorf("groups.display = %q", d)
		}
	}
	if !sameSet(gs[:min(len(gs), 2)], []string{g1, g2}) && !sameSet(gs, []string{g1, g2}) {
		t.Errorf("u1 groups = %v, want %v (and maybe indirect)", gs, []string{g1, g2})
	}
	// Group GET lists members with value (and $ref, display when given).
	r = get(t, s, "/Groups/"+g2)
	if got := memberIDs(r.JSON); !sameSet(got, []string{u1, u2, g1}) {
		t.Errorf("g2 members %v", got)
	}
	for _, e := range asList(r.JSON["members"]) {
		m := e.(map[string]any)
		if ref := Str(m, "$ref"); ref != "" && !strings.HasPrefix(ref, s.URL+"/") {
			t.Errorf("member $ref %q is not absolute under the base URL", ref)
		}
	}
	// excludedAttributes=members on GET by id and by filter (Entra).
	for _, p := range []string{"/Groups/" + g2 + "?excludedAttributes=members", q("/Groups", "excludedAttributes", "members", "filter", `displayName eq "g2"`), "/Groups?excludedAttributes=MEMBERS"} {
		r := get(t, s, p)
		wantStatus(t, r, 200)
		if strings.Contains(string(r.Body), `"members"`) {
			t.Errorf("%s: members present: %s", p, r.Body)
		}
		if !strings.Contains(string(r.Body), `"displayName"`) {
			t.Errorf("%s: displayName missing", p)
		}
	}
	// Filter groups by member (Entra's "id eq x and members[value eq y]").
	r = get(t, s, filterQ("/Groups", fmt.Sprintf(`id eq "%s" and members[value eq "%s"]`, g2, u2), "excludedAttributes", "members"))
	if got := r.IDs(); len(got) != 1 || got[0] != g2 {
		t.Errorf("members filter: %s", r.Body)
	}
	r = get(t, s, filterQ("/Groups", fmt.Sprintf(`members.value eq "%s"`, u1)))
	if got := r.IDs(); !sameSet(got, []string{g1, g2}) {
		t.Errorf("members.value filter: %s", r.Body)
	}
	// DELETE u1 removes it from both groups.
	wantStatus(t, s.Do(t, Request{Method: "DELETE", Path: "/Users/" + u1}), 204)
	for _, g := range []string{g1, g2} {
		r := get(t, s, "/Groups/"+g)
		for _, v := range memberIDs(r.JSON) {
			if v == u1 {
				t.Errorf("deleted user still a member of %s: %s", g, r.Body)
			}
		}
	}
	r = get(t, s, filterQ("/Groups", fmt.Sprintf(`members[value eq "%s"]`, u1)))
	if Int(r.JSON, "totalResults") != 0 {
		t.Errorf("deleted user still matched by a members filter: %s", r.Body)
	}
	// Deleting a group removes it from u2's groups.
	wantStatus(t, s.Do(t, Request{Method: "DELETE", Path: "/Groups/" + g2}), 204)
	r = get(t, s, "/Users/"+u2)
	if len(asList(r.JSON["groups"])) != 0 {
		t.Errorf("u2 groups after deleting g2: %v", r.JSON["groups"])
	}
	// A member that does not exist: refused (400) or accepted; never 5xx.
	r = patchReq(t, s, "/Groups/"+g1, patchOps(`{"op":"add","path":"members","value":[{"value":"no-such-user"}]}`))
	if r.Status >= 500 {
		t.Errorf("unknown member: %d", r.Status)
	}
	// groups is readOnly: PATCH on a user's groups is refused.
	r = patchReq(t, s, "/Users/"+u2, patchOps(`{"op":"add","path":"groups","value":[{"value":"`+g1+`"}]}`))
	wantError(t, r, 400, "mutability")
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
