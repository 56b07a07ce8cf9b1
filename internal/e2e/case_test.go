package e2e

import (
	"net/http"
	"strings"
	"testing"
)

// RFC 7643 §2.1: "Attribute names are case insensitive" — also as JSON
// member names in request bodies; schema URNs compare case-insensitively
// (RFC 8141 §3: the "urn" and NID parts; scimkit folds the whole URN).
func TestCaseInsensitiveBodies(t *testing.T) { Each(t, testCaseInsensitiveBodies) }

func testCaseInsensitiveBodies(t *testing.T, b Backend) {
	s := b.Start(t)
	r := post(t, s, "/Users", `{"SCHEMAS":["URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER","urn:ietf:params:scim:schemas:extension:ENTERPRISE:2.0:User"],"USERNAME":"CaseUser","Name":{"GIVENNAME":"C","familyname":"U"},"EMAILS":[{"VALUE":"c@u.com","Type":"work","PRIMARY":true}],"Active":true,"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER":{"EMPLOYEENUMBER":"77"}}`)
	wantStatus(t, r, 201)
	m := r.JSON
	if Str(m, "userName") != "CaseUser" || Str(m, "name.givenName") != "C" || Str(m, "name.familyName") != "U" ||
		Str(m, "emails.0.value") != "c@u.com" || Get(m, "emails.0.primary") != true || Get(m, "active") != true {
		t.Errorf("canonical names: %s", r.Body)
	}
	ext, _ := m[entUser].(map[string]any)
	if ext == nil || ext["employeeNumber"] != "77" {
		t.Errorf("extension under another case: %s", r.Body)
	}
	for _, k := range []string{"USERNAME", "Name", "EMAILS", "Active", "SCHEMAS"} {
		if _, ok := m[k]; ok {
			t.Errorf("response keeps the client's spelling %q", k)
		}
	}
	if !hasString(m["schemas"], "urn:ietf:params:scim:schemas:core:2.0:User") || !hasString(m["schemas"], entUser) {
		t.Errorf("schemas = %v", m["schemas"])
	}
	id := Str(m, "id")
	// Same in PUT and in a path-less PATCH value.
	r = s.Do(t, Request{Method: "PUT", Path: "/Users/" + id, Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"UserName":"CaseUser","NICKNAME":"cu"}`})
	wantStatus(t, r, 200)
	if Str(r.JSON, "nickName") != "cu" {
		t.Errorf("PUT NICKNAME: %s", r.Body)
	}
	// The same attribute twice in different case is ambiguous: refused or
	// one of them; never both, never 5xx.
	r = post(t, s, "/Users", `{"userName":"dup1","USERNAME":"dup2"}`)
	if r.Status == 201 && Str(r.JSON, "userName") != "dup1" && Str(r.JSON, "userName") != "dup2" {
		t.Errorf("duplicate member names: %s", r.Body)
	}
	// Endpoint names: the RFC's are case-sensitive URL paths, scimkit
	// accepts any case.
	r = get(t, s, "/users/"+id)
	wantStatus(t, r, 200)
	r = get(t, s, "/USERS?filter="+strings.ReplaceAll(`userName eq "caseuser"`, " ", "%20"))
	if len(r.IDs()) != 1 {
		t.Errorf("/USERS: %s", r.Body)
	}
}

// Group member sub-attributes are immutable (RFC 7643 §8.7.1): PUT with
// the same members succeeds; each write keeps Location/meta.location
// right; HEAD answers without a body.
func TestGroupsLocationAndHead(t *testing.T) { Each(t, testGroupsLocationAndHead) }

func testGroupsLocationAndHead(t *testing.T, b Backend) {
	s := b.Start(t)
	u := create(t, s, "/Users", userBody("h"))
	r := post(t, s, "/Groups", groupBody("loc", u))
	wantStatus(t, r, 201)
	gid := Str(r.JSON, "id")
	if loc := r.Header.Get("Location"); loc != s.URL+"/Groups/"+gid || Str(r.JSON, "meta.location") != loc {
		t.Errorf("Location %q, meta.location %q", loc, Str(r.JSON, "meta.location"))
	}
	r = s.Do(t, Request{Method: "PUT", Path: "/Groups/" + gid, Body: groupBody("loc2", u)})
	wantStatus(t, r, 200)
	if Str(r.JSON, "meta.location") != s.URL+"/Groups/"+gid || Str(r.JSON, "displayName") != "loc2" {
		t.Errorf("PUT group: %s", r.Body)
	}
	for _, p := range []string{"/Groups/" + gid, "/Users", "/ServiceProviderConfig"} {
		h := s.Do(t, Request{Method: http.MethodHead, Path: p})
		if h.Status != 200 || len(h.Body) != 0 {
			t.Errorf("HEAD %s: %d %q", p, h.Status, h.Body)
		}
	}
	// List responses carry meta.location of each resource.
	l := get(t, s, "/Groups")
	for _, m := range l.Resources() {
		if Str(m, "meta.location") != s.URL+"/Groups/"+Str(m, "id") {
			t.Errorf("list meta.location %q", Str(m, "meta.location"))
		}
	}
}

// The base URL itself, with and without a trailing slash.
func TestBaseURL(t *testing.T) { Each(t, testBaseURL) }

func testBaseURL(t *testing.T, b Backend) {
	s := b.Start(t)
	create(t, s, "/Users", userBody("root"))
	r := s.Do(t, Request{Method: "GET", RawURL: s.URL + "/?filter=" + strings.ReplaceAll(`userName eq "root"`, " ", "%20")})
	wantStatus(t, r, 200)
	if len(r.IDs()) != 1 {
		t.Errorf("root query: %s", r.Body)
	}
	r = s.Do(t, Request{Method: "POST", RawURL: s.URL + "/.search", Body: `{"filter":"userName eq \"root\""}`})
	wantStatus(t, r, 200)
}
