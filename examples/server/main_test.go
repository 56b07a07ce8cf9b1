package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// startServer runs the server with args and env until the test ends and
// returns its address and what it printed.
func startServer(t *testing.T, args []string, env map[string]string) (string, *bytes.Buffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	var out bytes.Buffer
	ready := make(chan string, 1)
	done := make(chan error, 1)
	getenv := func(k string) string { return env[k] }
	go func() { done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), getenv, &out, ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("server exited before serving: %v\n%s", err, out.String())
	case <-time.After(20 * time.Second):
		t.Fatal("server did not start within 20s")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server shutdown: %v", err)
		}
	})
	return addr, &out
}

func do(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func TestServerWithEnvTokenOnMemoryStore(t *testing.T) {
	addr, _ := startServer(t, []string{"-store", "memory"}, map[string]string{"SCIMKIT_TOKEN": "s3cret"})
	base := "http://" + addr + basePath
	tests := []struct {
		name, method, url, token, body string
		want                           int
	}{
		{"healthz", "GET", "http://" + addr + "/healthz", "", "", 200},
		{"readyz", "GET", "http://" + addr + "/readyz", "", "", 200},
		{"no token", "GET", base + "/Users", "", "", 401},
		{"wrong token", "GET", base + "/Users", "nope", "", 401},
		{"create user", "POST", base + "/Users", "s3cret", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}`, 201},
		{"duplicate user", "POST", base + "/Users", "s3cret", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"BJensen"}`, 409},
		{"filter", "GET", base + `/Users?filter=userName%20eq%20%22BJENSEN%22`, "s3cret", "", 200},
		{"discovery", "GET", base + "/ServiceProviderConfig", "s3cret", "", 200},
		{"base URL without slash", "GET", base + "?filter=userName%20eq%20%22bjensen%22", "s3cret", "", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, body := do(t, tt.method, tt.url, tt.token, tt.body)
			if got != tt.want {
				t.Errorf("%s %s = %d, want %d\n%s", tt.method, tt.url, got, tt.want, body)
			}
		})
	}
	if _, body := do(t, "GET", base+`/Users?filter=userName%20eq%20%22BJENSEN%22`, "s3cret", ""); !strings.Contains(body, `"totalResults":1`) {
		t.Errorf("case-insensitive userName filter: %s", body)
	}
}

var tokenRE = regexp.MustCompile(`scimkit_[A-Za-z0-9_-]{43}`)

func TestFirstStartCreatesTokenOnSQLite(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "scimkit.db")
	addr, out := startServer(t, []string{"-store", db}, nil)
	token := tokenRE.FindString(out.String())
	if token == "" {
		t.Fatalf("no token printed:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "http://"+addr+basePath) {
		t.Errorf("base URL not printed:\n%s", out.String())
	}
	if got, body := do(t, "GET", "http://"+addr+basePath+"/Users", token, ""); got != 200 {
		t.Fatalf("GET /Users with the printed token = %d\n%s", got, body)
	}
}

