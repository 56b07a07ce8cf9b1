package console_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scimkit/console"
	"github.com/scimkit/scimkit/store/memory"
)

func TestNewChecksConfig(t *testing.T) {
	for _, cfg := range []console.Config{
		{AdminToken: adminToken},
		{Store: memory.New()},
		{Store: memory.New(), AdminToken: "short"},
		{Store: memory.New(), AdminToken: adminToken, Prefix: "admin"},
		{Store: memory.New(), AdminToken: adminToken, PageSize: -1},
	} {
		if _, err := console.New(cfg); err == nil {
			t.Errorf("New(%+v) succeeded, want an error", cfg)
		}
	}
}

func TestAuthRefusals(t *testing.T) {
	e := newEnv(t, false)
	c := e.client()
	// Signed out, every page sends to the sign-in page; a SCIM bearer
	// token does not open the console.
	for _, hdr := range [][]string{nil, {"Authorization", "Bearer " + e.scimToken}} {
		for _, path := range []string{"/admin/", "/admin/log", "/admin/log/1", "/admin/tokens", "/admin/tenants", "/admin/deliveries", "/admin/directory"} {
			res, _ := e.do(c, "GET", path, nil, hdr...)
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/signin" {
				t.Errorf("GET %s (%v): %d to %q, want 303 to /admin/signin", path, hdr, res.StatusCode, res.Header.Get("Location"))
			}
		}
	}
	for _, tok := range []string{"", "wrong-token-wrong-token", e.scimToken, adminToken + "x", adminToken[:len(adminToken)-1]} {
		res, body := e.do(c, "POST", "/admin/signin", url.Values{"token": {tok}})
		if res.StatusCode != http.StatusUnauthorized || len(res.Cookies()) != 0 || !strings.Contains(body, "not the admin token") {
			t.Errorf("sign in with %q: %d, cookies %v; want 401 without a cookie", tok, res.StatusCode, res.Cookies())
		}
	}
	// The admin token in a URL or a header is no sign-in either.
	if res, _ := e.do(c, "GET", "/admin/log?token="+adminToken, nil, "Authorization", "Bearer "+adminToken); res.StatusCode != http.StatusSeeOther {
		t.Errorf("GET with the admin token in the query and header: %d, want 303 to the sign-in page", res.StatusCode)
	}
	// A console session never opens SCIM.
	e.signIn(c)
	if res, _ := e.do(c, "GET", "/scim/v2/Users", nil); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /scim/v2/Users with a console session: %d, want 401", res.StatusCode)
	}
	if res, _ := e.do(c, "GET", "/scim/v2/Users", nil, "Authorization", "Bearer "+adminToken); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /scim/v2/Users with the admin token as bearer: %d, want 401", res.StatusCode)
	}
	if res, _ := e.do(c, "GET", "/admin/log", nil); res.StatusCode != http.StatusOK {
		t.Errorf("GET /admin/log signed in: %d, want 200", res.StatusCode)
	}
}

