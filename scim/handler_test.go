package scim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const userBody = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,"active":true,"name":{"givenName":"A","familyName":"B"}}`

func createUser(t *testing.T, h http.Handler, userName string) string {
	t.Helper()
	res := mustDo(t, h, request{method: "POST", target: "/Users", body: fmt.Sprintf(userBody, userName)}, 201)
	return res.json["id"].(string)
}

func createGroup(t *testing.T, h http.Handler, name string, members ...string) string {
	t.Helper()
	var ms []string
	for _, m := range members {
		ms = append(ms, fmt.Sprintf(`{"value":%q}`, m))
	}
	body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":%q,"members":[%s]}`, name, strings.Join(ms, ","))
	return mustDo(t, h, request{method: "POST", target: "/Groups", body: body}, 201).json["id"].(string)
}

func TestAuthentication(t *testing.T) {
	h := newTestHandler(t, Config{})
	for _, tt := range []struct {
		name  string
		token string
		want  int
	}{
		{"no token", "-", 401},
		{"wrong token", "nope", 401},
		{"tenant 1", testToken, 200},
		{"tenant 2", testToken2, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := do(t, h, request{method: "GET", target: "/Users", token: tt.token})
			if res.code != tt.want {
				t.Fatalf("status %d, want %d", res.code, tt.want)
			}
			if tt.want == 401 {
				if !strings.HasPrefix(res.header.Get("WWW-Authenticate"), `Bearer realm="scim"`) {
					t.Errorf("WWW-Authenticate = %q", res.header.Get("WWW-Authenticate"))
				}
				if res.json["status"] != "401" || res.json["detail"] == "" {
					t.Errorf("body %s", res.body)
				}
			}
		})
	}
	t.Run("nil authenticator fails closed", func(t *testing.T) {
		h, err := New(Config{Store: newTestHandler(t, Config{}).cfg.Store, Logger: discardLogger})
		if err != nil {
			t.Fatal(err)
		}
		for _, target := range []string{"/Users", "/ServiceProviderConfig", "/Schemas"} {
			if res := do(t, h, request{method: "GET", target: target}); res.code != 401 {
				t.Errorf("GET %s: %d, want 401", target, res.code)
			}
		}
	})
	t.Run("read-only principal", func(t *testing.T) {
		ro := newTestHandler(t, Config{Authenticator: StaticTokens{{Tenant: "t1", SHA256: HashToken(testToken), ReadOnly: true}}})
		mustDo(t, ro, request{method: "GET", target: "/Users"}, 200)
		mustDo(t, ro, request{method: "POST", target: "/Users", body: fmt.Sprintf(userBody, "x")}, 403)
	})
	t.Run("public discovery", func(t *testing.T) {
		pub := newTestHandler(t, Config{PublicDiscovery: true})
		mustDo(t, pub, request{method: "GET", target: "/ServiceProviderConfig", token: "-"}, 200)
		mustDo(t, pub, request{method: "GET", target: "/Users", token: "-"}, 401)
	})
}

