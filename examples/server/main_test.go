package main

import (
	"bytes"
	"context"
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
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func TestServerWithEnvTokenOnMemoryStore(t *testing.T) {
	dir := t.TempDir()
	addr, _ := startServer(t, []string{"-store", "memory", "-tokens", filepath.Join(dir, "t.json")},
		map[string]string{"SCIMKIT_TOKEN": "s3cret"})
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
	file := filepath.Join(dir, "tokens.json")
	env := map[string]string{"SCIMKIT_TOKENS": file}
	getenv := func(k string) string { return env[k] }
	var out bytes.Buffer
	if err := run(t.Context(), []string{"token", "create", "-name", "okta"}, getenv, &out, nil); err != nil {
		t.Fatal(err)
	}
	secret := tokenRE.FindString(out.String())
	id := regexp.MustCompile(`tok_[A-Za-z0-9_-]+`).FindString(out.String())
	if secret == "" || id == "" {
		t.Fatalf("create printed no token or id:\n%s", out.String())
	}
	addr, _ := startServer(t, []string{"-store", "memory"}, env)
	url := "http://" + addr + basePath + "/Users"
	if got, _ := do(t, "GET", url, secret, ""); got != 200 {
		t.Fatalf("created token rejected: %d", got)
	}
	out.Reset()
	if err := run(t.Context(), []string{"token", "list"}, getenv, &out, nil); err != nil || !strings.Contains(out.String(), id) {
		t.Fatalf("list: %v\n%s", err, out.String())
	}
	if strings.Contains(out.String(), secret) {
		t.Fatal("list shows the secret")
	}
	if err := run(t.Context(), []string{"token", "revoke", id}, getenv, &out, nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, _ := do(t, "GET", url, secret, "")
		if got == 401 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("revoked token still accepted (status %d)", got)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
