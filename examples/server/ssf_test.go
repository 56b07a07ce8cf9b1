package main

import (
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimkit/scimkit/ssf"
)

// TestSSF: with -ssf the server publishes its transmitter configuration,
// the SCIM bearer token creates a poll stream, and a SCIM deactivation
// becomes a session-revoked SET signed with a key of the JWKS.
func TestSSF(t *testing.T) {
	kek := "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	env := map[string]string{"SCIMKIT_STORE": filepath.Join(t.TempDir(), "scimkit.db"), "SCIMKIT_TOKEN": "s3cret"}
	addr, out := startServer(t, []string{"-ssf", "-ssf-kek", kek}, env)
	origin := "http://" + addr
	if !strings.Contains(out.String(), origin+"/.well-known/ssf-configuration") {
		t.Errorf("banner does not show the SSF configuration URL:\n%s", out)
	}
	var md ssf.Metadata
	code, body := do(t, "GET", origin+"/.well-known/ssf-configuration", "", "")
	if code != 200 || json.Unmarshal([]byte(body), &md) != nil || md.Issuer != origin || md.ConfigurationEndpoint != origin+"/ssf/stream" {
		t.Fatalf("metadata: %d %s", code, body)
	}
	if code, _ := do(t, "GET", origin+"/.well-known/ssf-configuration/ssf/t/nosuch", "", ""); code != 404 {
		t.Errorf("metadata of an unknown tenant: %d", code)
	}
	code, body = do(t, "POST", md.ConfigurationEndpoint, "s3cret", `{"aud":"https://rp.example.com","delivery":{"method":"urn:ietf:rfc:8936"}}`)
	var stream ssf.StreamConfig
	if code != 201 || json.Unmarshal([]byte(body), &stream) != nil {
		t.Fatalf("create stream: %d %s", code, body)
	}
	code, body = do(t, "POST", origin+basePath+"/Users", "s3cret", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen","active":true}`)
	if code != 201 {
		t.Fatalf("create user: %d %s", code, body)
	}
	id := idOf(body)
	if code, body := do(t, "PATCH", origin+basePath+"/Users/"+id, "s3cret", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`); code != 200 {
		t.Fatalf("deactivate: %d %s", code, body)
	}
	code, body = do(t, "POST", stream.Delivery.EndpointURL, "s3cret", `{"returnImmediately":true}`)
	var page ssf.PollResponse
	if code != 200 || json.Unmarshal([]byte(body), &page) != nil || len(page.Sets) != 1 {
		t.Fatalf("poll: %d %s", code, body)
	}
	rx, err := ssf.NewReceiver(ssf.ReceiverConfig{Store: nil})
	if err == nil || rx != nil {
		t.Error("a receiver without a store was accepted")
	}
	for _, tok := range page.Sets {
		_, set, err := ssf.ParseSET(tok, nil)
		if err != nil {
			t.Fatal(err)
		}
		typ, _, _ := set.Event()
		if typ != ssf.EventSessionRevoked || set.Subject.Sub != id || set.Issuer != origin {
			t.Errorf("SET: %s %+v", typ, set)
		}
	}
}

func idOf(body string) string {
	var r struct{ ID string }
	json.Unmarshal([]byte(body), &r)
	return r.ID
}

func TestSSFFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		ok   bool
	}{
		{[]string{"-ssf"}, false}, // SQLite without a KEK
		{[]string{"-ssf", "-store", "memory"}, true},
		{[]string{"-ssf", "-ssf-kek", "c2hvcnQ="}, false},
		{[]string{"-ssf", "-store", "memory", "-ssf-origin", "https://gw.example.com/path"}, false},
		{[]string{"-ssf-trust", `[{"issuer":"https://idp.example.com"}]`}, false},
		{[]string{"-ssf-trust", `[{"issuer":"https://idp.example.com","audience":["https://gw"]}]`}, true},
		{[]string{"-ssf-trust", `{"nope":1}`}, false},
	} {
		_, err := parseFlags("server", tt.args, func(string) string { return "" }, io.Discard)
		if (err == nil) != tt.ok {
			t.Errorf("parseFlags(%v): %v, want ok %v", tt.args, err, tt.ok)
		}
	}
}
