package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/scimkit/scimkit/connector"
	"github.com/scimkit/scimkit/connector/googleworkspace"
	"github.com/scimkit/scimkit/connector/googleworkspace/googletest"
	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store"
)

// TestGatewayGoogleWorkspace feeds the gateway from a (fake) Google
// Workspace by pull: suspending a user in Google ends the user's session
// through the same events and Revoker as a SCIM deactivation.
func TestGatewayGoogleWorkspace(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			st := be.open(t)
			e := start(t, st, hooks.DefaultPolicy())
			d := googletest.New(t)
			alice := d.AddUser(googletest.User{PrimaryEmail: "alice@example.com", GivenName: "Alice"})
			bob := d.AddUser(googletest.User{PrimaryEmail: "bob@example.com", GivenName: "Bob"})
			g := d.AddGroup(googletest.Group{Email: "scim@example.com", Name: "Test SCIMv2"}) // the policy's group
			d.AddMember(g, googletest.Member{ID: alice, Type: "USER"})
			d.AddMember(g, googletest.Member{ID: bob, Type: "USER"})
			runGoogle(t, st, d)

			a, b := e.browser(), e.browser()
			waitForLogin(t, a, "alice@example.com")
			a.want(200, false, "hello alice@example.com")
			waitForLogin(t, b, "bob@example.com")

			d.SetSuspended(alice, true) // Google notifies; the connector re-reads alice
			took := a.within(5*time.Second, "revocation after a Google suspension", func(s int, r bool) bool { return s == 401 && !r })
			t.Logf("Google suspension → session rejected after %v", took)
			if got := a.login("alice@example.com"); got != http.StatusForbidden {
				t.Errorf("login of a suspended user = %d, want 403", got)
			}
			b.want(200, false, "hello bob@example.com")

			d.DeleteUser(bob)
			took = b.within(5*time.Second, "revocation after a Google deletion", func(s int, r bool) bool { return s == 401 && !r })
			t.Logf("Google deletion → session rejected after %v", took)
		})
	}
}

// runGoogle runs a Google Workspace connector into st, with its
// notification receiver, until the test ends.
func runGoogle(t *testing.T, st store.Store, d *googletest.Directory) {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := googleworkspace.New(googleworkspace.Config{Credentials: d.Credentials(), Subject: d.Admin, Endpoint: d.URL, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	s, err := connector.New(connector.Config{Store: st, Tenant: scim.DefaultTenant, Source: c, Name: "googleworkspace", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	rcv := httptest.NewServer(mux)
	w, err := googleworkspace.NewWatch(googleworkspace.WatchConfig{Client: c, Store: st.(store.States), Tenant: scim.DefaultTenant,
		Address: rcv.URL + "/google/notifications", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("POST /google/notifications", w)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Run(ctx, connector.RunConfig{Watcher: w, PollEvery: -1})
	}()
	t.Cleanup(func() { cancel(); <-done; rcv.Close() })
	for deadline := time.Now().Add(10 * time.Second); len(d.Channels()) < len(googleworkspace.DefaultEvents); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("watch channels not opened")
		}
	}
	// Logins come after the first full run: a session issued before it
	// wrote the group's members would rightly be asked to log in again.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if st, err := s.Status(t.Context()); err == nil && !st.LastFull.IsZero() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no full run within 10s")
		}
	}
}

// waitForLogin logs in once the connector's first run has created the
// user and its group.
func waitForLogin(t *testing.T, b *browser, userName string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if b.login(userName) == http.StatusNoContent {
			if s, _, _ := b.get(); s == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s cannot log in and reach the upstream", userName)
		}
	}
}

// TestRunGoogleFlags runs the gateway command fed by a (fake) Google
// Workspace through its -google-* flags: a suspension in Google ends the
// user's session.
func TestRunGoogleFlags(t *testing.T) {
	d := googletest.New(t)
	alice := d.AddUser(googletest.User{PrimaryEmail: "alice@example.com"})
	g := d.AddGroup(googletest.Group{Email: "eng@example.com", Name: "Engineering"})
	d.AddMember(g, googletest.Member{ID: alice, Type: "USER"})
	key := filepath.Join(t.TempDir(), "key.json")
	if err := os.WriteFile(key, d.Credentials(), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String() // the webhook URL is needed before the gateway listens
	ln.Close()
	args := []string{"-addr", addr, "-group-name", "Engineering", "-google-credentials", key, "-google-subject", d.Admin,
		"-google-endpoint", d.URL, "-google-webhook-url", "http://" + addr + "/google/notifications", "-google-poll", "1h"}
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan string, 1), make(chan error, 1)
	go func() { done <- run(ctx, args, func(string) string { return "scim-token" }, io.Discard, ready) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("gateway: %v", err)
		}
	})
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("gateway did not start: %v", err)
	}
	b := (&env{t: t, srv: &httptest.Server{URL: "http://" + addr}}).browser()
	for deadline := time.Now().Add(10 * time.Second); len(d.Channels()) < len(googleworkspace.DefaultEvents); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("watch channels not opened")
		}
	}
	waitForLogin(t, b, "alice@example.com")
	d.SetSuspended(alice, true) // returns once the gateway answered the notification
	b.within(5*time.Second, "revocation after a Google suspension", func(s int, r bool) bool { return s == 401 && !r })
	for _, bad := range [][]string{
		{"-google-credentials", key}, // no subject
		{"-google-subject", d.Admin}, // no credentials
		{"-google-credentials", filepath.Join(t.TempDir(), "none.json"), "-google-subject", d.Admin},
		{"-google-credentials", key, "-google-subject", d.Admin, "-google-webhook-url", "http://gw.example.com/scim/v2/x"},
	} {
		if err := run(t.Context(), append([]string{"-group-name", "G"}, bad...), func(string) string { return "x" }, io.Discard, nil); err == nil {
			t.Errorf("run %v: no error", bad)
		}
	}
}
