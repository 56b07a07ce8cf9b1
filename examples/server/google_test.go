package main

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scimkit/connector/googleworkspace/googletest"
)

// googleDirectory returns a fake directory with two users (one
// suspended), a group, and the path of its key file.
func googleDirectory(t *testing.T) (*googletest.Directory, string, string) {
	t.Helper()
	d := googletest.New(t)
	alice := d.AddUser(googletest.User{PrimaryEmail: "alice@example.com", GivenName: "Alice", FamilyName: "Liddell"})
	d.AddUser(googletest.User{PrimaryEmail: "bob@example.com", Suspended: true})
	g := d.AddGroup(googletest.Group{Email: "eng@example.com", Name: "Engineering"})
	d.AddMember(g, googletest.Member{ID: alice, Type: "USER"})
	key := filepath.Join(t.TempDir(), "key.json")
	if err := os.WriteFile(key, d.Credentials(), 0o600); err != nil {
		t.Fatal(err)
	}
	return d, key, alice
}

func TestGoogleSyncCommand(t *testing.T) {
	d, key, alice := googleDirectory(t)
	db := filepath.Join(t.TempDir(), "g.db")
	args := []string{"google", "sync", "-tenant", "acme", "-credentials", key, "-subject", d.Admin, "-endpoint", d.URL, "-store", db}
	var out bytes.Buffer
	if err := run(t.Context(), args, func(string) string { return "" }, &out, nil); err != nil {
		t.Fatalf("google sync: %v\n%s", err, out.String())
	}
	for _, want := range []string{"created User alice@example.com", "created User bob@example.com", "created Group Engineering",
		"created 3, updated 0, deactivated 0"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "PRIVATE KEY") {
		t.Error("the private key was printed")
	}
	d.SetSuspended(alice, true)
	out.Reset()
	if err := run(t.Context(), args, func(string) string { return "" }, &out, nil); err != nil {
		t.Fatalf("second google sync: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "deactivated User alice@example.com") || !strings.Contains(out.String(), "created 0, updated 0, deactivated 1") {
		t.Errorf("second run output:\n%s", out.String())
	}
	// A failed run: a clear error, nothing written.
	d.Fail(googletest.Fault{Op: "users.list", Status: 403, Reason: "forbidden", Message: "Not Authorized to access this resource/api", Times: -1})
	out.Reset()
	err := run(t.Context(), args, func(string) string { return "" }, &out, nil)
	if err == nil || !strings.Contains(err.Error(), "nothing was changed") || !strings.Contains(err.Error(), "403") {
		t.Errorf("failed run: err = %v", err)
	}
	// Missing flags.
	if err := run(t.Context(), []string{"google", "sync", "-store", db}, func(string) string { return "" }, &out, nil); err == nil ||
		!strings.Contains(err.Error(), "-credentials and -subject are required") {
		t.Errorf("no credentials: err = %v", err)
	}
}

// freeAddr returns a local address nothing listens on (the webhook URL
// must be known before the server starts).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestServerRunsGoogleConnector(t *testing.T) {
	d, key, alice := googleDirectory(t)
	addr := freeAddr(t)
	env := map[string]string{
		"SCIMKIT_TOKEN":              "s3cret",
		"SCIMKIT_GOOGLE_CREDENTIALS": key,
		"SCIMKIT_GOOGLE_SUBJECT":     d.Admin,
		"SCIMKIT_GOOGLE_ENDPOINT":    d.URL,
		"SCIMKIT_GOOGLE_WEBHOOK_URL": "http://" + addr + "/google/notifications",
	}
	startServer(t, []string{"-store", "memory", "-addr", addr, "-google-poll", "1h"}, env)
	users := "http://" + addr + basePath + `/Users?filter=userName%20eq%20%22alice@example.com%22`
	waitUntil(t, func() bool {
		_, body := do(t, "GET", users, "s3cret", "")
		return strings.Contains(body, `"active":true`)
	})
	waitUntil(t, func() bool { return len(d.Channels()) == 4 })
	d.SetSuspended(alice, true) // returns once the server answered the notification
	if _, body := do(t, "GET", users, "s3cret", ""); !strings.Contains(body, `"active":false`) {
		t.Errorf("alice not deactivated after the notification: %s", body)
	}
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 15s")
		}
	}
}

// TestGoogleFlagsChecked: the -google-* flags are checked before the
// server starts; a notification path the server serves itself is refused
// (it would collide with SCIM, the event feed or SSF).
func TestGoogleFlagsChecked(t *testing.T) {
	creds := []string{"-google-credentials", "key.json", "-google-subject", "admin@example.com"}
	for _, tc := range []struct {
		args []string
		ok   bool
	}{
		{append(creds, "-google-webhook-url", "https://gw.example.com/google/notifications"), true},
		{creds, true},
		{[]string{"-google-credentials", "key.json"}, false},
		{[]string{"-google-subject", "admin@example.com"}, false},
		{append(creds, "-google-poll", "often"), false},
		{append(creds, "-google-full-sync", "0s"), false},
		{append(creds, "-google-webhook-url", "gw.example.com/hook"), false},
		{append(creds, "-google-webhook-url", "https://gw.example.com/"), false},
		{append(creds, "-google-webhook-url", "https://gw.example.com"+basePath+"/Users"), false},
		{append(creds, "-google-webhook-url", "https://gw.example.com"+eventsPath), false},
		{append(creds, "-google-webhook-url", "https://gw.example.com/ssf/receive"), false},
		{append(creds, "-google-webhook-url", "https://gw.example.com/.well-known/ssf-configuration"), false},
	} {
		_, err := parseFlags("server", tc.args, func(string) string { return "" }, io.Discard)
		if (err == nil) != tc.ok {
			t.Errorf("%v: err = %v, want ok %v", tc.args, err, tc.ok)
		}
	}
}
