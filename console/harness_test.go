package console_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimkit/scimkit/console"
	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
)

const adminToken = "admin-0123456789-abcdefghij"

// env is a SCIM server with a console on one memory store, and a
// dispatcher whose consumer "crm" fails while failing is set.
type env struct {
	t         *testing.T
	st        *memory.Store
	srv       *httptest.Server
	scimToken string
	failing   atomic.Bool
	failed    chan struct{} // receives after each failed delivery
	disp      *hooks.Dispatcher
	now       atomic.Pointer[time.Time] // the console's clock; nil: time.Now
}

func newEnv(t *testing.T, tls bool) *env {
	t.Helper()
	return newEnvWith(t, tls, nil)
}

// newEnvWith is newEnv with the console's Config changed by configure.
func newEnvWith(t *testing.T, tls bool, configure func(*console.Config)) *env {
	t.Helper()
	ctx := t.Context()
	e := &env{t: t, st: memory.New(), failed: make(chan struct{}, 100)}
	if _, err := e.st.CreateTenant(ctx, store.TenantRecord{ID: "acme", Name: "Acme Corp"}); err != nil {
		t.Fatal(err)
	}
	var err error
	if e.scimToken, _, err = scim.IssueToken(ctx, e.st, "acme", scim.TokenOptions{Name: "okta"}); err != nil {
		t.Fatal(err)
	}
	h, err := scim.New(scim.Config{Store: e.st, Authenticator: &scim.StoreTokens{Tokens: e.st},
		Tenant: scim.TenantsFromStore(e.st, scim.TenantConfig{}), Prefix: "/scim/v2", ProvisioningLog: e.st, Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	e.disp, err = hooks.NewDispatcher(hooks.Config{Store: e.st, Logger: discard(), Handlers: map[string]hooks.Handler{
		"crm": hooks.HandlerFunc(func(ctx context.Context, ev hooks.Event) error {
			if e.failing.Load() {
				e.failed <- struct{}{}
				return hooks.Permanent(errors.New("crm answered 503 Service Unavailable"))
			}
			return nil
		})}})
	if err != nil {
		t.Fatal(err)
	}
	dctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); e.disp.Run(dctx) }()
	t.Cleanup(func() { stop(); <-done })
	cfg := console.Config{Store: e.st, AdminToken: adminToken, Replayer: e.disp, Logger: discard(),
		Now: func() time.Time {
			if p := e.now.Load(); p != nil {
				return *p
			}
			return time.Now()
		}}
	if configure != nil {
		configure(&cfg)
	}
	con, err := console.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", h)
	mux.Handle("/admin/", con)
	mux.Handle("/admin", con)
	if tls {
		e.srv = httptest.NewTLSServer(mux)
	} else {
		e.srv = httptest.NewServer(mux)
	}
	t.Cleanup(e.srv.Close)
	return e
}

// client returns a client with a cookie jar that does not follow
// redirects.
func (e *env) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	c := *e.srv.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// do sends a request and returns the status and body.
func (e *env) do(c *http.Client, method, path string, form url.Values, hdr ...string) (*http.Response, string) {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// revealed sends a request that issues a token and follows its redirect
// to the page that shows the secret once.
func (e *env) revealed(c *http.Client, method, path string, form url.Values, hdr ...string) (*http.Response, string) {
	e.t.Helper()
	res, body := e.do(c, method, path, form, hdr...)
	if res.StatusCode != http.StatusSeeOther {
		return res, body
	}
	return e.do(c, "GET", res.Header.Get("Location"), nil)
}

// signIn signs c in and returns the session's CSRF token.
func (e *env) signIn(c *http.Client) string {
	e.t.Helper()
	res, _ := e.do(c, "POST", "/admin/signin", url.Values{"token": {adminToken}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/log" {
		e.t.Fatalf("sign-in: %d to %q, want 303 to /admin/log", res.StatusCode, res.Header.Get("Location"))
	}
	return e.csrf(c)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the CSRF token of c's session, read from a page's form.
func (e *env) csrf(c *http.Client) string {
	e.t.Helper()
	res, body := e.do(c, "GET", "/admin/tokens", nil)
	m := csrfField.FindStringSubmatch(body)
	if res.StatusCode != 200 || m == nil {
		e.t.Fatalf("GET /admin/tokens: %d, no CSRF field", res.StatusCode)
	}
	return m[1]
}

// scim sends a SCIM request with the tenant's bearer token.
func (e *env) scim(method, path, body string) int {
	e.t.Helper()
	req, _ := http.NewRequestWithContext(e.t.Context(), method, e.srv.URL+"/scim/v2"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e.scimToken)
	req.Header.Set("Content-Type", "application/scim+json")
	req.Header.Set("User-Agent", "Okta SCIM Client 1.0.0")
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// parkOne makes the crm consumer fail, creates a user, and waits until
// the user's event is parked.
func (e *env) parkOne(userName string) {
	e.t.Helper()
	e.failing.Store(true)
	defer e.failing.Store(false)
	if got := e.scim("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"`+userName+`"}`); got != 201 {
		e.t.Fatalf("POST /Users: %d", got)
	}
	<-e.failed
	for range 1000 { // parking follows the failure at once; bounded by count, not time
		if ps, _ := e.st.Parked(e.t.Context(), "crm", 0); len(ps) > 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.t.Fatal("the failed event was not parked")
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func storeFilterAll() store.ProvisioningFilter { return store.ProvisioningFilter{} }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
