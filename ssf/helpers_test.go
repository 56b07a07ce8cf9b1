package ssf_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/ssf"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
)

func newStore() *memory.Store { return memory.New() }

var kek = []byte("0123456789abcdef0123456789abcdef")

// Tokens of the test tenants.
const (
	tokDefault = "tok-default"
	tokAcme    = "tok-acme"
)

var tokens = scim.StaticTokens{
	{Tenant: "default", ID: "default", SHA256: scim.HashToken(tokDefault)},
	{Tenant: "acme", ID: "acme", SHA256: scim.HashToken(tokAcme)},
}

// node is one scimkit: a SCIM handler and an SSF transmitter on a store.
type node struct {
	t   testing.TB
	st  store.Store
	tx  *ssf.Transmitter
	srv *httptest.Server
	mux *http.ServeMux
}

func newNode(t testing.TB, st store.Store, mod func(*ssf.Config)) *node {
	t.Helper()
	n := &node{t: t, st: st, mux: http.NewServeMux()}
	n.srv = httptest.NewServer(n.mux)
	t.Cleanup(n.srv.Close)
	h, err := scim.New(scim.Config{Store: st, Authenticator: tokens, Prefix: "/scim/v2"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := ssf.Config{Store: st, Authenticator: tokens, Origin: n.srv.URL, KEK: kek, LongPoll: 2 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	if n.tx, err = ssf.NewTransmitter(cfg); err != nil {
		t.Fatal(err)
	}
	n.mux.Handle("/scim/v2/", h)
	n.mux.Handle("/", n.tx)
	return n
}

// do sends a request and returns the status and body.
func (n *node) do(method, path, token, body string) (int, string) {
	n.t.Helper()
	url := path
	if strings.HasPrefix(path, "/") {
		url = n.srv.URL + path
	}
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		n.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		n.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// must sends a request that must answer want and decodes the answer into out.
func (n *node) must(want int, method, path, token, body string, out any) {
	n.t.Helper()
	code, got := n.do(method, path, token, body)
	if code != want {
		n.t.Fatalf("%s %s = %d, want %d\n%s", method, path, code, want, got)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(got), out); err != nil {
			n.t.Fatalf("%s %s: %v\n%s", method, path, err, got)
		}
	}
}

var idRE = regexp.MustCompile(`"id":"([^"]+)"`)

// createUser provisions a user over SCIM and returns its id.
func (n *node) createUser(token, userName, email string) string {
	n.t.Helper()
	body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,"externalId":"ext-%s","emails":[{"value":%q,"primary":true}],"active":true}`, userName, userName, email)
	code, got := n.do("POST", "/scim/v2/Users", token, body)
	if code != 201 {
		n.t.Fatalf("create user: %d %s", code, got)
	}
	return idRE.FindStringSubmatch(got)[1]
}

// deactivate sends Okta's deactivation PATCH.
func (n *node) deactivate(token, id string) {
	n.t.Helper()
	code, got := n.do("PATCH", "/scim/v2/Users/"+id, token,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`)
	if code != 200 {
		n.t.Fatalf("deactivate: %d %s", code, got)
	}
}

// createStream creates a stream and returns its config.
func (n *node) createStream(token, body string) ssf.StreamConfig {
	n.t.Helper()
	var c ssf.StreamConfig
	n.must(201, "POST", "/ssf/stream", token, body, &c)
	return c
}

// poll polls a stream once.
func (n *node) poll(url, token string, req ssf.PollRequest) ssf.PollResponse {
	n.t.Helper()
	b, _ := json.Marshal(req)
	var resp ssf.PollResponse
	n.must(200, "POST", url, token, string(b), &resp)
	return resp
}

// jwks fetches a key set.
func (n *node) jwks(path string) jose.JSONWebKeySet {
	n.t.Helper()
	var set jose.JSONWebKeySet
	n.must(200, "GET", path, "", "", &set)
	return set
}

// verify checks a SET's signature with the key set and returns its claims.
func verify(t *testing.T, token string, set jose.JSONWebKeySet) ssf.SET {
	t.Helper()
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	h := jws.Signatures[0].Header
	if typ := h.ExtraHeaders["typ"]; typ != "secevent+jwt" {
		t.Errorf("typ %v, want secevent+jwt", typ)
	}
	keys := set.Key(h.KeyID)
	if len(keys) != 1 {
		t.Fatalf("kid %q not in the JWKS", h.KeyID)
	}
	payload, err := jws.Verify(keys[0])
	if err != nil {
		t.Fatal(err)
	}
	var s ssf.SET
	if err := json.Unmarshal(payload, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func ptr[T any](v T) *T { return &v }
