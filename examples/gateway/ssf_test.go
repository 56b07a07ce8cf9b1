package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/ssf"
	"github.com/scimkit/scimkit/store"
)

// scimkitA is another scimkit, the transmitter: SCIM and SSF on one store,
// push delivery by a dispatcher.
type scimkitA struct {
	srv *httptest.Server
	tx  *ssf.Transmitter
}

const tokenA = "a-secret"

func startA(t *testing.T, st store.Store) *scimkitA {
	t.Helper()
	mux := http.NewServeMux()
	a := &scimkitA{srv: httptest.NewServer(mux)}
	auth := scim.StaticTokens{{Tenant: "default", ID: "idp", SHA256: scim.HashToken(tokenA)}}
	h, err := scim.New(scim.Config{Store: st, Authenticator: auth, Prefix: scimPath})
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	a.tx, err = ssf.NewTransmitter(ssf.Config{Store: st, Authenticator: auth, Origin: a.srv.URL, Logger: quiet,
		KEK: []byte("0123456789abcdef0123456789abcdef"), LongPoll: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle(scimPath+"/", h)
	mux.Handle("/", a.tx)
	d, err := hooks.NewDispatcher(hooks.Config{Store: st, Logger: quiet, Handlers: map[string]hooks.Handler{"ssf-push": a.tx}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	t.Cleanup(func() { a.srv.Close(); cancel(); <-done; st.Close() })
	return a
}

// call sends a request with a bearer token and returns the status and body.
func call(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func mustCall(t *testing.T, want int, method, url, token, body string) string {
	t.Helper()
	code, got := call(t, method, url, token, body)
	if code != want {
		t.Fatalf("%s %s = %d, want %d\n%s", method, url, code, want, got)
	}
	return got
}

const bjensen = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen@example.com","externalId":"00u1","emails":[{"value":"bjensen@example.com","primary":true}],"active":true}`

// audB is the audience B answers to: the aud of A's stream.
const audB = "https://gateway-b.example"

// TestSSFEndToEnd: a SCIM deactivation on scimkit A reaches scimkit B's
// receiver as a CAEP session-revoked, by push and by poll, and B's
// gateway rejects the user's session, though B's own IdP still has the
// user active; the revocation leaves a receipt.
func TestSSFEndToEnd(t *testing.T) {
	for _, b := range backends {
		for _, method := range []string{"push", "poll"} {
			t.Run(b.name+"/"+method, func(t *testing.T) {
				a := startA(t, b.open(t))
				// B trusts A; A's keys are found through A's metadata.
				trusted := ssf.TrustedTransmitter{Issuer: a.srv.URL, Audience: []string{audB}, PushAuthorization: "Bearer b-secret"}
				if method == "poll" {
					created := mustCall(t, 201, "POST", a.srv.URL+"/ssf/stream", tokenA,
						`{"aud":"`+audB+`","format":"email","delivery":{"method":"urn:ietf:rfc:8936"}}`)
					var c ssf.StreamConfig
					json.Unmarshal([]byte(created), &c)
					trusted.PollURL, trusted.PollAuthorization = c.Delivery.EndpointURL, "Bearer "+tokenA
				}
				policy := hooks.Policy{RevokeOnDeprovision: true, OnGroupChange: hooks.ForceReauth}
				e := start(t, b.open(t), policy, func(o *options) { o.SSF = []ssf.TrustedTransmitter{trusted} })
				if method == "push" {
					mustCall(t, 201, "POST", a.srv.URL+"/ssf/stream", tokenA, `{"aud":"`+audB+`","format":"email","delivery":{"method":"urn:ietf:rfc:8935","endpoint_url":"`+
						e.srv.URL+`/ssf/receive","authorization_header":"Bearer b-secret"}}`)
				}
				// The IdP provisions the user to both.
				idA := idOf(mustCall(t, 201, "POST", a.srv.URL+scimPath+"/Users", tokenA, bjensen))
				idB := idOf(mustCall(t, 201, "POST", e.srv.URL+scimPath+"/Users", token, bjensen))
				mustCall(t, 201, "POST", e.srv.URL+scimPath+"/Groups", token,
					`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Test SCIMv2","members":[{"value":"`+idB+`"}]}`)
				br := e.browser()
				br.login("bjensen@example.com")
				br.within(20*time.Second, "access before the revocation", func(s int, _ bool) bool { return s == 200 })

				// The IdP deactivates the user on A only.
				mustCall(t, 200, "PATCH", a.srv.URL+scimPath+"/Users/"+idA, tokenA,
					`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`)
				br.within(20*time.Second, "B rejects the session", func(s int, _ bool) bool { return s == 401 })

				// The session ends when the Revoker runs; its receipt is
				// completed just after.
				rcs, err := e.gw.access.Receipts(t.Context(), "default", idB)
				for deadline := time.Now().Add(10 * time.Second); err == nil && len(rcs) == 1 && rcs[0].Completed.IsZero() && time.Now().Before(deadline); {
					time.Sleep(5 * time.Millisecond)
					rcs, err = e.gw.access.Receipts(t.Context(), "default", idB)
				}
				if err != nil || len(rcs) != 1 || rcs[0].Reason != "session-revoked" || rcs[0].Completed.IsZero() ||
					!strings.HasPrefix(rcs[0].EventID, "ssf:"+a.srv.URL+"#") {
					t.Errorf("receipts: %+v %v", rcs, err)
				}
				// A new login works: B's IdP keeps the user active, and
				// the revocation ended only the sessions issued before it.
				br2 := e.browser()
				br2.login("bjensen@example.com")
				br2.within(20*time.Second, "a new session", func(s int, _ bool) bool { return s == 200 })
			})
		}
	}
}

func idOf(body string) string {
	var r struct{ ID string }
	json.Unmarshal([]byte(body), &r)
	return r.ID
}

// TestRunSSFTrustFlag runs the gateway command as scimkit A's SSF
// receiver through its -ssf-trust flag: A's deactivation, pushed as a
// session-revoked, ends the user's session on the gateway.
func TestRunSSFTrustFlag(t *testing.T) {
	a := startA(t, backends[0].open(t))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	trust := `[{"issuer":"` + a.srv.URL + `","audience":["` + audB + `"],"push_authorization":"Bearer b-secret"}]`
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan string, 1), make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", addr, "-group-name", "Test SCIMv2", "-ssf-trust", trust},
			func(string) string { return token }, io.Discard, ready)
	}()
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
	gw := "http://" + addr
	mustCall(t, 201, "POST", a.srv.URL+"/ssf/stream", tokenA, `{"aud":"`+audB+`","format":"email","delivery":{"method":"urn:ietf:rfc:8935","endpoint_url":"`+
		gw+`/ssf/receive","authorization_header":"Bearer b-secret"}}`)
	idA := idOf(mustCall(t, 201, "POST", a.srv.URL+scimPath+"/Users", tokenA, bjensen))
	idB := idOf(mustCall(t, 201, "POST", gw+scimPath+"/Users", token, bjensen))
	mustCall(t, 201, "POST", gw+scimPath+"/Groups", token,
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Test SCIMv2","members":[{"value":"`+idB+`"}]}`)
	br := (&env{t: t, srv: &httptest.Server{URL: gw}}).browser()
	br.login("bjensen@example.com")
	br.within(20*time.Second, "access before the revocation", func(s int, _ bool) bool { return s == 200 })
	mustCall(t, 200, "PATCH", a.srv.URL+scimPath+"/Users/"+idA, tokenA,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`)
	br.within(20*time.Second, "the gateway rejects the session", func(s int, _ bool) bool { return s == 401 })

	for _, bad := range []string{`{`, `[{"issuer":"https://idp.example.com"}]`, `[{"issuer":"x","audience":["y"],"tenant":"t"}]`, "@" + filepath.Join(t.TempDir(), "none")} {
		if err := run(t.Context(), []string{"-group-name", "G", "-ssf-trust", bad}, func(string) string { return "x" }, io.Discard, nil); err == nil {
			t.Errorf("-ssf-trust %s: no error", bad)
		}
	}
}