func TestCookieAttributes(t *testing.T) {
	for _, tls := range []bool{false, true} {
		e := newEnv(t, tls)
		res, _ := e.do(e.client(), "POST", "/admin/signin", url.Values{"token": {adminToken}})
		cs := res.Cookies()
		if len(cs) != 1 {
			t.Fatalf("tls=%v: sign-in set %d cookies, want 1", tls, len(cs))
		}
		ck := cs[0]
		wantName, wantPath := "scimkit_console", "/admin/"
		if tls {
			wantName, wantPath = "__Host-scimkit_console", "/"
		}
		if ck.Name != wantName || ck.Path != wantPath || !ck.HttpOnly || ck.Secure != tls || ck.SameSite != http.SameSiteStrictMode ||
			ck.MaxAge <= 0 || len(ck.Value) != 43 {
			t.Errorf("tls=%v: cookie %+v; want %s, Path=%s, HttpOnly, Secure=%v, SameSite=Strict, Max-Age, a 256-bit value", tls, ck, wantName, wantPath, tls)
		}
		if strings.Contains(res.Header.Get("Location"), adminToken) {
			t.Errorf("the admin token is in the redirect")
		}
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t, false)
	c := e.client()
	token := e.signIn(c)
	other := e.signIn(e.client()) // another session's token is wrong for c
	count := func() int {
		all, err := e.st.ListTokens(t.Context(), "acme")
		if err != nil {
			t.Fatal(err)
		}
		return len(all)
	}
	before := count()
	for _, tc := range []struct {
		name string
		form url.Values
		hdr  []string
	}{
		{"no token", url.Values{"tenant": {"acme"}}, nil},
		{"empty token", url.Values{"tenant": {"acme"}, "csrf": {""}}, nil},
		{"wrong token", url.Values{"tenant": {"acme"}, "csrf": {token + "x"}}, nil},
		{"other session's token", url.Values{"tenant": {"acme"}, "csrf": {other}}, nil},
		{"cross-site", url.Values{"tenant": {"acme"}, "csrf": {token}}, []string{"Sec-Fetch-Site", "cross-site"}},
		{"other origin", url.Values{"tenant": {"acme"}, "csrf": {token}}, []string{"Origin", "https://evil.example"}},
		{"opaque origin", url.Values{"tenant": {"acme"}, "csrf": {token}}, []string{"Origin", "null"}},
		{"same-site", url.Values{"tenant": {"acme"}, "csrf": {token}}, []string{"Sec-Fetch-Site", "same-site", "Origin", e.srv.URL}},
	} {
		res, _ := e.do(c, "POST", "/admin/tokens", tc.form, tc.hdr...)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%s: POST /admin/tokens %d, want 403", tc.name, res.StatusCode)
		}
	}
	for _, path := range []string{"/admin/signout", "/admin/tenants", "/admin/tenants/acme/delete", "/admin/deliveries/crm/replay"} {
		if res, _ := e.do(c, "POST", path, url.Values{"confirm": {"acme"}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s without a CSRF token: %d, want 403", path, res.StatusCode)
		}
	}
	if got := count(); got != before {
		t.Fatalf("refused requests changed the tokens: %d, want %d", got, before)
	}
	if _, err := e.st.GetTenant(t.Context(), "acme"); err != nil {
		t.Fatalf("a refused request deleted the tenant: %v", err)
	}
	// Behind a proxy that rewrites Host, the browser's Fetch Metadata
	// decides: same-origin is accepted whatever the Origin's host.
	res, body := e.revealed(c, "POST", "/admin/tokens", url.Values{"tenant": {"acme"}, "csrf": {token}, "name": {"entra"}},
		"Origin", "https://scim.example.com", "Sec-Fetch-Site", "same-origin")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `id="secret">scimkit_`) || count() != before+1 {
		t.Fatalf("POST /admin/tokens with the token: %d, %d tokens; want the secret shown", res.StatusCode, count())
	}
	// Signed out (even without a CSRF check passing first), the session is gone.
	if res, _ := e.do(c, "POST", "/admin/signout", url.Values{"csrf": {token}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: %d", res.StatusCode)
	}
	if res, _ := e.do(c, "POST", "/admin/tokens", url.Values{"tenant": {"acme"}, "csrf": {token}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("POST after sign-out: %d, want 403", res.StatusCode)
	}
	if res, _ := e.do(c, "GET", "/admin/log", nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("GET after sign-out: %d, want 303", res.StatusCode)
	}
}

func TestSessionExpiry(t *testing.T) {
	e := newEnv(t, false)
	c := e.client()
	now := time.Now()
	e.now.Store(&now)
	e.signIn(c)
	step := func(d time.Duration) int {
		now = now.Add(d)
		n := now
		e.now.Store(&n)
		res, _ := e.do(c, "GET", "/admin/log", nil)
		return res.StatusCode
	}
	// Requests within the idle timeout keep it alive, up to the absolute TTL.
	for elapsed := time.Duration(0); elapsed+50*time.Minute < console.DefaultSessionTTL; elapsed += 50 * time.Minute {
		if got := step(50 * time.Minute); got != http.StatusOK {
			t.Fatalf("after %v of activity: %d, want 200", elapsed+50*time.Minute, got)
		}
	}
	if got := step(50 * time.Minute); got != http.StatusSeeOther {
		t.Errorf("past the session TTL: %d, want 303", got)
	}
	e.signIn(c)
	if got := step(console.DefaultIdleTimeout); got != http.StatusSeeOther {
		t.Errorf("idle for the idle timeout: %d, want 303", got)
	}
}

func TestLogPage(t *testing.T) {
	e := newEnv(t, false)
	c := e.client()
	e.signIn(c)
	if got := e.scim("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen","password":"hunter2-secret"}`); got != 201 {
		t.Fatalf("POST /Users: %d", got)
	}
	if got := e.scim("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}`); got != 409 {
		t.Fatalf("second POST /Users: %d", got)
	}
	for _, tc := range []struct {
		query     string
		status    int
		want, not string
	}{
		{"", 200, "201", ""},
		{"?status=409", 200, "409", "201"},
		{"?outcome=success&method=POST&type=User&idp=okta&tenant=acme", 200, "201", "409"},
		{"?method=DELETE", 200, "No entries match", "/Users"},
		{"?method=FETCH", 400, "not one of GET", "/Users"},
		{"?since=2030-01-01T00:00&until=2020-01-01", 400, "must be before until", "/Users"},
		{"?idp=google", 200, "<option selected>google</option>", "/Users"},
		{"?idp=entra", 200, "No entries match", "/Users"},
		{"?request=nope", 200, "No entries match", "/Users"},
		{"?resource=nope", 200, "No entries match", "/Users"},
		{"?tenant=other", 200, "No entries match", "/Users"},
		{"?since=2999-01-01T00:00", 200, "No entries match", "/Users"},
		{"?since=2999-01-01T02:00:00%2B02:00", 200, `name="since" value="2999-01-01T00:00"`, "/Users"},
		{"?until=2999-01-01T00:00:30Z", 200, `name="until" value="2999-01-01T00:00:30"`, ""},
		{"?status=abc", 400, "not an HTTP status", ""},
		{"?since=yesterday", 400, "not a time", ""},
		{"?outcome=maybe", 400, "not one of", ""},
		{"?cursor=bogus", 400, "start again from the newest", ""},
	} {
		res, body := e.do(c, "GET", "/admin/log"+tc.query, nil)
		if res.StatusCode != tc.status || !strings.Contains(body, tc.want) || tc.not != "" && strings.Contains(body, tc.not) {
			t.Errorf("GET /admin/log%s: %d; want %d with %q and without %q", tc.query, res.StatusCode, tc.status, tc.want, tc.not)
		}
	}
	// The detail of the first entry: redacted body, events.
	page, err := e.st.Query(t.Context(), storeFilterAll())
	if err != nil || len(page.Entries) != 2 {
		t.Fatalf("log: %v, %v", page, err)
	}
	first := page.Entries[1]
	res, body := e.do(c, "GET", "/admin/log/"+itoa(first.Seq), nil)
	if res.StatusCode != 200 || !strings.Contains(body, "bjensen") || strings.Contains(body, "hunter2") || !strings.Contains(body, "user.created") {
		t.Errorf("GET /admin/log/%d: %d; want the redacted request (no password) and its user.created event:\n%s", first.Seq, res.StatusCode, body)
	}
	// A group naming a member that does not exist: the entry lists it.
	if got := e.scim("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G","members":[{"value":"ghost-member"}]}`); got != 201 {
		t.Fatalf("POST /Groups: %d", got)
	}
	page, err = e.st.Query(t.Context(), storeFilterAll())
	if err != nil || len(page.Entries) != 3 {
		t.Fatalf("log: %v, %v", page, err)
	}
	res, body = e.do(c, "GET", "/admin/log/"+itoa(page.Entries[0].Seq), nil)
	if res.StatusCode != 200 || !strings.Contains(body, "Members left out") || !strings.Contains(body, "<code>ghost-member</code>") {
		t.Errorf("GET /admin/log/%d: %d; want the member left out:\n%s", page.Entries[0].Seq, res.StatusCode, body)
	}
	// Opened from a filtered page, the entry leads back to it.
	_, body = e.do(c, "GET", "/admin/log?method=POST&status=201", nil)
	link := regexp.MustCompile(`href="(/admin/log/\d+\?[^"]+)" class="detail"`).FindStringSubmatch(body)
	if link == nil {
		t.Fatalf("no detail link with the page's query:\n%s", body)
	}
	_, body = e.do(c, "GET", html.UnescapeString(link[1]), nil)
	if back := regexp.MustCompile(`href="([^"]*)" id="back"`).FindStringSubmatch(body); back == nil || html.UnescapeString(back[1]) != "/admin/log?method=POST&status=201" {
		t.Errorf("the way back from %s: %v, want /admin/log?method=POST&status=201", link[1], back)
	}
	for _, seq := range []string{"999", "0", "-1", "x", "9223372036854775807"} {
		if res, _ := e.do(c, "GET", "/admin/log/"+seq, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET /admin/log/%s: %d, want 404", seq, res.StatusCode)
		}
	}
}