func TestTenantIsolation(t *testing.T) {
	h := newTestHandler(t, Config{})
	id := createUser(t, h, "alice")
	mustDo(t, h, request{method: "GET", target: "/Users/" + id, token: testToken2}, 404)
	mustDo(t, h, request{method: "PATCH", target: "/Users/" + id, token: testToken2,
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`}, 404)
	mustDo(t, h, request{method: "DELETE", target: "/Users/" + id, token: testToken2}, 404)
	mustDo(t, h, request{method: "POST", target: "/Users", token: testToken2, body: fmt.Sprintf(userBody, "alice")}, 201)
	res := mustDo(t, h, request{method: "GET", target: `/Users?filter=userName eq "alice"`, token: testToken2}, 200)
	if res.json["totalResults"] != 1.0 {
		t.Errorf("tenant 2 sees %v users named alice, want 1", res.json["totalResults"])
	}
}

func TestUserLifecycle(t *testing.T) {
	h := newTestHandler(t, Config{})
	res := mustDo(t, h, request{method: "POST", target: "/Users", body: fmt.Sprintf(userBody, "Bob@Example.com")}, 201)
	id := res.json["id"].(string)
	loc := "http://scim.example.com/Users/" + id
	if res.header.Get("Location") != loc || res.header.Get("ETag") != `W/"1"` {
		t.Errorf("Location %q ETag %q", res.header.Get("Location"), res.header.Get("ETag"))
	}
	meta := res.json["meta"].(map[string]any)
	if meta["location"] != loc || meta["resourceType"] != "User" || meta["version"] != `W/"1"` {
		t.Errorf("meta = %v", meta)
	}
	mustDo(t, h, request{method: "POST", target: "/Users", body: fmt.Sprintf(userBody, "bob@example.COM")}, 409)

	get := mustDo(t, h, request{method: "GET", target: "/Users/" + id}, 200)
	if get.json["userName"] != "Bob@Example.com" || get.header.Get("ETag") != `W/"1"` {
		t.Errorf("GET: %s", get.body)
	}
	mustDo(t, h, request{method: "GET", target: "/Users/" + id, headers: map[string]string{"If-None-Match": `W/"1"`}}, 304)
	mustDo(t, h, request{method: "GET", target: "/Users/" + id, headers: map[string]string{"If-None-Match": `W/"7"`}}, 200)

	put := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"ignored","userName":"Bob@Example.com","displayName":"Bob","active":true}`
	mustDo(t, h, request{method: "PUT", target: "/Users/" + id, body: put, headers: map[string]string{"If-Match": `W/"9"`}}, 412)
	res = mustDo(t, h, request{method: "PUT", target: "/Users/" + id, body: put, headers: map[string]string{"If-Match": `W/"1"`}}, 200)
	if res.json["displayName"] != "Bob" || res.json["name"] != nil || res.json["id"] != id || res.header.Get("ETag") != `W/"2"` {
		t.Errorf("PUT: %s %v", res.body, res.header)
	}
	patch := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`
	mustDo(t, h, request{method: "PATCH", target: "/Users/" + id, body: patch, headers: map[string]string{"If-Match": `W/"1"`}}, 412)
	res = mustDo(t, h, request{method: "PATCH", target: "/Users/" + id + "?attributes=active", body: patch}, 200)
	if diff := cmp.Diff(map[string]any{"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:User"}, "id": id, "active": false}, res.json); diff != "" {
		t.Errorf("PATCH ?attributes=active (-want +got):\n%s", diff)
	}
	mustDo(t, h, request{method: "DELETE", target: "/Users/" + id, headers: map[string]string{"If-Match": `W/"1"`}}, 412)
	mustDo(t, h, request{method: "DELETE", target: "/Users/" + id, headers: map[string]string{"If-Match": "*"}}, 204)
	for _, m := range []string{"GET", "PUT", "PATCH", "DELETE"} {
		body := ""
		if m == "PUT" {
			body = put
		} else if m == "PATCH" {
			body = patch
		}
		res := mustDo(t, h, request{method: m, target: "/Users/" + id, body: body}, 404)
		if !strings.Contains(res.json["detail"].(string), id) {
			t.Errorf("%s 404 detail %q does not name the id", m, res.json["detail"])
		}
	}
}

func TestGroupMembers(t *testing.T) {
	h := newTestHandler(t, Config{})
	u1, u2 := createUser(t, h, "u1"), createUser(t, h, "u2")
	gid := createGroup(t, h, "Admins", u1)

	res := mustDo(t, h, request{method: "GET", target: "/Groups/" + gid + "?excludedAttributes=members"}, 200)
	if _, ok := res.json["members"]; ok {
		t.Errorf("excludedAttributes=members: %s", res.body)
	}
	add := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"value":%q}]}]}`, u2)
	res = mustDo(t, h, request{method: "PATCH", target: "/Groups/" + gid, body: add}, 204)
	if res.header.Get("ETag") == "" {
		t.Errorf("204 PATCH without ETag")
	}
	res = mustDo(t, h, request{method: "PATCH", target: "/Groups/" + gid, body: add, headers: map[string]string{"User-Agent": "Okta SCIM Client 1.0.0"}}, 200)
	if _, ok := res.json["members"]; ok || res.json["displayName"] != "Admins" {
		t.Errorf("Okta PATCH response: %s", res.body)
	}
	res = mustDo(t, h, request{method: "PATCH", target: "/Groups/" + gid + "?attributes=members", body: add}, 200)
	if ms, _ := res.json["members"].([]any); len(ms) != 2 {
		t.Errorf("PATCH ?attributes=members: %s", res.body)
	}
	res = mustDo(t, h, request{method: "GET", target: "/Users/" + u2}, 200)
	if gs, _ := res.json["groups"].([]any); len(gs) != 1 || gs[0].(map[string]any)["value"] != gid {
		t.Errorf("user groups: %s", res.body)
	}
	res = mustDo(t, h, request{method: "GET", target: "/Users/" + u2 + "?excludedAttributes=groups"}, 200)
	if _, ok := res.json["groups"]; ok {
		t.Errorf("excludedAttributes=groups: %s", res.body)
	}
}

func TestPatchResponseSetting(t *testing.T) {
	for _, tt := range []struct {
		pr         PatchResponse
		user, grp  int
		okta, name string
	}{
		{PatchResponseAuto, 200, 204, "", "auto"},
		{PatchResponseResource, 200, 200, "", "resource"},
		{PatchResponseNoContent, 204, 204, "", "no content"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newTestHandler(t, Config{Tenant: func(_ context.Context, tenant string) (TenantConfig, error) {
				return TenantConfig{PatchResponse: tt.pr}, nil
			}})
			uid, gid := createUser(t, h, "u"), createGroup(t, h, "g")
			body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"displayName":"x"}}]}`
			mustDo(t, h, request{method: "PATCH", target: "/Users/" + uid, body: body}, tt.user)
			mustDo(t, h, request{method: "PATCH", target: "/Groups/" + gid, body: body}, tt.grp)
		})
	}
	t.Run("tenant lookup error", func(t *testing.T) {
		h := newTestHandler(t, Config{Tenant: func(context.Context, string) (TenantConfig, error) {
			return TenantConfig{}, ErrForbidden.WithDetail("tenant suspended")
		}})
		mustDo(t, h, request{method: "GET", target: "/Users"}, 403)
	})
}

// TestSoftDelete pins what DeleteSoft documents: the user is deleted as
// RFC 7644 §3.6 requires (every operation on the id is 404, it leaves lists
// and its groups) and a tombstone keeps its externalId reserved (POST, PUT
// or PATCH giving it away is 409 uniqueness) but not its userName; groups
// are soft-deleted the same way.
func TestSoftDelete(t *testing.T) {
	h := newTestHandler(t, Config{Defaults: TenantConfig{Delete: DeleteSoft}})
	const withExt = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,"externalId":%q}`
	uid := mustDo(t, h, request{method: "POST", target: "/Users", body: fmt.Sprintf(withExt, "u", "okta-00u1")}, 201).json["id"].(string)
	other := mustDo(t, h, request{method: "POST", target: "/Users", body: fmt.Sprintf(withExt, "v", "okta-00u2")}, 201).json["id"].(string)
	gid := createGroup(t, h, "g", uid)
	mustDo(t, h, request{method: "DELETE", target: "/Users/" + uid}, 204)
	for _, rq := range []request{
		{method: "GET", target: "/Users/" + uid},
		{method: "PUT", target: "/Users/" + uid, body: fmt.Sprintf(userBody, "u")},
		{method: "PATCH", target: "/Users/" + uid, body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":true}]}`},
		{method: "DELETE", target: "/Users/" + uid},
	} {
		mustDo(t, h, rq, 404)
	}
	for _, f := range []string{`userName eq "u"`, `externalId eq "okta-00u1"`} {
		if res := mustDo(t, h, request{method: "GET", target: "/Users?filter=" + f}, 200); res.json["totalResults"] != 0.0 {
			t.Errorf("soft-deleted user is listed by %s: %s", f, res.body)
		}
	}
	if res := mustDo(t, h, request{method: "GET", target: "/Groups/" + gid}, 200); strings.Contains(string(res.body), uid) {
		t.Errorf("soft-deleted user is still a member: %s", res.body)
	}
	res := mustDo(t, h, request{method: "POST", target: "/Users", body: fmt.Sprintf(withExt, "u2", "okta-00u1")}, 409)
	if res.json["scimType"] != "uniqueness" || !strings.Contains(string(res.body), "externalId") {
		t.Errorf("POST reusing a tombstoned externalId: %s", res.body)
	}
	mustDo(t, h, request{method: "PUT", target: "/Users/" + other, body: fmt.Sprintf(withExt, "v", "okta-00u1")}, 409)
	mustDo(t, h, request{method: "POST", target: "/Users", body: fmt.Sprintf(withExt, "u", "okta-00u3")}, 201) // userName is free
	mustDo(t, h, request{method: "DELETE", target: "/Groups/" + gid}, 204)
	mustDo(t, h, request{method: "GET", target: "/Groups/" + gid}, 404)
	mustDo(t, h, request{method: "DELETE", target: "/Groups/" + gid}, 404)
}

