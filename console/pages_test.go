package console_test

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/scimkit/scimkit/console"
	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
)

func TestTenantPages(t *testing.T) {
	e := newEnv(t, false)
	c := e.client()
	csrf := e.signIn(c)
	post := func(path string, form url.Values) (*http.Response, string) {
		form.Set("csrf", csrf)
		return e.do(c, "POST", path, form)
	}
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"id": {""}}, "tenant id is required"},
		{url.Values{"id": {"a/b"}}, "without /"},
		{url.Values{"id": {"a\nb"}}, "control characters"},
		{url.Values{"id": {strings.Repeat("a", 201)}}, "up to 200"},
		{url.Values{"id": {"acme"}}, "exists already"},
		{url.Values{"id": {"beta"}, "dialect": {"klingon"}}, "unknown dialect"},
		{url.Values{"id": {"beta"}, "delete_policy": {"maybe"}}, "unknown delete policy"},
	} {
		if res, body := post("/admin/tenants", tc.form); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, tc.want) {
			t.Errorf("create %v: %d; want 400 saying %q", tc.form, res.StatusCode, tc.want)
		}
	}
	res, _ := post("/admin/tenants", url.Values{"id": {"beta"}, "name": {"Beta Inc"}, "dialect": {"entra"}, "delete_policy": {"soft"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/tenants/beta" {
		t.Fatalf("create beta: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if got, err := e.st.GetTenant(t.Context(), "beta"); err != nil || got.Name != "Beta Inc" || got.Dialect != "entra" || got.DeletePolicy != "soft" {
		t.Fatalf("stored beta: %+v, %v", got, err)
	}
	if res, body := e.do(c, "GET", "/admin/tenants", nil); res.StatusCode != 200 || !strings.Contains(body, "Beta Inc") || !strings.Contains(body, "Acme Corp") {
		t.Errorf("tenants page: %d, want both tenants", res.StatusCode)
	}
	if res, _ := post("/admin/tenants/beta", url.Values{"name": {"Beta"}, "dialect": {"okta"}, "delete_policy": {"hard"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("update beta: %d", res.StatusCode)
	}
	if got, _ := e.st.GetTenant(t.Context(), "beta"); got.Name != "Beta" || got.Dialect != "okta" || got.DeletePolicy != "hard" {
		t.Errorf("updated beta: %+v", got)
	}
	if res, _ := post("/admin/tenants/beta/delete", url.Values{"confirm": {"acme"}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("delete beta confirmed as acme: %d, want 400", res.StatusCode)
	}
	if res, _ := post("/admin/tenants/beta/delete", url.Values{"confirm": {"beta"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("delete beta: %d, want 303", res.StatusCode)
	}
	if _, err := e.st.GetTenant(t.Context(), "beta"); err == nil {
		t.Error("beta is still there")
	}
	for _, path := range []string{"/admin/tenants/beta", "/admin/tenants/nobody"} {
		if res, _ := e.do(c, "GET", path, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, res.StatusCode)
		}
	}
}

func TestTokenPages(t *testing.T) {
	e := newEnv(t, false)
	c := e.client()
	csrf := e.signIn(c)
	tok := tokenNamed(t, e, "okta")[0]
	if res, body := e.do(c, "GET", "/admin/tokens?tenant=acme", nil); res.StatusCode != 200 || !strings.Contains(body, tok.ID) || strings.Contains(body, e.scimToken) {
		t.Errorf("tokens page: %d; want the token's id and never its secret", res.StatusCode)
	}
	if res, body := e.do(c, "POST", "/admin/tokens", url.Values{"csrf": {csrf}, "tenant": {"acme"}, "ttl": {"-5h"}}); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "not a positive duration") {
		t.Errorf("create with a negative lifetime: %d", res.StatusCode)
	}
	if res, _ := e.do(c, "POST", "/admin/tokens/"+tok.ID+"/rotate", url.Values{"csrf": {csrf}, "tenant": {"other"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("rotate with another tenant: %d, want 404", res.StatusCode)
	}
	res, body := e.revealed(c, "POST", "/admin/tokens/"+tok.ID+"/rotate", url.Values{"csrf": {csrf}, "tenant": {"acme"}, "revoke": {"on"}})
	if res.StatusCode != 200 || !strings.Contains(body, "which is revoked now") {
		t.Fatalf("rotate and revoke: %d", res.StatusCode)
	}
	if got := scimStatus(t, e, e.scimToken); got != http.StatusUnauthorized {
		t.Errorf("the rotated-away token: %d, want 401", got)
	}
	secret := regexp.MustCompile(`id="secret">([^<]+)<`).FindStringSubmatch(body)
	if secret == nil || scimStatus(t, e, secret[1]) != http.StatusOK {
		t.Fatalf("the new secret does not work: %v", secret)
	}
	if res, _ := e.do(c, "POST", "/admin/tokens/"+tok.ID+"/rotate", url.Values{"csrf": {csrf}, "tenant": {"acme"}}); res.StatusCode != http.StatusConflict {
		t.Errorf("rotate a revoked token: %d, want 409", res.StatusCode)
	}
	newTok := tokenNamed(t, e, "okta")[1]
	// Revoke asks first: the list's button shows what will stop working.
	if res, body := e.do(c, "POST", "/admin/tokens/"+newTok.ID+"/revoke", url.Values{"csrf": {csrf}, "tenant": {"acme"}}); res.StatusCode != http.StatusOK ||
		!strings.Contains(body, `name="confirm" value="yes"`) || scimStatus(t, e, secret[1]) != http.StatusOK {
		t.Errorf("revoke without confirm: %d; want the confirmation page and the token still working", res.StatusCode)
	}
	res, _ = e.do(c, "POST", "/admin/tokens/"+newTok.ID+"/revoke", url.Values{"csrf": {csrf}, "tenant": {"acme"}, "confirm": {"yes"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("revoke: %d", res.StatusCode)
	}
	if _, body := e.do(c, "GET", res.Header.Get("Location"), nil); !strings.Contains(body, "Token "+newTok.ID+" is revoked") {
		t.Errorf("after revoking: no notice:\n%s", body)
	}
	if got := scimStatus(t, e, secret[1]); got != http.StatusUnauthorized {
		t.Errorf("a revoked token: %d, want 401", got)
	}
}

func TestDirectoryPages(t *testing.T) {
	e := newEnv(t, false)
	c := e.client()
	e.signIn(c)
	for i := range 7 {
		if got := e.scim("POST", "/Users", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"user%d","active":%v}`, i, i%2 == 0)); got != 201 {
			t.Fatal(got)
		}
	}
	users, err := e.st.List(t.Context(), "acme", schema.UserResourceType(), store.Query{Count: 10})
	if err != nil || len(users.Resources) != 7 {
		t.Fatalf("users: %v", err)
	}
	u0, u1 := users.Resources[0].ID, users.Resources[1].ID
	if got := e.scim("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Pilots","members":[{"value":"`+u0+`"},{"value":"`+u1+`"}]}`); got != 201 {
		t.Fatal(got)
	}
	groups, err := e.st.List(t.Context(), "acme", schema.GroupResourceType(), store.Query{Count: 1})
	if err != nil || len(groups.Resources) != 1 {
		t.Fatalf("groups: %v", err)
	}
	g := groups.Resources[0].ID
	if res, body := e.do(c, "GET", "/admin/directory/Group/"+g+"?tenant=acme", nil); res.StatusCode != 200 || !strings.Contains(body, "Member users (2)") || !strings.Contains(body, ">user0<") || !strings.Contains(body, ">user1<") {
		t.Errorf("group page: %d\n%s", res.StatusCode, body)
	}
	if res, body := e.do(c, "GET", "/admin/directory/User/"+u0+"?tenant=acme", nil); res.StatusCode != 200 || !strings.Contains(body, "Groups (direct memberships) (1)") || !strings.Contains(body, ">Pilots<") {
		t.Errorf("user page: %d\n%s", res.StatusCode, body)
	}
	// Nesting: the outer group says it has group members, the inner one
	// lists the outer one.
	if got := e.scim("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Outer","members":[{"value":"`+g+`","type":"Group"}]}`); got != 201 {
		t.Fatal(got)
	}
	outer, err := e.st.List(t.Context(), "acme", schema.GroupResourceType(), store.Query{Count: 2})
	if err != nil || len(outer.Resources) != 2 {
		t.Fatalf("groups: %v", err)
	}
	o := outer.Resources[0].ID
	if o == g {
		o = outer.Resources[1].ID
	}
	if res, body := e.do(c, "GET", "/admin/directory/Group/"+g+"?tenant=acme", nil); res.StatusCode != 200 ||
		!regexp.MustCompile(`(?s)Member of \(groups that contain this group\) \(1\).*>Outer<`).MatchString(body) || strings.Contains(body, `id="nested"`) {
		t.Errorf("inner group page: %d, want Outer under Member of, and no nested note\n%s", res.StatusCode, body)
	}
	if res, body := e.do(c, "GET", "/admin/directory/Group/"+o+"?tenant=acme", nil); res.StatusCode != 200 || !strings.Contains(body, `id="nested"`) || !strings.Contains(body, "Member users (0)") {
		t.Errorf("outer group page: %d, want the nested-groups note\n%s", res.StatusCode, body)
	}
	// user0 is in Pilots, which is in Outer: Outer is one of its groups
	// through nesting, and user2 (in no group) has none.
	if res, body := e.do(c, "GET", "/admin/directory/User/"+u0+"?tenant=acme", nil); res.StatusCode != 200 ||
		!regexp.MustCompile(`(?s)Groups through nested groups \(1\).*>Outer</a>.*<td>Pilots</td>`).MatchString(body) {
		t.Errorf("user page: %d, want Outer through Pilots\n%s", res.StatusCode, body)
	}
	if _, body := e.do(c, "GET", "/admin/directory/User/"+users.Resources[2].ID+"?tenant=acme", nil); strings.Contains(body, "through nested groups") {
		t.Errorf("the page of a user in no group shows groups through nesting:\n%s", body)
	}
	for _, path := range []string{"/admin/directory/User/nobody?tenant=acme", "/admin/directory/User/" + u0 + "?tenant=other", "/admin/directory/Nope/x"} {
		if res, _ := e.do(c, "GET", path, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, res.StatusCode)
		}
	}
	res, body := e.do(c, "GET", "/admin/directory?tenant=acme&type=User&filter="+url.QueryEscape(`userName sw "user" and active eq true`), nil)
	if res.StatusCode != 200 || !strings.Contains(body, "4 User resource(s) match") || strings.Contains(body, "user1<") {
		t.Errorf("directory search: %d\n%s", res.StatusCode, body)
	}
	for _, q := range []string{"filter=" + url.QueryEscape("userName zz 1"), "filter=" + url.QueryEscape("nope eq 1"), "cursor=bogus", "type=Nope"} {
		if res, body := e.do(c, "GET", "/admin/directory?tenant=acme&"+q, nil); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `class="error"`) {
			t.Errorf("directory ?%s: %d, want 400 with an error", q, res.StatusCode)
		}
	}
}

func TestDeliveriesPages(t *testing.T) {
	e := newEnv(t, false)
	c := e.client()
	csrf := e.signIn(c)
	e.parkOne("parked-user")
	res, body := e.do(c, "GET", "/admin/deliveries", nil)
	if res.StatusCode != 200 || !regexp.MustCompile(`(?s)crm</a>.*class="parked">1</a>`).MatchString(body) {
		t.Errorf("deliveries: %d, want crm with 1 parked event\n%s", res.StatusCode, body)
	}
	res, body = e.do(c, "GET", "/admin/deliveries/crm", nil)
	if res.StatusCode != 200 || !strings.Contains(body, "user.created") || !strings.Contains(body, "503 Service Unavailable") {
		t.Errorf("consumer page: %d, want the parked user.created and its error", res.StatusCode)
	}
	// A replay that fails again keeps the event parked and says so.
	e.failing.Store(true)
	res, body = e.do(c, "POST", "/admin/deliveries/crm/replay", url.Values{"csrf": {csrf}})
	<-e.failed
	e.failing.Store(false)
	if res.StatusCode != http.StatusBadGateway || !strings.Contains(body, "Replay failed") {
		t.Errorf("failing replay: %d, want 502 saying it failed", res.StatusCode)
	}
	if ps, _ := e.st.Parked(t.Context(), "crm", 0); len(ps) != 1 || ps[0].Attempts != 2 {
		t.Errorf("parked after a failed replay: %+v, want the event with 2 attempts", ps)
	}
	if res, _ := e.do(c, "POST", "/admin/deliveries/crm/replay", url.Values{"csrf": {csrf}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("replay: %d, want 303", res.StatusCode)
	}
	if ps, _ := e.st.Parked(t.Context(), "crm", 0); len(ps) != 0 {
		t.Errorf("parked after replay: %d", len(ps))
	}
	if res, _ := e.do(c, "GET", "/admin/deliveries/nobody", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown consumer: %d, want 404", res.StatusCode)
	}
}

// follow pages through a list by its "next" links and returns every
// match of item, in order.
func follow(t *testing.T, e *env, c *http.Client, path string, next, item *regexp.Regexp) []string {
	t.Helper()
	var out []string
	for range 20 {
		res, body := e.do(c, "GET", path, nil)
		if res.StatusCode != 200 {
			t.Fatalf("GET %s: %d", path, res.StatusCode)
		}
		for _, m := range item.FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		m := next.FindStringSubmatch(body)
		if m == nil {
			return out
		}
		path = html.UnescapeString(m[1]) // as a browser reads the attribute
	}
	t.Fatal("paging does not end")
	return nil
}

func TestPaging(t *testing.T) {
	e := newEnvWith(t, false, func(c *console.Config) { c.PageSize = 3 })
	c := e.client()
	e.signIn(c)
	for i := range 8 {
		if got := e.scim("POST", "/Users", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"p%d"}`, i)); got != 201 {
			t.Fatal(got)
		}
	}
	seqs := follow(t, e, c, "/admin/log?tenant=acme&method=POST", regexp.MustCompile(`href="(/admin/log\?[^"]*cursor=[^"]*)" id="older"`),
		regexp.MustCompile(`href="/admin/log/(\d+)[?"]`))
	if strings.Join(seqs, ",") != "8,7,6,5,4,3,2,1" {
		t.Errorf("log pages: %v, want 8 entries newest first, each once", seqs)
	}
	names := follow(t, e, c, "/admin/directory?tenant=acme&type=User&filter="+url.QueryEscape(`userName sw "p"`),
		regexp.MustCompile(`href="(/admin/directory\?[^"]*)">Next page`), regexp.MustCompile(`>(p\d)</a>`))
	if strings.Join(names, ",") != "p0,p1,p2,p3,p4,p5,p6,p7" {
		t.Errorf("directory pages: %v, want p0…p7 each once", names)
	}
}

// TestResourcePageHidesSecrets: the store keeps a user's password (and
// any returned:never attribute); the resource page shows the user as SCIM
// returns it, so never those, and shows markup as text, not \u003c escapes.
func TestResourcePageHidesSecrets(t *testing.T) {
	e := newEnv(t, false)
	c := e.client()
	e.signIn(c)
	if got := e.scim("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"xss","displayName":"<script>alert(1)</script>","password":"Tr0ub4dor&3-secret"}`); got != 201 {
		t.Fatalf("POST /Users: %d", got)
	}
	users, err := e.st.List(t.Context(), "acme", schema.UserResourceType(), store.Query{Count: 1})
	if err != nil || len(users.Resources) != 1 {
		t.Fatalf("users: %v", err)
	}
	res, body := e.do(c, "GET", "/admin/directory/User/"+users.Resources[0].ID+"?tenant=acme", nil)
	if res.StatusCode != 200 || strings.Contains(body, "Tr0ub4dor") || strings.Contains(body, "password") {
		t.Errorf("user page: %d, shows the password:\n%s", res.StatusCode, body)
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, `\u003c`) || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("user page: the displayName is not shown as escaped text:\n%s", body)
	}
	page, err := e.st.Query(t.Context(), storeFilterAll())
	if err != nil || len(page.Entries) != 1 {
		t.Fatalf("log: %v", err)
	}
	if _, body := e.do(c, "GET", "/admin/log/"+itoa(page.Entries[0].Seq), nil); strings.Contains(body, `\u003c`) || !strings.Contains(body, "&lt;script&gt;alert(1)") {
		t.Errorf("log entry: the body's markup is not shown as escaped text:\n%s", body)
	}
}

// TestDefaultTenant: the tenant pickers offer Config.DefaultTenant first,
// though it has no tenant record, and the pages open on it; with no tenant
// at all, the directory says what to do instead of showing an empty list.
func TestDefaultTenant(t *testing.T) {
	e := newEnvWith(t, false, func(c *console.Config) { c.DefaultTenant = "zeta" })
	c := e.client()
	e.signIn(c)
	for _, path := range []string{"/admin/directory", "/admin/tokens"} {
		res, body := e.do(c, "GET", path, nil)
		if res.StatusCode != 200 || !strings.Contains(body, `value="zeta"`) || !regexp.MustCompile(`(?s)<datalist id="tenants"><option value="zeta">.*acme`).MatchString(body) {
			t.Errorf("GET %s: %d; want the default tenant zeta chosen and listed first:\n%s", path, res.StatusCode, body)
		}
	}
	if _, body := e.do(c, "GET", "/admin/tenants", nil); !strings.Contains(body, `id="default-tenant"`) {
		t.Errorf("tenants page: want the default tenant, which has no record, explained:\n%s", body)
	}
	if _, body := e.do(c, "GET", "/admin/log", nil); !strings.Contains(body, "Nothing recorded yet") {
		t.Errorf("empty log: want it explained:\n%s", body)
	}

	bare := newEnv(t, false)
	bc := bare.client()
	bare.signIn(bc)
	if err := bare.st.DeleteTenant(t.Context(), "acme"); err != nil {
		t.Fatal(err)
	}
	if res, body := bare.do(bc, "GET", "/admin/directory", nil); res.StatusCode != 200 || !strings.Contains(body, `id="no-tenant"`) {
		t.Errorf("directory without tenants: %d; want it explained:\n%s", res.StatusCode, body)
	}
}

// TestSecretShownOnce: a new token's secret is shown on the GET after the
// POST (post/redirect/get), once, to the session that made it; reloading
// shows it is gone and issues no other token.
func TestSecretShownOnce(t *testing.T) {
	e := newEnv(t, false)
	c := e.client()
	csrf := e.signIn(c)
	res, _ := e.do(c, "POST", "/admin/tokens", url.Values{"csrf": {csrf}, "tenant": {"acme"}, "name": {"once"}})
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/tokens/new/") {
		t.Fatalf("create: %d to %q, want 303 to /admin/tokens/new/…", res.StatusCode, loc)
	}
	other := e.client()
	e.signIn(other)
	if res, body := e.do(other, "GET", loc, nil); res.StatusCode != http.StatusGone || strings.Contains(body, "scimkit_") {
		t.Errorf("another session's GET %s: %d, want 410 without the secret", loc, res.StatusCode)
	}
	if res, _ := e.do(c, "HEAD", loc, nil); res.StatusCode != http.StatusOK {
		t.Errorf("HEAD %s: %d, want 200", loc, res.StatusCode)
	}
	res, body := e.do(c, "GET", loc, nil)
	secret := regexp.MustCompile(`id="secret">([^<]+)<`).FindStringSubmatch(body)
	if res.StatusCode != http.StatusOK || secret == nil || strings.Contains(loc, secret[1]) || scimStatus(t, e, secret[1]) != http.StatusOK {
		t.Fatalf("GET %s: %d, want the working secret, not in the URL", loc, res.StatusCode)
	}
	if res, body := e.do(c, "GET", loc, nil); res.StatusCode != http.StatusGone || strings.Contains(body, secret[1]) || !strings.Contains(body, `id="gone"`) {
		t.Errorf("reload: %d, want 410 saying the secret is gone", res.StatusCode)
	}
	if n := len(tokenNamed(t, e, "once")); n != 1 {
		t.Errorf("%d tokens named once, want 1", n)
	}
	if strings.Contains(body, "unknown-tenant") {
		t.Errorf("a token of acme, a tenant record, warned of an unknown tenant")
	}
	// A token for a tenant the console does not know (a typo?) says so.
	if _, body := e.revealed(c, "POST", "/admin/tokens", url.Values{"csrf": {csrf}, "tenant": {"acmee"}}); !strings.Contains(body, `id="unknown-tenant"`) {
		t.Errorf("a token of tenant acmee: no warning that the tenant is unknown:\n%s", body)
	}
}

// TestReplayShown: with more parked events than a page shows, the replay
// button replays the events shown, not every parked event at once.
func TestReplayShown(t *testing.T) {
	e := newEnvWith(t, false, func(c *console.Config) { c.PageSize = 2 })
	c := e.client()
	e.signIn(c)
	for _, name := range []string{"p1", "p2", "p3"} {
		e.parkOne(name)
	}
	_, body := e.do(c, "GET", "/admin/deliveries/crm", nil)
	form := regexp.MustCompile(`(?s)<form[^>]*/replay"[^>]*>(.*?)</form>`).FindStringSubmatch(body)
	if form == nil || !strings.Contains(form[1], "Replay the 2 shown") || strings.Count(form[1], `name="id"`) != 2 {
		t.Errorf("consumer page with 3 parked and 2 shown: want a button replaying the 2 shown:\n%s", body)
	}
}

// TestIndirectGroupsBounded: a user's groups through nesting are found
// breadth first, at most a page of them, and a cycle of groups ends.
func TestIndirectGroupsBounded(t *testing.T) {
	e := newEnvWith(t, false, func(c *console.Config) { c.PageSize = 3 })
	c := e.client()
	e.signIn(c)
	if got := e.scim("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"deep"}`); got != 201 {
		t.Fatal(got)
	}
	users, err := e.st.List(t.Context(), "acme", schema.UserResourceType(), store.Query{Count: 1})
	if err != nil || len(users.Resources) != 1 {
		t.Fatalf("users: %v", err)
	}
	user := users.Resources[0].ID
	groupID := func(name string) string {
		t.Helper()
		f, _ := filter.Parse(`displayName eq "` + name + `"`)
		f, _ = filter.Bind(schema.GroupResourceType(), f)
		page, err := e.st.List(t.Context(), "acme", schema.GroupResourceType(), store.Query{Filter: f, Count: 1})
		if err != nil || len(page.Resources) != 1 {
			t.Fatalf("group %s: %v", name, err)
		}
		return page.Resources[0].ID
	}
	// g1 ∋ user, g2 ∋ g1, …, g6 ∋ g5.
	member, typ := user, "User"
	for i := 1; i <= 6; i++ {
		if got := e.scim("POST", "/Groups", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"g%d","members":[{"value":%q,"type":%q}]}`, i, member, typ)); got != 201 {
			t.Fatal(got)
		}
		member, typ = groupID(fmt.Sprintf("g%d", i)), "Group"
	}
	_, body := e.do(c, "GET", "/admin/directory/User/"+user+"?tenant=acme", nil)
	if !strings.Contains(body, "Groups through nested groups (3+)") || !regexp.MustCompile(`(?s)>g2</a>.*>g3</a>.*>g4</a>`).MatchString(body) || strings.Contains(body, ">g5</a>") {
		t.Errorf("user in a chain of 6 groups, page size 3: want g2, g3, g4 and a note that there are more:\n%s", body)
	}
	// A cycle ends: loop1 ∋ user, loop2 ∋ loop1, loop1 ∋ loop2.
	if got := e.scim("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"looped"}`); got != 201 {
		t.Fatal(got)
	}
	looped, err := e.st.List(t.Context(), "acme", schema.UserResourceType(), store.Query{Count: 2})
	if err != nil || len(looped.Resources) != 2 {
		t.Fatalf("users: %v", err)
	}
	lu := looped.Resources[0].ID
	if lu == user {
		lu = looped.Resources[1].ID
	}
	if got := e.scim("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"loop1","members":[{"value":"`+lu+`"}]}`); got != 201 {
		t.Fatal(got)
	}
	if got := e.scim("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"loop2","members":[{"value":"`+groupID("loop1")+`","type":"Group"}]}`); got != 201 {
		t.Fatal(got)
	}
	if got := e.scim("PATCH", "/Groups/"+groupID("loop1"), `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"`+groupID("loop2")+`","type":"Group"}]}]}`); got != 200 && got != 204 {
		t.Fatalf("PATCH loop1: %d", got)
	}
	if res, body := e.do(c, "GET", "/admin/directory/User/"+lu+"?tenant=acme", nil); res.StatusCode != 200 ||
		!strings.Contains(body, "Groups through nested groups (1)") || strings.Count(body, ">loop2</a>") != 1 {
		t.Errorf("a user in a cycle of groups: %d, want loop2 once and the walk ended\n%s", res.StatusCode, body)
	}
}

// brokenTenants is a memory store whose tenant reads fail with an error
// that must not reach the page.
type brokenTenants struct{ *memory.Store }

func (brokenTenants) ListTenants(context.Context) ([]store.TenantRecord, error) {
	return nil, errors.New("dial postgres://scim:hunter2@db: connection refused")
}

func (brokenTenants) GetTenant(context.Context, string) (store.TenantRecord, error) {
	return store.TenantRecord{}, errors.New("dial postgres://scim:hunter2@db: connection refused")
}

func (brokenTenants) ListTokens(context.Context, string) ([]store.TokenRecord, error) {
	return nil, errors.New("dial postgres://scim:hunter2@db: connection refused")
}

// TestStoreErrorsNotEchoed: a store failure is a 500 that says what could
// not be done, and is logged, not shown.
func TestStoreErrorsNotEchoed(t *testing.T) {
	e := newEnvWith(t, false, func(c *console.Config) { c.Store = brokenTenants{c.Store.(*memory.Store)} })
	c := e.client()
	e.signIn(c)
	for _, path := range []string{"/admin/tenants", "/admin/tenants/acme"} {
		if res, body := e.do(c, "GET", path, nil); res.StatusCode != http.StatusInternalServerError || strings.Contains(body, "hunter2") || !strings.Contains(body, "server log") {
			t.Errorf("GET %s with a failing store: %d, want 500 without the error text:\n%s", path, res.StatusCode, body)
		}
	}
	csrf := e.csrf(c)
	for _, path := range []string{"/admin/tokens/x/rotate", "/admin/tokens/x/revoke"} {
		form := url.Values{"csrf": {csrf}, "tenant": {"acme"}, "confirm": {"yes"}}
		if res, body := e.do(c, "POST", path, form); res.StatusCode != http.StatusInternalServerError || strings.Contains(body, "hunter2") || !strings.Contains(body, "server log") {
			t.Errorf("POST %s with a failing store: %d, want 500 without the error text (not a 404 quoting it):\n%s", path, res.StatusCode, body)
		}
	}
}

// TestTokenFormChecks: a token's tenant and name are checked before
// anything is stored.
func TestTokenFormChecks(t *testing.T) {
	e := newEnv(t, false)
	c := e.client()
	csrf := e.signIn(c)
	for _, form := range []url.Values{
		{"tenant": {"ac\nme"}},
		{"tenant": {strings.Repeat("a", 201)}},
		{"tenant": {"acme"}, "name": {"ok\x00"}},
		{"tenant": {"acme"}, "name": {strings.Repeat("n", 201)}},
	} {
		form.Set("csrf", csrf)
		if res, body := e.do(c, "POST", "/admin/tokens", form); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `class="error"`) {
			t.Errorf("create %q: %d, want 400 with a message", form, res.StatusCode)
		}
	}
	if all, _ := e.st.ListTokens(t.Context(), "acme"); len(all) != 1 {
		t.Errorf("%d tokens of acme, want the one there was", len(all))
	}
}

// TestResourcePageHidesPassword: the resource page shows what GET would
// return, never the stored password hash.
func TestResourcePageHidesPassword(t *testing.T) {
	e := newEnv(t, false)
	c := e.client()
	e.signIn(c)
	const phc = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	u, err := e.st.Create(t.Context(), "acme", schema.UserResourceType(), &schema.Resource{Schemas: []string{schema.UserSchema},
		Attrs: map[string]any{"userName": "hashed", "password": phc}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := e.st.Get(t.Context(), "acme", schema.UserResourceType(), u.ID, store.ReadOptions{}); got.Attrs["password"] != phc {
		t.Fatalf("the store did not keep the hash: %v", got.Attrs)
	}
	res, body := e.do(c, "GET", "/admin/directory/User/"+u.ID+"?tenant=acme", nil)
	if res.StatusCode != 200 || !strings.Contains(body, "hashed") || strings.Contains(body, "argon2id") || strings.Contains(body, "c29tZXNhbHQ") {
		t.Errorf("user page: %d, want the user without its password hash\n%s", res.StatusCode, body)
	}
}

// TestConnectorsPage: the connectors page shows each tenant's connector
// statuses as the Syncers store them (connector.Status), a failed run's
// error, and says so when no connector has run.
func TestConnectorsPage(t *testing.T) {
	e := newEnv(t, false)
	c := e.client()
	e.signIn(c)
	if res, body := e.do(c, "GET", "/admin/connectors", nil); res.StatusCode != 200 || !strings.Contains(body, "No connector has run yet") {
		t.Fatalf("connectors without any: %d\n%s", res.StatusCode, body)
	}
	put := func(key, value string) {
		t.Helper()
		if _, err := e.st.PutState(t.Context(), "acme", key, []byte(value), store.AnyVersion); err != nil {
			t.Fatal(err)
		}
	}
	put("connector/google/status", `{"lastFull":"2026-12-07T10:00:00Z","lastGroups":"2026-12-07T10:00:00Z","lastRun":"2026-12-07T10:05:00Z","lastSummary":"1 created, 2 updated, 0 deactivated, 0 deleted"}`)
	put("connector/ldap/status", `{"lastRun":"2026-12-07T10:06:00Z","lastError":"listing users: 403 userRateLimitExceeded"}`)
	put("connector/google/owned/x", `{}`) // other connector state is not a status
	res, body := e.do(c, "GET", "/admin/connectors", nil)
	for _, want := range []string{">google<", "1 created, 2 updated", ">ldap<", "failed: listing users: 403 userRateLimitExceeded", `href="/admin/log?tenant=acme"`} {
		if !strings.Contains(body, want) {
			t.Errorf("connectors page lacks %q (status %d)\n%s", want, res.StatusCode, body)
		}
	}
	if strings.Count(body, "<tr><td><a href=\"/admin/log?tenant=acme\">") != 2 {
		t.Errorf("want exactly two connector rows\n%s", body)
	}
}