func TestSigninThrottle(t *testing.T) {
	e := newEnv(t, false)
	c := e.client()
	now := time.Now()
	e.now.Store(&now)
	for i := range 10 {
		if res, _ := e.do(c, "POST", "/admin/signin", url.Values{"token": {"wrong-token-wrong-token"}}); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failed sign-in %d: %d, want 401", i+1, res.StatusCode)
		}
	}
	// Even the right token waits now: guessing gets no answer.
	res, body := e.do(c, "POST", "/admin/signin", url.Values{"token": {adminToken}})
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "6" || len(res.Cookies()) != 0 || !strings.Contains(body, "Too many failed sign-ins") {
		t.Fatalf("sign-in after 10 failures: %d, Retry-After %q; want 429, 6", res.StatusCode, res.Header.Get("Retry-After"))
	}
	later := now.Add(6 * time.Second)
	e.now.Store(&later)
	e.signIn(c)
}

// TestRefusalPages: refusals, oversized forms and unknown paths answer
// with a page that says what happened, and change nothing.
func TestRefusalPages(t *testing.T) {
	e := newEnv(t, false)
	c := e.client()
	// Signed out: an unknown path goes to the sign-in page; signing out
	// again is no error.
	for _, path := range []string{"/admin/nothing", "/admin/tokens/x/revoke"} {
		if res, _ := e.do(c, "GET", path, nil); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/signin" {
			t.Errorf("GET %s signed out: %d to %q, want 303 to /admin/signin", path, res.StatusCode, res.Header.Get("Location"))
		}
	}
	if res, _ := e.do(c, "POST", "/admin/signout", url.Values{}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/signin" {
		t.Errorf("sign out without a session: %d to %q, want 303 to /admin/signin", res.StatusCode, res.Header.Get("Location"))
	}
	if res, body := e.do(c, "POST", "/admin/tokens", url.Values{"tenant": {"acme"}}); res.StatusCode != http.StatusForbidden ||
		!strings.Contains(body, "session has ended") || !strings.Contains(body, `href="/admin/signin"`) {
		t.Errorf("POST without a session: %d, want 403 with a sign-in link:\n%s", res.StatusCode, body)
	}
	csrf := e.signIn(c)
	if res, body := e.do(c, "GET", "/admin/nothing", nil); res.StatusCode != http.StatusNotFound || !strings.Contains(body, `id="signout"`) || !strings.Contains(body, "No such page") {
		t.Errorf("GET /admin/nothing signed in: %d, want the console's 404 page:\n%s", res.StatusCode, body)
	}
	if res, body := e.do(c, "POST", "/admin/tenants", url.Values{"id": {"beta"}}); res.StatusCode != http.StatusForbidden || !strings.Contains(body, "Nothing was changed") {
		t.Errorf("POST without a CSRF token: %d, want 403 saying nothing changed:\n%s", res.StatusCode, body)
	}
	big := url.Values{"csrf": {csrf}, "id": {"beta"}, "name": {strings.Repeat("x", 100<<10)}}
	for _, path := range []string{"/admin/tenants", "/admin/signin"} {
		if res, body := e.do(c, "POST", path, big); res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "larger than 64 KiB") {
			t.Errorf("POST %s with 100 KiB: %d, want 413 with a message:\n%s", path, res.StatusCode, body)
		}
	}
	if _, err := e.st.GetTenant(t.Context(), "beta"); err == nil {
		t.Error("a refused request created tenant beta")
	}
}