func TestTokenCommands(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SCIMKIT_STORE": filepath.Join(dir, "scimkit.db")}
	getenv := func(k string) string { return env[k] }
	var out bytes.Buffer
	if err := run(t.Context(), []string{"token", "create", "-name", "okta"}, getenv, &out, nil); err != nil {
		t.Fatal(err)
	}
	secret := tokenRE.FindString(out.String())
	id := idRE.FindString(out.String())
	if secret == "" || id == "" {
		t.Fatalf("create printed no token or id:\n%s", out.String())
	}
	addr, banner := startServer(t, nil, env)
	if tokenRE.MatchString(banner.String()) {
		t.Errorf("the server created a first token although the tenant has one:\n%s", banner)
	}
	url := "http://" + addr + basePath + "/Users"
	if got, _ := do(t, "GET", url, secret, ""); got != 200 {
		t.Fatalf("created token rejected: %d", got)
	}
	out.Reset()
	if err := run(t.Context(), []string{"token", "list"}, getenv, &out, nil); err != nil || !strings.Contains(out.String(), id) {
		t.Fatalf("list: %v\n%s", err, out.String())
	}
	if strings.Contains(out.String(), secret) || strings.Contains(out.String(), secret[:20]) {
		t.Fatal("list shows the secret")
	}
	// Rotation: the new token works while the old one still does.
	out.Reset()
	if err := run(t.Context(), []string{"token", "rotate", id}, getenv, &out, nil); err != nil {
		t.Fatal(err)
	}
	next := tokenRE.FindString(out.String())
	for _, tok := range []string{secret, next} {
		if got, _ := do(t, "GET", url, tok, ""); got != 200 {
			t.Fatalf("during rotation token %.12s… = %d, want 200", tok, got)
		}
	}
	if err := run(t.Context(), []string{"token", "revoke", id}, getenv, &out, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := do(t, "GET", url, secret, ""); got != 401 {
		t.Errorf("revoked token: %d, want 401", got)
	}
	if got, _ := do(t, "GET", url, next, ""); got != 200 {
		t.Errorf("rotated token: %d, want 200", got)
	}
	if err := run(t.Context(), []string{"token", "revoke", "tok_nope"}, getenv, &out, nil); err == nil {
		t.Error("revoking an unknown token succeeded")
	}
}

var idRE = regexp.MustCompile(`tok_[A-Za-z0-9_-]+`)

func TestTokenCommandsNeedPersistentStore(t *testing.T) {
	getenv := func(k string) string { return map[string]string{"SCIMKIT_STORE": "memory"}[k] }
	for _, args := range [][]string{{"token", "create"}, {"tenant", "list"}} {
		if err := run(t.Context(), args, getenv, io.Discard, nil); err == nil || !strings.Contains(err.Error(), "persistent store") {
			t.Errorf("%v on the memory store: %v", args, err)
		}
	}
}

// TestEnvToken: SCIMKIT_TOKEN is stored once, survives restarts without
// duplicates, and a changed value replaces the previous one.
func TestEnvToken(t *testing.T) {
	db := filepath.Join(t.TempDir(), "scimkit.db")
	env := map[string]string{"SCIMKIT_STORE": db, "SCIMKIT_TOKEN": "first-secret"}
	getenv := func(k string) string { return env[k] }
	listEnv := func() []string {
		t.Helper()
		var out bytes.Buffer
		if err := run(t.Context(), []string{"token", "list"}, getenv, &out, nil); err != nil {
			t.Fatal(err)
		}
		var rows []string
		for _, l := range strings.Split(out.String(), "\n") {
			if f := strings.Fields(l); len(f) > 2 && f[2] == "env" {
				rows = append(rows, l)
			}
		}
		return rows
	}
	for range 2 {
		ctx, cancel := context.WithCancel(t.Context())
		ready := make(chan string, 1)
		var out bytes.Buffer
		done := make(chan error, 1)
		go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, getenv, &out, ready) }()
		addr := <-ready
		if tokenRE.MatchString(out.String()) {
			t.Errorf("a first token was printed although SCIMKIT_TOKEN is set:\n%s", out.String())
		}
		if got, _ := do(t, "GET", "http://"+addr+basePath+"/Users", "first-secret", ""); got != 200 {
			t.Errorf("SCIMKIT_TOKEN rejected: %d", got)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if rows := listEnv(); len(rows) != 1 || !strings.Contains(rows[0], "active") {
		t.Fatalf("after two starts with the same SCIMKIT_TOKEN:\n%s", strings.Join(rows, "\n"))
	}
	env["SCIMKIT_TOKEN"] = "second-secret"
	addr, _ := startServer(t, nil, env)
	url := "http://" + addr + basePath + "/Users"
	if got, _ := do(t, "GET", url, "second-secret", ""); got != 200 {
		t.Errorf("new SCIMKIT_TOKEN: %d, want 200", got)
	}
	if got, _ := do(t, "GET", url, "first-secret", ""); got != 401 {
		t.Errorf("previous SCIMKIT_TOKEN: %d, want 401", got)
	}
	rows := listEnv()
	if len(rows) != 2 || strings.Count(strings.Join(rows, "\n"), "revoked") != 1 {
		t.Errorf("after changing SCIMKIT_TOKEN:\n%s", strings.Join(rows, "\n"))
	}
}

func TestTenantCommands(t *testing.T) {
	env := map[string]string{"SCIMKIT_STORE": filepath.Join(t.TempDir(), "scimkit.db")}
	getenv := func(k string) string { return env[k] }
	var out bytes.Buffer
	cmds := []struct {
		args []string
		ok   bool
	}{
		{[]string{"tenant", "create", "-dialect", "entra", "-delete-policy", "soft", "-name", "Acme", "acme"}, true},
		{[]string{"tenant", "create", "acme"}, false},                         // exists
		{[]string{"tenant", "create", "-dialect", "klingon", "other"}, false}, // bad dialect
		{[]string{"tenant", "create", "-delete-policy", "maybe", "other"}, false},
		{[]string{"token", "create", "-tenant", "acme", "-name", "entra"}, true},
	}
	for _, c := range cmds {
		if err := run(t.Context(), c.args, getenv, &out, nil); (err == nil) != c.ok {
			t.Fatalf("%v: %v, want ok=%v", c.args, err, c.ok)
		}
	}
	secret := tokenRE.FindString(out.String())
	out.Reset()
	if err := run(t.Context(), []string{"tenant", "list"}, getenv, &out, nil); err != nil || !strings.Contains(out.String(), "acme") ||
		!strings.Contains(out.String(), "entra") || !strings.Contains(out.String(), "soft") {
		t.Fatalf("tenant list: %v\n%s", err, out.String())
	}
	addr, _ := startServer(t, nil, env)
	base := "http://" + addr + basePath
	code, body := do(t, "POST", base+"/Users", secret, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","externalId":"x-a","active":"True"}`)
	if code != 201 {
		t.Fatalf("POST with an Entra-style boolean string: %d\n%s", code, body)
	}
	id := regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(body)[1]
	if code, _ := do(t, "DELETE", base+"/Users/"+id, secret, ""); code != 204 {
		t.Fatalf("DELETE: %d", code)
	}
	if code, body := do(t, "GET", base+"/Users/"+id, secret, ""); code != 404 {
		t.Errorf("soft-deleted user: %d %s, want 404 (RFC 7644 §3.6)", code, body)
	}
	if code, body := do(t, "POST", base+"/Users", secret, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","externalId":"x-a"}`); code != 409 {
		t.Errorf("POST reusing the externalId of a soft-deleted user: %d %s, want 409", code, body)
	}
	if err := run(t.Context(), []string{"tenant", "delete", "acme"}, getenv, &out, nil); err != nil {
		t.Fatal(err)
	}
	if code, _ := do(t, "GET", base+"/Users", secret, ""); code != 401 {
		t.Errorf("token of a deleted tenant: %d, want 401", code)
	}
}

// noRedirect reports redirects as responses, so a test sees a 301 where a
// client would silently follow it.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// TestUniqueGroupNames: with -unique-group-names a second group of an
// existing displayName (in any case) is 409 uniqueness, on memory and
// SQLite; without it, it is created.
func TestUniqueGroupNames(t *testing.T) {
	const group = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":%q}`
	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"memory", []string{"-store", "memory", "-unique-group-names", "true"}, 409},
		{"sqlite", []string{"-store", filepath.Join(t.TempDir(), "s.db"), "-unique-group-names", "true"}, 409},
		{"off", []string{"-store", "memory"}, 201},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, _ := startServer(t, tc.args, map[string]string{"SCIMKIT_TOKEN": "s3cret"})
			base := "http://" + addr + basePath
			if got, body := do(t, "POST", base+"/Groups", "s3cret", fmt.Sprintf(group, "Admins")); got != 201 {
				t.Fatalf("first group: %d %s", got, body)
			}
			got, body := do(t, "POST", base+"/Groups", "s3cret", fmt.Sprintf(group, "ADMINS"))
			if got != tc.want || got == 409 && !strings.Contains(body, `"scimType":"uniqueness"`) {
				t.Errorf("second group: %d %s, want %d", got, body, tc.want)
			}
		})
	}
}

