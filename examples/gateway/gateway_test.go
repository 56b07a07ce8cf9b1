package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/internal/idptest"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
	"github.com/scimkit/scimkit/store/sqlite"
)

const token = "idp-secret"

// backends are the stores the end-to-end test runs on.
var backends = []struct {
	name string
	open func(t *testing.T) store.Store
}{
	{"memory", func(t *testing.T) store.Store { return memory.New() }},
	{"sqlite", func(t *testing.T) store.Store {
		s, err := sqlite.Open(t.Context(), sqlite.Config{Path: filepath.Join(t.TempDir(), "gw.db")})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}},
}

// env is a running gateway and the IdP's fixtures.
type env struct {
	t    *testing.T
	srv  *httptest.Server
	gw   *gateway
	vars map[string]string // placeholder → id
	seqs map[string]*idptest.Sequence
}

func start(t *testing.T, st store.Store, policy hooks.Policy, mods ...func(*options)) *env {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	}
	o := options{Store: st, SCIMToken: token, GroupName: "Test SCIMv2", Policy: policy, Logger: logger}
	for _, m := range mods {
		m(&o)
	}
	gw, err := newGateway(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- gw.run(ctx) }()
	srv := httptest.NewServer(gw)
	t.Cleanup(func() {
		srv.Close()
		cancel()
		if err := <-done; err != nil && ctx.Err() == nil {
			t.Errorf("dispatcher: %v", err)
		}
		st.Close()
	})
	e := &env{t: t, srv: srv, gw: gw, vars: map[string]string{}, seqs: map[string]*idptest.Sequence{}}
	for _, n := range []string{"okta/users.json", "okta/groups.json", "entra/users.json", "entra/groups.json"} {
		s, err := idptest.Load(n)
		if err != nil {
			t.Fatal(err)
		}
		e.seqs[n] = s
	}
	return e
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// idp replays one recorded IdP request with the placeholders it uses
// bound by as (placeholder → name in e.vars), and captures ids into
// e.vars[capture] when capture is set.
func (e *env) idp(file, step string, as map[string]string, capture string) {
	e.t.Helper()
	var st *idptest.Step
	for i := range e.seqs[file].Steps {
		if e.seqs[file].Steps[i].Name == step {
			st = &e.seqs[file].Steps[i]
		}
	}
	if st == nil {
		e.t.Fatalf("no step %s in %s", step, file)
	}
	path, body := st.Request.Path, string(st.Request.Body)
	for ph, name := range as {
		id, ok := e.vars[name]
		if !ok {
			e.t.Fatalf("%s: %s is not known yet", step, name)
		}
		path = strings.ReplaceAll(path, "{{"+ph+"}}", id)
		body = strings.ReplaceAll(body, "{{"+ph+"}}", id)
	}
	if strings.Contains(path+body, "{{") {
		e.t.Fatalf("%s: unbound placeholder in %s %s", step, path, body)
	}
	req, _ := http.NewRequest(st.Request.Method, e.srv.URL+scimPath+path, strings.NewReader(body))
	for k, v := range st.Request.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != st.Expect.Status {
		e.t.Fatalf("%s %s (%s): %d, want %d\n%s", st.Request.Method, path, step, resp.StatusCode, st.Expect.Status, data)
	}
	if capture != "" {
		var r struct{ ID string }
		if err := json.Unmarshal(data, &r); err != nil || r.ID == "" {
			e.t.Fatalf("%s: no id in %s", step, data)
		}
		e.vars[capture] = r.ID
	}
}

// browser is one user agent with its own cookie jar.
type browser struct {
	e      *env
	client *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, client: &http.Client{Jar: jar}}
}

