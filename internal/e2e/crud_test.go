package e2e

import (
	"net/http"
	"strings"
	"testing"
)

// RFC 7644 §3.3: the create example, 201 with Location = meta.location,
// ETag = meta.version, and the resource as stored.
func TestCreateUserRFC7644Section33(t *testing.T) { Each(t, testCreateUserRFC7644Section33) }

func testCreateUserRFC7644Section33(t *testing.T, b Backend) {
	s := b.Start(t)
	body := `{
     "schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
     "userName":"bjensen",
     "externalId":"bjensen",
     "name":{
       "formatted":"Ms. Barbara J Jensen III",
       "familyName":"Jensen",
       "givenName":"Barbara"
     }
   }`
	r := post(t, s, "/Users", body)
	wantStatus(t, r, http.StatusCreated)
	id := Str(r.JSON, "id")
	if id == "" || strings.Contains(id, "bulkId") {
		t.Fatalf("id = %q", id)
	}
	loc := r.Header.Get("Location")
	if want := s.URL + "/Users/" + id; loc != want {
		t.Errorf("Location = %q, want %q", loc, want)
	}
	if got := Str(r.JSON, "meta.location"); got != loc {
		t.Errorf("meta.location = %q, want Location %q", got, loc)
	}
	if et, v := r.Header.Get("ETag"), Str(r.JSON, "meta.version"); et == "" || et != v {
		t.Errorf("ETag %q, meta.version %q: want equal and non-empty (RFC 7644 §3.14)", et, v)
	}
	for path, want := range map[string]string{
		"userName": "bjensen", "externalId": "bjensen", "name.formatted": "Ms. Barbara J Jensen III",
		"name.familyName": "Jensen", "name.givenName": "Barbara", "meta.resourceType": "User",
	} {
		if got := Str(r.JSON, path); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	for _, p := range []string{"meta.created", "meta.lastModified"} {
		if Str(r.JSON, p) == "" {
			t.Errorf("%s missing", p)
		}
	}
	if !hasString(r.JSON["schemas"], "urn:ietf:params:scim:schemas:core:2.0:User") {
		t.Errorf("schemas = %v", r.JSON["schemas"])
	}
	// §3.4.1: GET returns the same representation.
	g := get(t, s, "/Users/"+id)
	wantStatus(t, g, 200)
	if Str(g.JSON, "userName") != "bjensen" || Str(g.JSON, "meta.location") != loc {
		t.Errorf("GET: %s", g.Body)
	}
	if g.Header.Get("ETag") != Str(g.JSON, "meta.version") {
		t.Errorf("GET ETag %q, meta.version %q", g.Header.Get("ETag"), Str(g.JSON, "meta.version"))
	}
}

// RFC 7644 §3.3: "the server SHALL ignore" readOnly attributes such as id
// and meta in a POST; a client-chosen id must not be used.
func TestCreateIgnoresReadOnly(t *testing.T) { Each(t, testCreateIgnoresReadOnly) }

func testCreateIgnoresReadOnly(t *testing.T, b Backend) {
	s := b.Start(t)
	r := post(t, s, "/Users", userBody("ro", `"id":"client-chosen","meta":{"resourceType":"User","created":"2000-01-01T00:00:00Z","version":"W/\"x\""}`, `"groups":[{"value":"nope"}]`))
	wantStatus(t, r, 201)
	if Str(r.JSON, "id") == "client-chosen" {
		t.Errorf("server used the client's id")
	}
	if Str(r.JSON, "meta.created") == "2000-01-01T00:00:00Z" {
		t.Errorf("server used the client's meta.created")
	}
	if g := Get(r.JSON, "groups"); g != nil {
		if l, _ := g.([]any); len(l) > 0 {
			t.Errorf("readOnly groups were stored: %v", g)
		}
	}
}

// RFC 7644 §3.3: "If the service provider determines that the creation of
// the requested resource conflicts with existing resources (e.g., a "User"
// resource with a duplicate "userName"), the service provider MUST return
// HTTP status code 409 (Conflict) with a "scimType" error code of
// "uniqueness"". userName is caseExact false (RFC 7643 §4.1.1).
func TestUserNameUniqueness(t *testing.T) { Each(t, testUserNameUniqueness) }

func testUserNameUniqueness(t *testing.T, b Backend) {
	s := b.Start(t)
	create(t, s, "/Users", userBody("Bjensen@Example.com"))
	for _, name := range []string{"Bjensen@Example.com", "bjensen@example.com", "BJENSEN@EXAMPLE.COM"} {
		t.Run(name, func(t *testing.T) {
			wantError(t, post(t, s, "/Users", userBody(name)), 409, "uniqueness")
		})
	}
	// PUT and PATCH into another user's name conflict too.
	id2 := create(t, s, "/Users", userBody("other"))
	wantError(t, s.Do(t, Request{Method: "PUT", Path: "/Users/" + id2, Body: userBody("BJENSEN@example.com")}), 409, "uniqueness")
	wantError(t, patchReq(t, s, "/Users/"+id2, patchOps(`{"op":"replace","path":"userName","value":"bjensen@EXAMPLE.com"}`)), 409, "uniqueness")
	// The stored spelling is kept as sent.
	r := get(t, s, filterQ("/Users", `userName eq "BJENSEN@EXAMPLE.COM"`))
	wantStatus(t, r, 200)
	if ids := r.Resources(); len(ids) != 1 || Str(ids[0], "userName") != "Bjensen@Example.com" {
		t.Errorf("case-insensitive lookup: %s", r.Body)
	}
	// Renaming a user to a case variant of its own name is fine.
	r = patchReq(t, s, "/Users/"+id2, patchOps(`{"op":"replace","path":"userName","value":"OTHER"}`))
	if r.Status != 200 && r.Status != 204 {
		t.Errorf("self case rename: %d %s", r.Status, r.Body)
	}
}

// RFC 7644 §3.4.1 and §3.12: an unknown id is 404 with a SCIM error.
func TestGetUnknown(t *testing.T) { Each(t, testGetUnknown) }

func testGetUnknown(t *testing.T, b Backend) {
	s := b.Start(t)
	for _, p := range []string{"/Users/unknown", "/Groups/00000000-0000-0000-0000-000000000000", "/Users/%20", "/Users/a%2Fb", "/Users/" + strings.Repeat("x", 5000)} {
		t.Run(abbreviate(p)[:min(len(p), 40)], func(t *testing.T) {
			wantError(t, get(t, s, p), 404, "-")
		})
	}
	// A user id under /Groups is not a group.
	id := create(t, s, "/Users", userBody("u"))
	wantError(t, get(t, s, "/Groups/"+id), 404, "")
	wantError(t, s.Do(t, Request{Method: "DELETE", Path: "/Groups/" + id}), 404, "")
	wantStatus(t, get(t, s, "/Users/"+id), 200)
}

// RFC 7644 §3.6: DELETE answers 204, and the resource is then gone: "the
// service provider MUST return a 404 (Not Found) error code" for it,
// including a second DELETE.
func TestDelete(t *testing.T) { Each(t, testDelete) }

func testDelete(t *testing.T, b Backend) {
	s := b.Start(t)
	id := create(t, s, "/Users", userBody("del"))
	r := s.Do(t, Request{Method: "DELETE", Path: "/Users/" + id})
	wantStatus(t, r, 204)
	if len(r.Body) != 0 {
		t.Errorf("204 with body %q", r.Body)
	}
	wantError(t, get(t, s, "/Users/"+id), 404, "")
	wantError(t, s.Do(t, Request{Method: "DELETE", Path: "/Users/" + id}), 404, "")
	wantError(t, s.Do(t, Request{Method: "PUT", Path: "/Users/" + id, Body: userBody("del")}), 404, "")
	wantError(t, patchReq(t, s, "/Users/"+id, patchOps(`{"op":"replace","path":"active","value":false}`)), 404, "")
	if l := get(t, s, filterQ("/Users", `userName eq "del"`)); Int(l.JSON, "totalResults") != 0 {
		t.Errorf("deleted user still listed: %s", l.Body)
	}
	// The userName is free again.
	create(t, s, "/Users", userBody("del"))
}

// RFC 7644 §3.5.1: PUT replaces; readOnly values sent are ignored;
// "immutable" attributes may not change; id in the body must not change
// the resource's id.
func TestPutReplace(t *testing.T) { Each(t, testPutReplace) }

func testPutReplace(t *testing.T, b Backend) {
	s := b.Start(t)
	r := post(t, s, "/Users", userBody("bjensen", `"externalId":"bj","nickName":"Babs","title":"Tour Guide","emails":[{"value":"bj@example.com","type":"work","primary":true}]`))
	wantStatus(t, r, 201)
	id := Str(r.JSON, "id")
	created := Str(r.JSON, "meta.created")

	// The RFC's example: the whole resource with read-only values.
	put := `{
     "schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
     "id":"` + id + `",
     "userName":"bjensen",
     "externalId":"bjensen",
     "name":{"formatted":"Ms. Barbara J Jensen III","familyName":"Jensen","givenName":"Barbara","middleName":"Jane"},
     "roles":[],
     "emails":[{"value":"bjensen@example.com"},{"value":"babs@jensen.org"}],
     "meta":{"resourceType":"User","created":"2000-01-01T00:00:00Z","location":"https://elsewhere/Users/x","version":"W/\"zzz\""},
     "groups":[{"value":"made-up","display":"Made Up"}]
   }`
	r = s.Do(t, Request{Method: "PUT", Path: "/Users/" + id, Body: put})
	wantStatus(t, r, 200)
	if Str(r.JSON, "id") != id || Str(r.JSON, "meta.created") != created {
		t.Errorf("PUT changed id or meta.created: %s", r.Body)
	}
	if Str(r.JSON, "meta.location") != s.URL+"/Users/"+id {
		t.Errorf("meta.location = %q", Str(r.JSON, "meta.location"))
	}
	if Get(r.JSON, "nickName") != nil || Get(r.JSON, "title") != nil {
		t.Errorf("PUT kept attributes it did not send (nickName, title): %s", r.Body)
	}
	if Str(r.JSON, "name.middleName") != "Jane" || Str(r.JSON, "externalId") != "bjensen" {
		t.Errorf("PUT did not store new values: %s", r.Body)
	}
	if l, _ := Get(r.JSON, "emails").([]any); len(l) != 2 {
		t.Errorf("emails = %v", Get(r.JSON, "emails"))
	}
	if g, _ := Get(r.JSON, "groups").([]any); len(g) != 0 {
		t.Errorf("readOnly groups from PUT were stored: %v", g)
	}
	// A different id in the body: readOnly, ignored or refused; never applied.
	r = s.Do(t, Request{Method: "PUT", Path: "/Users/" + id, Body: userBody("bjensen", `"id":"another-id"`)})
	if r.Status == 200 && Str(r.JSON, "id") != id {
		t.Errorf("PUT changed the id: %s", r.Body)
	}
	if r.Status != 200 && r.Status != 400 {
		t.Errorf("PUT with another id: %d", r.Status)
	}
	wantStatus(t, get(t, s, "/Users/"+id), 200)
	// PUT without a required attribute is 400.
	wantError(t, s.Do(t, Request{Method: "PUT", Path: "/Users/" + id, Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"displayName":"x"}`}), 400, "")
}

// RFC 7644 §3.14: ETags. If-None-Match on GET gives 304; If-Match with a
// stale version on PUT/PATCH/DELETE gives 412; every write changes the
// version.
func TestETags(t *testing.T) { Each(t, testETags) }

func testETags(t *testing.T, b Backend) {
	s := b.Start(t)
	r := post(t, s, "/Users", userBody("etag"))
	wantStatus(t, r, 201)
	id, v1 := Str(r.JSON, "id"), r.Header.Get("ETag")
	if !strings.HasPrefix(v1, `W/"`) && !strings.HasPrefix(v1, `"`) {
		t.Fatalf("ETag %q is not an entity tag", v1)
	}
	g := s.Do(t, Request{Method: "GET", Path: "/Users/" + id, Header: map[string]string{"If-None-Match": v1}})
	wantStatus(t, g, 304)
	g = s.Do(t, Request{Method: "GET", Path: "/Users/" + id, Header: map[string]string{"If-None-Match": `W/"other"`}})
	wantStatus(t, g, 200)
	// §3.14 "SCIM ETags MUST be specified as an HTTP header", also when
	// the attributes parameter leaves meta out of the body.
	for _, p := range []string{"?attributes=userName", "?excludedAttributes=meta", "?attributes=meta.version"} {
		g = get(t, s, "/Users/"+id+p)
		if g.Header.Get("ETag") != v1 {
			t.Errorf("GET %s: ETag %q, want %q", p, g.Header.Get("ETag"), v1)
		}
	}

	r = s.Do(t, Request{Method: "PATCH", Path: "/Users/" + id, Body: patchOps(`{"op":"replace","path":"nickName","value":"n"}`), Header: map[string]string{"If-Match": v1}})
	wantStatus(t, r, 200)
	v2 := r.Header.Get("ETag")
	if v2 == "" || v2 == v1 || Str(r.JSON, "meta.version") != v2 {
		t.Errorf("PATCH: ETag %q (was %q), meta.version %q", v2, v1, Str(r.JSON, "meta.version"))
	}
	for _, m := range []struct{ method, body string }{
		{"PATCH", patchOps(`{"op":"replace","path":"nickName","value":"m"}`)},
		{"PUT", userBody("etag")},
		{"DELETE", ""},
	} {
		r := s.Do(t, Request{Method: m.method, Path: "/Users/" + id, Body: m.body, Header: map[string]string{"If-Match": v1}})
		wantError(t, r, 412, "")
	}
	r = s.Do(t, Request{Method: "PUT", Path: "/Users/" + id, Body: userBody("etag"), Header: map[string]string{"If-Match": v2}})
	wantStatus(t, r, 200)
	v3 := r.Header.Get("ETag")
	r = s.Do(t, Request{Method: "DELETE", Path: "/Users/" + id, Header: map[string]string{"If-Match": "*"}})
	wantStatus(t, r, 204)
	_ = v3
	// If-Match on a missing resource: 404 (or 412); never 2xx.
	r = s.Do(t, Request{Method: "DELETE", Path: "/Users/" + id, Header: map[string]string{"If-Match": v3}})
	if r.Status != 404 && r.Status != 412 {
		t.Errorf("DELETE gone resource with If-Match: %d", r.Status)
	}
	// ServiceProviderConfig advertises etag support.
	c := get(t, s, "/ServiceProviderConfig")
	if Get(c.JSON, "etag.supported") != true {
		t.Errorf("etag.supported = %v", Get(c.JSON, "etag.supported"))
	}
}

// externalId is set by the client and returned as sent (RFC 7643 §3.1),
// case-exact, and filterable.
func TestExternalIDRoundTrip(t *testing.T) { Each(t, testExternalIDRoundTrip) }

func testExternalIDRoundTrip(t *testing.T, b Backend) {
	s := b.Start(t)
	id := create(t, s, "/Users", userBody("ext", `"externalId":"00uXyZ-Okta"`))
	r := get(t, s, "/Users/"+id)
	if Str(r.JSON, "externalId") != "00uXyZ-Okta" {
		t.Errorf("externalId = %q", Str(r.JSON, "externalId"))
	}
	r = get(t, s, filterQ("/Users", `externalId eq "00uXyZ-Okta"`))
	if ids := r.IDs(); len(ids) != 1 || ids[0] != id {
		t.Errorf("filter externalId: %s", r.Body)
	}
	// caseExact: another case does not match.
	r = get(t, s, filterQ("/Users", `externalId eq "00uxyz-okta"`))
	if Int(r.JSON, "totalResults") != 0 {
		t.Errorf("externalId is caseExact (RFC 7643 §3.1): %s", r.Body)
	}
	r = patchReq(t, s, "/Users/"+id, patchOps(`{"op":"replace","path":"externalId","value":"new-ext"}`))
	if Str(r.JSON, "externalId") != "new-ext" {
		t.Errorf("PATCH externalId: %s", r.Body)
	}
	gid := create(t, s, "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G","externalId":"grp-ext"}`)
	r = get(t, s, filterQ("/Groups", `externalId eq "grp-ext"`))
	if ids := r.IDs(); len(ids) != 1 || ids[0] != gid {
		t.Errorf("group externalId filter: %s", r.Body)
	}
}

// Unicode userNames are stored and returned byte for byte, and found by
// filter.
func TestUnicodeUserNames(t *testing.T) { Each(t, testUnicodeUserNames) }

func testUnicodeUserNames(t *testing.T, b Backend) {
	s := b.Start(t)
	names := []string{"José.Müller@example.com", "李小龙", "😀emoji", "Ωmega", "straße", "ǅungla", "a\u0301"}
	ids := map[string]string{}
	for _, n := range names {
		r := post(t, s, "/Users", userBody(n))
		wantStatus(t, r, 201)
		if Str(r.JSON, "userName") != n {
			t.Errorf("userName %q came back as %q", n, Str(r.JSON, "userName"))
		}
		ids[n] = Str(r.JSON, "id")
	}
	for _, n := range names {
		r := get(t, s, filterQ("/Users", `userName eq `+jsonString(n)))
		if got := r.IDs(); len(got) != 1 || got[0] != ids[n] {
			t.Errorf("filter %q: %s", n, r.Body)
		}
	}
	// Case variants conflict (Unicode folding).
	wantError(t, post(t, s, "/Users", userBody("JOSÉ.MÜLLER@EXAMPLE.COM")), 409, "uniqueness")
	wantError(t, post(t, s, "/Users", userBody("ωMEGA")), 409, "uniqueness")
	// A precomposed é is another string than e + combining acute (no
	// normalisation): both may exist.
	create(t, s, "/Users", userBody("\u00e1"))
	// \u escapes in JSON decode to the same name.
	wantError(t, post(t, s, "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"\u674e\u5c0f\u9f99"}`), 409, "uniqueness")
}