func TestRouting(t *testing.T) {
	h := newTestHandler(t, Config{})
	for _, tt := range []struct {
		method, target string
		want           int
		allow          string
	}{
		{"GET", "/users", 200, ""},
		{"GET", "/Users/", 200, ""},
		{"GET", "/GROUPS", 200, ""},
		{"GET", "/serviceProviderConfig", 200, ""},
		{"GET", "/ServiceProviderConfigs", 200, ""},
		{"DELETE", "/Users", 405, "GET, HEAD, POST"},
		{"POST", "/Users/abc", 405, "GET, HEAD, PUT, PATCH, DELETE"},
		{"GET", "/Users/.search", 404, ""},
		{"POST", "/ServiceProviderConfig", 405, "GET, HEAD"},
		{"GET", "/Nope", 404, ""},
		{"GET", "/Users/a/b", 404, ""},
		{"GET", "/Me", 501, ""},
		{"POST", "/Bulk", 400, ""},
		{"GET", "/Bulk", 405, "POST"},
		{"GET", "/Users?aadOptscim062020", 200, ""},
	} {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			res := do(t, h, request{method: tt.method, target: tt.target})
			if res.code != tt.want || res.header.Get("Allow") != tt.allow {
				t.Errorf("%d Allow %q, want %d %q\n%s", res.code, res.header.Get("Allow"), tt.want, tt.allow, res.body)
			}
			if res.code >= 400 && res.json["status"] != fmt.Sprint(tt.want) {
				t.Errorf("error body %s", res.body)
			}
		})
	}
}