func (b *browser) login(userName string) int {
	b.e.t.Helper()
	resp, err := b.client.PostForm(b.e.srv.URL+"/login", url.Values{"userName": {userName}})
	if err != nil {
		b.e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// get requests the upstream and returns the status, whether the gateway
// asked for re-authentication, and the body.
func (b *browser) get() (int, bool, string) {
	b.e.t.Helper()
	resp, err := b.client.Get(b.e.srv.URL + "/app")
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get(reauthHeader) == "1", string(data)
}

// within polls get until ok accepts its result, failing after d.
// eventually bounds the waits for an effect of an IdP request: a liveness
// bound, not a latency target (a loaded CI machine may take seconds; the
// time each took is logged; hooks.BenchmarkDeactivationToRevoke measures it).
const eventually = 30 * time.Second

func (b *browser) within(d time.Duration, what string, ok func(status int, reauth bool) bool) time.Duration {
	b.e.t.Helper()
	start := time.Now()
	for {
		status, reauth, body := b.get()
		if ok(status, reauth) {
			return time.Since(start)
		}
		if time.Since(start) > d {
			b.e.t.Fatalf("%s: not within %v; last answer %d (reauth %v) %q", what, d, status, reauth, body)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (b *browser) want(status int, reauth bool, bodyPrefix string) {
	b.e.t.Helper()
	s, r, body := b.get()
	if s != status || r != reauth || !strings.HasPrefix(body, bodyPrefix) {
		b.e.t.Fatalf("GET /app = %d reauth=%v %q; want %d reauth=%v %q", s, r, body, status, reauth, bodyPrefix)
	}
}

func TestGatewayEndToEnd(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			e := start(t, be.open(t), hooks.DefaultPolicy())
			const (
				alice = "test.user@okta.local"                           // Okta
				bob   = "test.user2@okta.local"                          // Okta
				carol = "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee" // Entra
			)
			// Provisioning, as each IdP sends it.
			e.idp("okta/users.json", "create_user", nil, "alice")
			e.idp("okta/groups.json", "setup_create_user2", nil, "bob")
			e.idp("entra/users.json", "create_user", nil, "carol")
			e.idp("okta/groups.json", "create_group", nil, "G") // "Test SCIMv2": the policy's group
			for _, u := range []string{"alice", "bob"} {
				e.idp("okta/groups.json", "patch_add_member_user2", map[string]string{"group.id": "G", "user2.id": u}, "")
			}
			e.idp("entra/groups.json", "add_member_user", map[string]string{"group.id": "G", "user.id": "carol"}, "")

			a, b, c, stranger := e.browser(), e.browser(), e.browser(), e.browser()
			for _, x := range []struct {
				br   *browser
				name string
			}{{a, alice}, {b, bob}, {c, carol}} {
				if got := x.br.login(x.name); got != http.StatusNoContent {
					t.Fatalf("login %s = %d", x.name, got)
				}
				x.br.want(200, false, "hello "+x.name)
			}
			if got := stranger.login("nobody@example.com"); got != http.StatusForbidden {
				t.Errorf("login of an unknown user = %d, want 403", got)
			}
			stranger.want(401, false, "login required")

			// Deactivation (Okta: path-less replace {"active":false}) ends
			// alice's existing session.
			e.idp("okta/users.json", "patch_deactivate_user", map[string]string{"user.id": "alice"}, "")
			took := a.within(eventually, "revocation after Okta deactivation", func(s int, r bool) bool { return s == 401 && !r })
			t.Logf("Okta deactivation → session rejected after %v", took)
			if got := a.login(alice); got != http.StatusForbidden {
				t.Errorf("login of a deactivated user = %d, want 403", got)
			}
			rs, _ := e.gw.access.Receipts(t.Context(), "default", e.vars["alice"])
			if len(rs) != 1 || rs[0].Completed.IsZero() || rs[0].Reason != "deactivated" {
				t.Errorf("receipts of alice: %+v", rs)
			}

			// Removal from G (Entra: Remove with a value list) → the next
			// request demands re-authentication, and after it access is denied.
			e.idp("entra/groups.json", "remove_member_user_tutorial", map[string]string{"group.id": "G", "user.id": "carol"}, "")
			took = c.within(eventually, "re-authentication after Entra member removal", func(s int, r bool) bool { return s == 401 && r })
			t.Logf("Entra member removal → re-authentication demanded after %v", took)
			if got := c.login(carol); got != http.StatusNoContent {
				t.Fatalf("re-login of carol = %d", got)
			}
			c.want(403, false, "forbidden")
			b.want(200, false, "hello "+bob) // bob is untouched

			// Rename of G (Okta: replace with the id in the value) → the policy,
			// pinned by id, still matches.
			e.idp("okta/groups.json", "patch_group_rename", map[string]string{"group.id": "G"}, "")
			b.want(200, false, "hello "+bob)
			if got := e.policy(); got["groupId"] != e.vars["G"] || got["displayName"] != "Test SCIMv20" {
				t.Errorf("policy after rename = %v, want group %s named Test SCIMv20", got, e.vars["G"])
			}

			// A new group that takes G's old name does not inherit the policy.
			e.idp("okta/groups.json", "create_group", nil, "impostor") // "Test SCIMv2" again
			e.idp("entra/groups.json", "add_member_user", map[string]string{"group.id": "impostor", "user.id": "carol"}, "")
			c.within(eventually, "re-authentication after joining another group", func(s int, r bool) bool { return s == 401 && r })
			if got := c.login(carol); got != http.StatusNoContent {
				t.Fatalf("re-login of carol = %d", got)
			}
			c.want(403, false, "forbidden")

			// Reactivation (Okta) and re-adding (Entra Add) → access returns.
			e.idp("okta/users.json", "patch_reactivate_user", map[string]string{"user.id": "alice"}, "")
			e.idp("entra/groups.json", "readd_member_user", map[string]string{"group.id": "G", "user.id": "carol"}, "")
			if got := a.login(alice); got != http.StatusNoContent {
				t.Fatalf("login of reactivated alice = %d", got)
			}
			a.want(200, false, "hello "+alice)
			// carol's session was flagged again by the re-add: log in anew.
			c.within(eventually, "re-authentication after Entra re-add", func(s int, r bool) bool { return s == 401 && r })
			if got := c.login(carol); got != http.StatusNoContent {
				t.Fatalf("login of re-added carol = %d", got)
			}
			c.want(200, false, "hello "+carol)

			// Entra disable ("Replace" with "False") and enable ("True").
			e.idp("entra/users.json", "disable_user_default", map[string]string{"user.id": "carol"}, "")
			took = c.within(eventually, "revocation after Entra disable", func(s int, r bool) bool { return s == 401 && !r })
			t.Logf("Entra disable → session rejected after %v", took)
			e.idp("entra/users.json", "enable_user_string_true_default", map[string]string{"user.id": "carol"}, "")
			if got := c.login(carol); got != http.StatusNoContent {
				t.Fatalf("login of re-enabled carol = %d", got)
			}
			c.want(200, false, "hello "+carol)
			a.want(200, false, "hello "+alice)
		})
	}
}

func (e *env) policy() map[string]string {
	e.t.Helper()
	resp, err := http.Get(e.srv.URL + "/policy")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]string
	json.NewDecoder(resp.Body).Decode(&out)
	return out
}

// TestGatewayPolicies checks the identity-change policies other than the
// default: automatic applies the new groups at the next request without a
// new login; noaction keeps the session's login-time groups; and with
// revocation off a deactivated user's session stays but is denied.
func TestGatewayPolicies(t *testing.T) {
	tests := []struct {
		name       string
		policy     hooks.Policy
		afterLeave int // status of the existing session after removal from G
	}{
		{"automatic", hooks.Policy{RevokeOnDeprovision: true, OnGroupChange: hooks.Automatic}, 403},
		{"noaction", hooks.Policy{RevokeOnDeprovision: true, OnGroupChange: hooks.NoAction}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := start(t, memory.New(), tt.policy)
			e.idp("entra/users.json", "create_user", nil, "carol")
			e.idp("okta/groups.json", "create_group", nil, "G")
			e.idp("entra/groups.json", "add_member_user", map[string]string{"group.id": "G", "user.id": "carol"}, "")
			c := e.browser()
			const carol = "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"
			if got := c.login(carol); got != http.StatusNoContent {
				t.Fatalf("login = %d", got)
			}
			c.want(200, false, "hello "+carol)
			e.idp("entra/groups.json", "remove_member_user_tutorial", map[string]string{"group.id": "G", "user.id": "carol"}, "")
			time.Sleep(100 * time.Millisecond) // let a (wrong) re-authentication land
			c.want(tt.afterLeave, false, "")
			if got := c.login(carol); got != http.StatusNoContent {
				t.Fatalf("re-login = %d", got)
			}
			c.want(403, false, "forbidden") // a new login always sees the new groups
		})
	}
	t.Run("no revocation", func(t *testing.T) {
		e := start(t, memory.New(), hooks.Policy{RevokeOnDeprovision: false, OnGroupChange: hooks.ForceReauth})
		e.idp("okta/users.json", "create_user", nil, "alice")
		e.idp("okta/groups.json", "create_group", nil, "G")
		e.idp("okta/groups.json", "patch_add_member_user2", map[string]string{"group.id": "G", "user2.id": "alice"}, "")
		a := e.browser()
		a.login("test.user@okta.local")
		a.want(200, false, "hello")
		e.idp("okta/users.json", "patch_deactivate_user", map[string]string{"user.id": "alice"}, "")
		a.want(403, false, "forbidden") // the session lives on, but a deactivated user has no groups
		time.Sleep(100 * time.Millisecond)
		a.want(403, false, "forbidden")
	})
}

func TestRunFlags(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"-group-name", "G"}, func(string) string { return "" }, &out, nil); err == nil {
		t.Error("run without GATEWAY_SCIM_TOKEN: no error")
	}
	if err := run(t.Context(), []string{"-on-group-change", "sometimes"}, func(string) string { return "x" }, &out, nil); err == nil {
		t.Error("run with a bad -on-group-change: no error")
	}
}
