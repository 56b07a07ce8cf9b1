package scim

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scimkit/scimkit/store/memory"
)

// testToken authenticates as tenant "t1"; testToken2 as tenant "t2".
const (
	testToken  = "token-for-tenant-1"
	testToken2 = "token-for-tenant-2"
)

// newTestHandler returns a Handler on a fresh memory store with two
// tenants' tokens; cfg.Store and cfg.Authenticator are filled in when nil.
func newTestHandler(t testing.TB, cfg Config) *Handler {
	t.Helper()
	if cfg.Store == nil {
		cfg.Store = memory.New()
	}
	if cfg.Authenticator == nil {
		cfg.Authenticator = StaticTokens{
			{Tenant: "t1", ID: "tok1", SHA256: HashToken(testToken)},
			{Tenant: "t2", ID: "tok2", SHA256: HashToken(testToken2)},
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// escapeTarget percent-encodes the characters of a request target that
// cannot appear raw in a URL (spaces, quotes...), keeping existing escapes
// and the query's structure, so fixtures written unencoded can be sent.
func escapeTarget(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c > ' ' && c < 0x7f && !strings.ContainsRune("\"<>\\^`{|}#", rune(c)) {
			b.WriteByte(c)
			continue
		}
		b.WriteString("%")
		b.WriteString(strings.ToUpper(string("0123456789abcdef"[c>>4]) + string("0123456789abcdef"[c&15])))
	}
	return b.String()
}

// request is one HTTP exchange in a test.
type request struct {
	method, target string
	body           string
	headers        map[string]string
	token          string // "" → testToken; "-" → no Authorization
}

type response struct {
	code   int
	header http.Header
	body   []byte
	json   map[string]any
}

// do sends req through h and decodes a JSON object response.
func do(t testing.TB, h http.Handler, req request) response {
	t.Helper()
	var body io.Reader
	if req.body != "" {
		body = strings.NewReader(req.body)
	}
	r := httptest.NewRequest(req.method, "http://scim.example.com"+escapeTarget(req.target), body)
	switch req.token {
	case "":
		r.Header.Set("Authorization", "Bearer "+testToken)
	case "-":
	default:
		r.Header.Set("Authorization", "Bearer "+req.token)
	}
	for k, v := range req.headers {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	res := response{code: w.Code, header: w.Header(), body: w.Body.Bytes()}
	if len(res.body) > 0 && res.body[0] == '{' {
		if err := json.Unmarshal(res.body, &res.json); err != nil {
			t.Fatalf("%s %s: response is not JSON: %v\n%s", req.method, req.target, err, res.body)
		}
	}
	return res
}

// mustDo is do that fails the test unless the status is want.
func mustDo(t testing.TB, h http.Handler, req request, want int) response {
	t.Helper()
	res := do(t, h, req)
	if res.code != want {
		t.Fatalf("%s %s: status %d, want %d\n%s", req.method, req.target, res.code, want, res.body)
	}
	return res
}