func TestMe(t *testing.T) {
	var uid string
	h := newTestHandler(t, Config{Me: func(_ context.Context, p Principal) (string, string, error) {
		if p.Actor != "tok1" {
			return "", "", errors.New("unexpected principal")
		}
		return "User", uid, nil
	}})
	uid = createUser(t, h, "me")
	if res := mustDo(t, h, request{method: "GET", target: "/Me"}, 200); res.json["id"] != uid {
		t.Errorf("GET /Me: %s", res.body)
	}
	mustDo(t, h, request{method: "POST", target: "/Me", body: "{}"}, 501)
}

func TestMounting(t *testing.T) {
	const root = "/scim/v2"
	for _, tt := range []struct {
		name    string
		cfg     Config
		wrap    func(http.Handler) http.Handler
		headers map[string]string
		want    string
	}{
		{"StripPrefix", Config{}, func(h http.Handler) http.Handler { return http.StripPrefix(root, h) }, nil, "http://scim.example.com/scim/v2/Users/"},
		{"Prefix", Config{Prefix: root + "/"}, func(h http.Handler) http.Handler { return h }, nil, "http://scim.example.com/scim/v2/Users/"},
		{"BaseURL", Config{BaseURL: "https://gw.example.org/tenant-a/scim/"}, func(h http.Handler) http.Handler { return http.StripPrefix(root, h) }, nil, "https://gw.example.org/tenant-a/scim/Users/"},
		{"forwarded", Config{Prefix: root, TrustForwardedHeaders: true}, func(h http.Handler) http.Handler { return h },
			map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "public.example.com"}, "https://public.example.com/scim/v2/Users/"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.Handle(root+"/", tt.wrap(newTestHandler(t, tt.cfg)))
			res := mustDo(t, mux, request{method: "POST", target: root + "/Users", body: fmt.Sprintf(userBody, "m"), headers: tt.headers}, 201)
			want := tt.want + res.json["id"].(string)
			if got := res.json["meta"].(map[string]any)["location"]; got != want || res.header.Get("Location") != want {
				t.Errorf("location %v / %q, want %q", got, res.header.Get("Location"), want)
			}
		})
	}
}

