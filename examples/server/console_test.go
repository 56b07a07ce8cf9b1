package main

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConsoleOffWithoutAdminToken(t *testing.T) {
	addr, _ := startServer(t, []string{"-store", "memory"}, map[string]string{"SCIMKIT_TOKEN": "s3cret"})
	for _, path := range []string{"/admin", "/admin/", "/admin/signin", "/admin/log"} {
		if got, _ := do(t, "GET", "http://"+addr+path, "", ""); got != http.StatusNotFound {
			t.Errorf("GET %s without an admin token: %d, want 404", path, got)
		}
	}
}

func TestConsoleMounted(t *testing.T) {
	const admin = "console-admin-token-0123456789"
	file := filepath.Join(t.TempDir(), "admin-token")
	if err := os.WriteFile(file, []byte(admin+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, start := range map[string]struct {
		args []string
		env  map[string]string
	}{
		"env":  {[]string{"-store", "memory"}, map[string]string{"SCIMKIT_TOKEN": "s3cret", "SCIMKIT_ADMIN_TOKEN": admin}},
		"file": {[]string{"-store", "memory", "-admin-token-file", file}, map[string]string{"SCIMKIT_TOKEN": "s3cret"}},
	} {
		t.Run(name, func(t *testing.T) {
			addr, _ := startServer(t, start.args, start.env)
			if got, _ := do(t, "GET", "http://"+addr+"/admin/log", "s3cret", ""); got != http.StatusSeeOther {
				t.Errorf("GET /admin/log with the SCIM token: %d, want 303 to the sign-in page", got)
			}
			res, err := noRedirect.PostForm("http://"+addr+"/admin/signin", url.Values{"token": {admin}})
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusSeeOther || len(res.Cookies()) != 1 {
				t.Fatalf("sign-in: %d, %d cookies; want 303 and a session cookie", res.StatusCode, len(res.Cookies()))
			}
			if got, _ := do(t, "GET", "http://"+addr+basePath+"/Users", admin, ""); got != http.StatusUnauthorized {
				t.Errorf("the admin token as a SCIM bearer token: %d, want 401", got)
			}
			// The directory opens on the server's default tenant, which has
			// no tenant record.
			req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://"+addr+"/admin/directory", nil)
			req.AddCookie(res.Cookies()[0])
			dres, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(dres.Body)
			dres.Body.Close()
			if dres.StatusCode != http.StatusOK || !strings.Contains(string(body), `name="tenant" list="tenants" value="default"`) {
				t.Errorf("GET /admin/directory: %d; want the default tenant chosen:\n%s", dres.StatusCode, body)
			}
		})
	}
}

func TestConsoleTokenErrors(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-admin-token-file", empty}, nil, "is empty"},
		{[]string{"-admin-token-file", empty + "-missing"}, nil, "no such file"},
		{[]string{"-admin-token-file", empty}, map[string]string{"SCIMKIT_ADMIN_TOKEN": "console-admin-token-0123456789"}, "not both"},
		{nil, map[string]string{"SCIMKIT_ADMIN_TOKEN": "short"}, "at least 16 bytes"},
	} {
		getenv := func(k string) string { return tc.env[k] }
		err := run(t.Context(), append([]string{"-store", "memory", "-addr", "127.0.0.1:0"}, tc.args...), getenv, &strings.Builder{}, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run %v %v: %v, want an error with %q", tc.args, tc.env, err, tc.want)
		}
	}
}

func TestDispatchersReplay(t *testing.T) {
	var none *dispatchers
	none.add("x", nil) // no console: registering is a no-op
	ds := &dispatchers{}
	err := ds.Replay(t.Context(), "webhook")
	if err == nil || !strings.Contains(err.Error(), "not delivered by this server process") {
		t.Errorf("replay of an unknown consumer: %v", err)
	}
}