// TestSecurityHeaders: every answer, signed in or out, forbids framing,
// scripts and sniffing, sends no referrer, and is not stored by caches
// (the static stylesheet aside).
func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, false)
	c := e.client()
	check := func(path string, res *http.Response, cacheable bool) {
		t.Helper()
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "script-src") ||
			h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: headers %v", path, h)
		}
		if got := h.Get("Cache-Control"); (got == "no-store") == cacheable {
			t.Errorf("%s: Cache-Control %q", path, got)
		}
	}
	for _, path := range []string{"/admin/signin", "/admin/log", "/admin/nothing"} {
		res, _ := e.do(c, "GET", path, nil)
		check(path, res, false)
	}
	res, _ := e.do(c, "POST", "/admin/signin", url.Values{"token": {"wrong-token-wrong-token"}})
	check("POST /admin/signin", res, false)
	csrf := e.signIn(c)
	for _, path := range []string{"/admin/log", "/admin/tokens", "/admin/nothing"} {
		res, _ := e.do(c, "GET", path, nil)
		check(path, res, false)
	}
	res, _ = e.revealed(c, "POST", "/admin/tokens", url.Values{"csrf": {csrf}, "tenant": {"acme"}})
	check("the secret's page", res, false)
	res, _ = e.do(c, "GET", "/admin/static/console.css", nil)
	check("/admin/static/console.css", res, true)
}