func TestRateLimited(t *testing.T) {
	h := newTestHandler(t, Config{Limiter: LimiterFunc(func(_ context.Context, key string) (bool, time.Duration) {
		return key != "t2", time.Second
	})})
	mustDo(t, h, request{method: "GET", target: "/Users"}, 200)
	if res := mustDo(t, h, request{method: "GET", target: "/Users", token: testToken2}, 429); res.header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q", res.header.Get("Retry-After"))
	}
}

func TestResponseContentType(t *testing.T) {
	h := newTestHandler(t, Config{})
	for accept, want := range map[string]string{
		"":                      "application/scim+json",
		"application/scim+json": "application/scim+json",
		"application/json":      "application/json",
		"*/*":                   "application/scim+json",
		"application/json, */*": "application/scim+json",
		"text/html":             "application/scim+json",
		// RFC 9110 §12.5.1 media ranges, case and quality values.
		"APPLICATION/JSON":                                  "application/json",
		"application/json; charset=utf-8":                   "application/json",
		"application/*":                                     "application/scim+json",
		"application/json, application/*;q=0.5":             "application/scim+json",
		"application/json;q=0":                              "application/scim+json",
		"application/scim+json;q=0, application/json":       "application/json",
		"application/scim+json;q=0.0, application/json;q=1": "application/json",
		"application/scim+json;q=0.2, application/json":     "application/scim+json",
		"text/html, application/json;q=0.9":                 "application/json",
	} {
		res := do(t, h, request{method: "GET", target: "/Users", headers: map[string]string{"Accept": accept}})
		if got := res.header.Get("Content-Type"); got != want {
			t.Errorf("Accept %q: Content-Type %q, want %q", accept, res.header.Get("Content-Type"), want)
		}
	}
}

func TestNewValidation(t *testing.T) {
	h := newTestHandler(t, Config{})
	for name, cfg := range map[string]Config{
		"no store":           {},
		"bad base url":       {Store: h.cfg.Store, BaseURL: "/relative"},
		"bad tokens":         {Store: h.cfg.Store, Authenticator: StaticTokens{{Tenant: "a", SHA256: "plain"}}},
		"dup types":          {Store: h.cfg.Store, ResourceTypes: append(h.cfg.ResourceTypes, h.cfg.ResourceTypes[0])},
		"bad dialect":        {Store: h.cfg.Store, Defaults: TenantConfig{Dialect: 99}},
		"bad delete":         {Store: h.cfg.Store, Defaults: TenantConfig{Delete: 2}},
		"bad patch response": {Store: h.cfg.Store, Defaults: TenantConfig{PatchResponse: -1}},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}

// TestConcurrentMemberPatches: Entra sends parallel PATCHes to one group;
// none may be lost.
func TestConcurrentMemberPatches(t *testing.T) {
	h := newTestHandler(t, Config{})
	gid := createGroup(t, h, "parallel")
	const n = 20
	ids := make([]string, n)
	for i := range ids {
		ids[i] = createUser(t, h, fmt.Sprintf("p%d", i))
	}
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":%q}]},{"op":"replace","path":"displayName","value":"parallel"}]}`, id)
			if res := do(t, h, request{method: "PATCH", target: "/Groups/" + gid, body: body}); res.code != 204 {
				t.Errorf("PATCH: %d %s", res.code, res.body)
			}
		})
	}
	wg.Wait()
	res := mustDo(t, h, request{method: "GET", target: "/Groups/" + gid}, 200)
	if ms, _ := res.json["members"].([]any); len(ms) != n {
		t.Errorf("%d members after %d parallel adds", len(ms), n)
	}
}