// TestPasswordFlag: -password selects what the server keeps of a password
// an IdP sends, as /ServiceProviderConfig says; a bad value stops the start.
func TestPasswordFlag(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		supports bool
	}{
		{"default drops", []string{"-store", "memory"}, false},
		{"argon2id", []string{"-store", "memory", "-password", "argon2id"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, _ := startServer(t, tc.args, map[string]string{"SCIMKIT_TOKEN": "s3cret"})
			base := "http://" + addr + basePath
			got, body := do(t, "POST", base+"/Users", "s3cret", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"pw","password":"hunter2-pw"}`)
			if got != 201 || strings.Contains(body, "hunter2") {
				t.Fatalf("POST: %d %s", got, body)
			}
			_, spc := do(t, "GET", base+"/ServiceProviderConfig", "s3cret", "")
			if want := fmt.Sprintf(`"changePassword":{"supported":%v}`, tc.supports); !strings.Contains(spc, want) {
				t.Errorf("ServiceProviderConfig lacks %s: %s", want, spc)
			}
		})
	}
	if _, err := parseFlags("server", []string{"-password", "rot13"}, func(string) string { return "" }, io.Discard); err == nil {
		if _, err := newHandler(config{passwords: "rot13", dialect: "default"}, nil, nil, nil); err == nil {
			t.Error("-password rot13 accepted")
		}
	}
}