// TestSessionFixation: sign-in always starts a session with a new random
// id: a planted cookie never becomes a session, and signing in again ends
// the previous session.
func TestSessionFixation(t *testing.T) {
	e := newEnv(t, false)
	c := e.client()
	u, _ := url.Parse(e.srv.URL + "/admin/")
	planted := strings.Repeat("A", 43)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "scimkit_console", Value: planted, Path: "/admin/"}})
	e.signIn(c)
	first := c.Jar.Cookies(u)
	if len(first) != 1 || first[0].Value == planted {
		t.Fatalf("after sign-in with a planted cookie: %v, want a new id", first)
	}
	other := e.client()
	other.Jar.SetCookies(u, []*http.Cookie{{Name: "scimkit_console", Value: planted, Path: "/admin/"}})
	if res, _ := e.do(other, "GET", "/admin/log", nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the planted id after the victim signed in: %d, want 303 to sign-in", res.StatusCode)
	}
	e.signIn(c)
	second := c.Jar.Cookies(u)
	if len(second) != 1 || second[0].Value == first[0].Value {
		t.Fatalf("signing in again kept the id")
	}
	old := e.client()
	old.Jar.SetCookies(u, first)
	if res, _ := e.do(old, "GET", "/admin/log", nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the previous session after signing in again: %d, want 303 to sign-in", res.StatusCode)
	}
}

// TestGetChangesNothing: the state-changing routes answer only POST; a GET
// of them with every field in the query, signed in, changes nothing.
func TestGetChangesNothing(t *testing.T) {
	e := newEnv(t, false)
	c := e.client()
	csrf := e.signIn(c)
	tok := tokenNamed(t, e, "okta")[0]
	q := "?" + url.Values{"csrf": {csrf}, "confirm": {"yes"}, "tenant": {"acme"}, "id": {"beta"}, "name": {"x"}}.Encode()
	for _, path := range []string{"/admin/tokens", "/admin/tokens/" + tok.ID + "/rotate", "/admin/tokens/" + tok.ID + "/revoke",
		"/admin/tenants", "/admin/tenants/acme", "/admin/tenants/acme/delete", "/admin/deliveries/crm/replay", "/admin/signout", "/admin/signin"} {
		e.do(c, "GET", path+q, nil)
	}
	if all, _ := e.st.ListTokens(t.Context(), "acme"); len(all) != 1 || !all[0].Revoked.IsZero() {
		t.Errorf("tokens after GETs: %+v, want the one token, active", all)
	}
	if _, err := e.st.GetTenant(t.Context(), "beta"); err == nil {
		t.Error("a GET created tenant beta")
	}
	if got, err := e.st.GetTenant(t.Context(), "acme"); err != nil || got.Name != "Acme Corp" {
		t.Errorf("acme after GETs: %+v, %v", got, err)
	}
	if res, _ := e.do(c, "GET", "/admin/log", nil); res.StatusCode != http.StatusOK {
		t.Errorf("still signed in after a GET of /admin/signout: %d, want 200", res.StatusCode)
	}
}
