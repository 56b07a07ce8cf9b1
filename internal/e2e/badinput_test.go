package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/scimkit/scimkit/patch"
	"github.com/scimkit/scimkit/scim"
)

// badRequests is the hostile-input battery: every request must be
// answered with a 4xx SCIM error (Server.Do checks the body, media type
// and status member), never a 5xx or a non-JSON body.
func badRequests(uid string) []struct {
	name string
	req  Request
	want int // 0: any 4xx
} {
	deep := strings.Repeat(`{"a":`, 5000) + "1" + strings.Repeat("}", 5000)
	deepArr := `{"userName":"x","emails":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "}"
	big := `{"userName":"` + strings.Repeat("a", 10<<20) + `"}`
	long := strings.Repeat("l", 100000) // beyond scim.DefaultMaxStringLength
	many := func(n int, f string) string {
		s := make([]string, n)
		for i := range s {
			s[i] = fmt.Sprintf(f, i)
		}
		return strings.Join(s, ",")
	}
	ors := make([]string, 1000)
	for i := range ors {
		ors[i] = fmt.Sprintf(`userName eq "u%d"`, i)
	}
	type R = Request
	return []struct {
		name string
		req  Request
		want int
	}{
		{"malformed JSON", R{Method: "POST", Path: "/Users", Body: `{"userName":`}, 400},
		{"trailing garbage", R{Method: "POST", Path: "/Users", Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"tg"} xyz`}, 400},
		{"two objects", R{Method: "POST", Path: "/Users", Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"two1"}{"userName":"two2"}`}, 400},
		{"trailing comma", R{Method: "POST", Path: "/Users", Body: `{"userName":"tc",}`}, 400},
		{"userName number", R{Method: "POST", Path: "/Users", Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":42}`}, 400},
		{"userName object", R{Method: "POST", Path: "/Users", Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":{"a":1}}`}, 400},
		{"userName array", R{Method: "POST", Path: "/Users", Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":["a"]}`}, 400},
		{"userName null", R{Method: "POST", Path: "/Users", Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":null}`}, 400},
		{"userName empty", R{Method: "POST", Path: "/Users", Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":""}`}, 400},
		{"no userName", R{Method: "POST", Path: "/Users", Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"displayName":"x"}`}, 400},
		{"displayName empty group", R{Method: "POST", Path: "/Groups", Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":""}`}, 400},
		{"PUT userName empty", R{Method: "PUT", Path: "/Users/" + uid, Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":""}`}, 400},
		{"PATCH userName empty", R{Method: "PATCH", Path: "/Users/" + uid, Body: patchOps(`{"op":"replace","path":"userName","value":""}`)}, 400},
		{"PATCH path-less userName empty", R{Method: "PATCH", Path: "/Users/" + uid, Body: patchOps(`{"op":"replace","value":{"userName":""}}`)}, 400},
		{"displayName null group", R{Method: "POST", Path: "/Groups", Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":null}`}, 400},
		{"emails not array of objects", R{Method: "POST", Path: "/Users", Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"e1","emails":[1,2]}`}, 400},
		{"name a string", R{Method: "POST", Path: "/Users", Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"e2","name":"Bob"}`}, 400},
		{"active a number", R{Method: "POST", Path: "/Users", Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"e3","active":3}`}, 400},
		{"active bad string", R{Method: "POST", Path: "/Users", Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"e4","active":"maybe"}`}, 400},
		{"schemas not array", R{Method: "POST", Path: "/Users", Body: `{"schemas":"urn:ietf:params:scim:schemas:core:2.0:User","userName":"e5","active":"maybe"}`}, 400},
		{"empty body", R{Method: "POST", Path: "/Users", Body: ""}, 400},
		{"whitespace body", R{Method: "POST", Path: "/Users", Body: "  \n "}, 400},
		{"null body", R{Method: "POST", Path: "/Users", Body: "null"}, 400},
		{"array body", R{Method: "POST", Path: "/Users", Body: `[{"userName":"arr"}]`}, 400},
		{"string body", R{Method: "POST", Path: "/Users", Body: `"userName"`}, 400},
		{"10 MB body", R{Method: "POST", Path: "/Users", Body: big}, 413},
		{"100,000-character userName", R{Method: "POST", Path: "/Users", Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + long + `"}`}, 400},
		{"100,000-character PATCH value", R{Method: "PATCH", Path: "/Users/" + uid, Body: patchOps(`{"op":"replace","path":"title","value":"` + long + `"}`)}, 400},
		{"10,001 emails", R{Method: "POST", Path: "/Users", Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"many","emails":[` + many(10001, `{"value":"e%d@x"}`) + `]}`}, 400},
		{"10,001 members", R{Method: "POST", Path: "/Groups", Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"many","members":[` + many(10001, `{"value":"m%d"}`) + `]}`}, 400},
		{"deep nesting", R{Method: "POST", Path: "/Users", Body: deep}, 400},
		{"deep arrays", R{Method: "POST", Path: "/Users", Body: deepArr}, 400},
		{"invalid UTF-8", R{Method: "POST", Path: "/Users", Body: "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":\"bad\xff\xfe\"}"}, 400},
		{"invalid UTF-8 key", R{Method: "POST", Path: "/Users", Body: "{\"user\xffName\":\"x\"}"}, 400},
		{"NUL escape", R{Method: "POST", Path: "/Users", Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"nul\u0000"}`}, 400},
		{"lone surrogate", R{Method: "POST", Path: "/Users", Body: `{"userName":"\ud800"}`}, 0},
		{"BOM", R{Method: "POST", Path: "/Users", Body: "\ufeff{\"userName\":\"bom\"}"}, 0},
		{"xml body", R{Method: "POST", Path: "/Users", Body: `<user/>`, Header: map[string]string{"Content-Type": "application/xml"}}, 415},
		{"text/plain", R{Method: "POST", Path: "/Users", Body: `{"userName":"tp"}`, Header: map[string]string{"Content-Type": "text/plain"}}, 415},
		{"form", R{Method: "POST", Path: "/Users", Body: `userName=x`, Header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, 415},
		{"bad content type", R{Method: "POST", Path: "/Users", Body: `{"userName":"bct"}`, Header: map[string]string{"Content-Type": ";;;"}}, 415},
		{"PUT malformed", R{Method: "PUT", Path: "/Users/" + uid, Body: `{"userName":`}, 400},
		{"PUT array", R{Method: "PUT", Path: "/Users/" + uid, Body: `[]`}, 400},
		{"PUT empty", R{Method: "PUT", Path: "/Users/" + uid, Body: ``}, 400},
		{"PATCH malformed", R{Method: "PATCH", Path: "/Users/" + uid, Body: `{"Operations":[`}, 400},
		{"PATCH empty", R{Method: "PATCH", Path: "/Users/" + uid, Body: ``}, 400},
		{"PATCH op null", R{Method: "PATCH", Path: "/Users/" + uid, Body: patchOps(`{"op":null,"path":"title","value":"x"}`)}, 400},
		{"PATCH op number", R{Method: "PATCH", Path: "/Users/" + uid, Body: patchOps(`{"op":1}`)}, 400},
		{"PATCH path number", R{Method: "PATCH", Path: "/Users/" + uid, Body: patchOps(`{"op":"replace","path":5,"value":"x"}`)}, 400},
		{"PATCH operation string", R{Method: "PATCH", Path: "/Users/" + uid, Body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":["add"]}`}, 400},
		{"PATCH huge path", R{Method: "PATCH", Path: "/Users/" + uid, Body: patchOps(`{"op":"replace","path":"` + strings.Repeat("a.", 5000) + `b","value":"x"}`)}, 400},
		{"PATCH deep filter path", R{Method: "PATCH", Path: "/Users/" + uid, Body: patchOps(`{"op":"replace","path":"emails[` + strings.Repeat("(", 500) + `value eq \"x\"` + strings.Repeat(")", 500) + `]","value":"x"}`)}, 400},
		{"very long filter", R{Method: "GET", Path: filterQ("/Users", `userName eq "`+strings.Repeat("x", 100000)+`"`)}, 0},
		{"1000 ors", R{Method: "GET", Path: filterQ("/Users", strings.Join(ors, " or "))}, 400},
		{"deep parens", R{Method: "GET", Path: filterQ("/Users", strings.Repeat("(", 2000)+`userName eq "x"`+strings.Repeat(")", 2000))}, 400},
		{"deep not", R{Method: "GET", Path: filterQ("/Users", strings.Repeat("not (", 500)+`userName eq "x"`+strings.Repeat(")", 500))}, 400},
		{"filter huge number", R{Method: "GET", Path: filterQ("/Users", `meta.version eq 1e999999`)}, 400},
		{"filter invalid UTF-8", R{Method: "GET", Path: "/Users?filter=userName%20eq%20%22%FF%FE%22"}, 0},
		{"filter NUL", R{Method: "GET", Path: "/Users?filter=userName%20eq%20%22a%00%22"}, 0},
		{"bad percent-encoding", R{Method: "GET", Path: "/Users?filter=%ZZ"}, 400},
		{"startIndex=abc", R{Method: "GET", Path: "/Users?startIndex=abc"}, 400},
		{"count=1e9", R{Method: "GET", Path: "/Users?count=1e9"}, 400},
		{"count=NaN", R{Method: "GET", Path: "/Users?count=NaN"}, 400},
		{"sortOrder=sideways", R{Method: "GET", Path: "/Users?sortBy=userName&sortOrder=sideways"}, 400},
		{"sortBy unknown", R{Method: "GET", Path: "/Users?sortBy=nope"}, 400},
		{"sortBy filter syntax", R{Method: "GET", Path: "/Users?sortBy=emails%5Btype%20eq%20%22work%22%5D"}, 400},
		{"attributes and excludedAttributes", R{Method: "GET", Path: "/Users?attributes=userName&excludedAttributes=name"}, 400},
		{"unknown endpoint", R{Method: "GET", Path: "/Nope"}, 404},
		{"unknown nested endpoint", R{Method: "GET", Path: "/Users/" + uid + "/extra"}, 404},
		{"path traversal", R{Method: "GET", Path: "/Users/../Groups"}, 0},
		{"wrong method collection", R{Method: "DELETE", Path: "/Users"}, 405},
		{"wrong method PUT collection", R{Method: "PUT", Path: "/Users", Body: `{}`}, 405},
		{"wrong method POST on id", R{Method: "POST", Path: "/Users/" + uid, Body: `{"userName":"x"}`}, 405},
		{"wrong method schemas", R{Method: "DELETE", Path: "/Schemas"}, 405},
		{"wrong method search", R{Method: "PUT", Path: "/.search", Body: `{}`}, 405},
		{"TRACE", R{Method: "TRACE", Path: "/Users"}, 0},
		{"no Authorization", R{Method: "GET", Path: "/Users", Header: map[string]string{"Authorization": ""}}, 401},
		{"Basic scheme", R{Method: "GET", Path: "/Users", Header: map[string]string{"Authorization": "Basic dXNlcjpwYXNz"}}, 401},
		{"Basic with the token", R{Method: "GET", Path: "/Users", Header: map[string]string{"Authorization": "Basic " + Token}}, 401},
		{"wrong token", R{Method: "GET", Path: "/Users", Header: map[string]string{"Authorization": "Bearer nope"}}, 401},
		{"empty bearer", R{Method: "GET", Path: "/Users", Header: map[string]string{"Authorization": "Bearer "}}, 401},
		{"Bearer alone", R{Method: "GET", Path: "/Users", Header: map[string]string{"Authorization": "Bearer"}}, 401},
		{"token prefix", R{Method: "GET", Path: "/Users", Header: map[string]string{"Authorization": "Bearer " + Token[:5]}}, 401},
		{"token + suffix", R{Method: "GET", Path: "/Users", Header: map[string]string{"Authorization": "Bearer " + Token + "x"}}, 401},
		{"401 on POST", R{Method: "POST", Path: "/Users", Body: `{"userName":"unauth"}`, Header: map[string]string{"Authorization": "Bearer nope"}}, 401},
		{"401 on discovery", R{Method: "GET", Path: "/ServiceProviderConfig", Header: map[string]string{"Authorization": ""}}, 401},
		{"Bulk", R{Method: "POST", Path: "/Bulk", Body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":"x"}`}, 0},
		{"Me", R{Method: "GET", Path: "/Me"}, 0},
		{"id with NUL", R{Method: "GET", Path: "/Users/a%00b"}, 404},
		{"id invalid UTF-8", R{Method: "GET", Path: "/Users/%FF"}, 404},
		{"If-Match garbage", R{Method: "DELETE", Path: "/Users/" + uid, Header: map[string]string{"If-Match": "garbage"}}, 412},
	}
}

// coercible are the battery cases that the default dialect accepts on
// purpose (schema.DecodeOptions.CoerceStrings: a number for a string
// attribute kept as its JSON text, a one-element array for a single value,
// bare values for a complex attribute with "value", as Entra sends them);
// DialectStrict refuses them.
var coercible = map[string]bool{"userName number": true, "userName array": true, "emails not array of objects": true}

// TestBadInput runs the battery and then checks the server still serves,
// and that nothing the battery sent was created.
func TestBadInput(t *testing.T) { Each(t, testBadInput) }

func testBadInput(t *testing.T, b Backend) {
	for _, strict := range []bool{false, true} {
		t.Run(map[bool]string{false: "default", true: "strict"}[strict], func(t *testing.T) {
			badInput(t, b, strict)
		})
	}
}

func badInput(t *testing.T, b Backend, strict bool) {
	s := b.Start(t, func(c *scim.Config) {
		if strict {
			c.Defaults.Dialect = patch.DialectStrict
		}
	})
	uid := create(t, s, "/Users", userBody("victim"))
	lenient := 0
	for _, c := range badRequests(uid) {
		t.Run(c.name, func(t *testing.T) {
			r := s.Do(t, c.req)
			if !strict && coercible[c.name] && r.Status == 201 {
				lenient++
				return
			}
			switch {
			case c.want == 0 && (r.Status < 400 || r.Status > 499):
				if r.Status != 200 && r.Status != 501 { // lenient answers allowed for "any"
					t.Errorf("status %d, want a 4xx\n%.300s", r.Status, r.Body)
				}
			case c.want != 0 && r.Status != c.want:
				t.Errorf("status %d, want %d\n%.500s", r.Status, c.want, r.Body)
			}
			if r.Status == 401 && r.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate (RFC 6750 §3)")
			}
			if r.Status == 405 && r.Header.Get("Allow") == "" {
				t.Errorf("405 without Allow (RFC 9110 §15.5.6)")
			}
		})
	}
	r := get(t, s, "/Users")
	wantStatus(t, r, 200)
	if Int(r.JSON, "totalResults") > 1+lenient {
		t.Errorf("bad input created users: %s", r.Body)
	}
	g := get(t, s, "/Users/"+uid)
	wantStatus(t, g, 200)
}

// The battery in parallel with valid traffic: no 5xx, and the valid
// requests all succeed.
func TestBadInputConcurrent(t *testing.T) { Each(t, testBadInputConcurrent) }

func testBadInputConcurrent(t *testing.T, b Backend) {
	if testing.Short() {
		t.Skip("short")
	}
	s := b.Start(t)
	uid := create(t, s, "/Users", userBody("victim"))
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, c := range badRequests(uid) {
				if strings.HasPrefix(c.name, "10 MB") && w > 0 {
					continue
				}
				s.Do(t, c.req)
			}
		}()
	}
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := s.Do(t, Request{Method: "POST", Path: "/Users", Body: userBody(fmt.Sprintf("good%d", i))})
			if r.Status != http.StatusCreated {
				t.Errorf("valid create %d: %d", i, r.Status)
			}
		}()
	}
	wg.Wait()
	r := get(t, s, filterQ("/Users", `userName sw "good"`))
	if Int(r.JSON, "totalResults") != 50 {
		t.Errorf("totalResults %v, want 50", r.JSON["totalResults"])
	}
}

// Bearer tokens: the scheme is case-insensitive (RFC 6750 §2.1, RFC 9110
// §11.1); surrounding whitespace is not part of the token. (A tab after
// "Bearer" is outside RFC 6750's grammar, `"Bearer" 1*SP b64token`, so
// refusing it is allowed and not tested.)
func TestAuthorizationForms(t *testing.T) { Each(t, testAuthorizationForms) }

func testAuthorizationForms(t *testing.T, b Backend) {
	s := b.Start(t)
	for _, h := range []string{"Bearer " + Token, "bearer " + Token, "BEARER " + Token, "Bearer  " + Token, "Bearer " + Token + " ", "Bearer " + Token + "  "} {
		t.Run(fmt.Sprintf("%q", h), func(t *testing.T) {
			r := s.Do(t, Request{Method: "GET", Path: "/Users", Header: map[string]string{"Authorization": h}})
			wantStatus(t, r, 200)
		})
	}
	// The 401 body is a SCIM error for Okta's SPEC test.
	r := s.Do(t, Request{Method: "GET", Path: "/Users", Header: map[string]string{"Authorization": "Bearer wrong"}})
	wantError(t, r, 401, "")
}
