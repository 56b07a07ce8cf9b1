package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store"
)

// Token is the bearer token the test server accepts (tenant "default").
const Token = "e2e-secret-token"

// BasePath is where the SCIM handler is mounted, as in examples/server.
const BasePath = "/scim/v2"

// Server is a running reference server.
type Server struct {
	URL  string // absolute base URL, e.g. http://127.0.0.1:1234/scim/v2
	Host string // absolute root URL, without BasePath
	hc   *http.Client
}

// Start runs a fresh server on store/memory until the test ends (Memory.Start).
func Start(t testing.TB, adjust ...func(*scim.Config)) *Server {
	t.Helper()
	return Memory.Start(t, adjust...)
}

// start runs a server on st until the test ends.
func start(t testing.TB, st store.Store, adjust []func(*scim.Config)) *Server {
	t.Helper()
	cfg := scim.Config{
		Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		Store:         st,
		Authenticator: scim.StaticTokens{{Tenant: "default", ID: "env", SHA256: scim.HashToken(Token)}},
		Prefix:        BasePath,
	}
	for _, f := range adjust {
		f(&cfg)
	}
	h, err := scim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(BasePath+"/", h)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return &Server{URL: ts.URL + BasePath, Host: ts.URL, hc: ts.Client()}
}

// Request is one HTTP request relative to the base URL.
type Request struct {
	// Method is the HTTP method, e.g. "GET".
	Method string
	Path   string // relative to the base URL, e.g. "/Users?count=1"
	// Body is the request body; "" sends none.
	Body string
	// Header is added to the request; "Authorization" defaults to the
	// test token and "Content-Type" (with a body) to application/scim+json.
	// An empty value removes a default.
	Header map[string]string
	// RawURL, when set, is the absolute URL used instead of URL+Path.
	RawURL string
}

// Response is an answer, its body decoded when it is JSON.
type Response struct {
	// Status is the HTTP status code.
	Status int
	// Header is the response's headers.
	Header http.Header
	// Body is the raw response body.
	Body []byte
	// JSON is the body decoded as a JSON object (numbers as json.Number); nil when there is none.
	JSON map[string]any
}

// Do sends req and checks the invariants every response must meet.
func (s *Server) Do(t testing.TB, req Request) *Response {
	t.Helper()
	target := s.URL + req.Path
	if req.RawURL != "" {
		target = req.RawURL
	}
	hr, err := http.NewRequest(req.Method, target, strings.NewReader(req.Body))
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, target, err)
	}
	hr.Header.Set("Authorization", "Bearer "+Token)
	if req.Body != "" {
		hr.Header.Set("Content-Type", "application/scim+json")
	}
	for k, v := range req.Header {
		if v == "" {
			hr.Header.Del(k)
		} else {
			hr.Header.Set(k, v)
		}
	}
	resp, err := s.hc.Do(hr)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", req.Method, target, err)
	}
	r := &Response{Status: resp.StatusCode, Header: resp.Header, Body: body}
	if err := r.check(req.Method); err != nil {
		t.Errorf("%s %s: %v\nbody: %.2000s", req.Method, abbreviate(req.Path), err, body)
	}
	return r
}

// check verifies what holds for every response: never 5xx (except 501
// Not Implemented, RFC 7644 §3.11 and §3.7); a body, when
// present, is a JSON object sent as application/scim+json; a 4xx carries a
// SCIM error (RFC 7644 §3.12: the Error schema and status as a string equal
// to the HTTP status).
func (r *Response) check(method string) error {
	if r.Status >= 500 && r.Status != http.StatusNotImplemented {
		return fmt.Errorf("status %d: a server error", r.Status)
	}
	if len(r.Body) == 0 {
		if r.Status >= 400 || (r.Status == 200 && method != http.MethodHead) || r.Status == 201 {
			return fmt.Errorf("status %d with an empty body", r.Status)
		}
		return nil
	}
	if r.Status == http.StatusNoContent || r.Status == http.StatusNotModified {
		return fmt.Errorf("status %d with a body", r.Status)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/scim+json" {
		return fmt.Errorf("Content-Type %q, want application/scim+json", ct)
	}
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	if err := dec.Decode(&r.JSON); err != nil || r.JSON == nil {
		return fmt.Errorf("body is not a JSON object: %v", err)
	}
	if r.Status >= 400 {
		return checkError(r.Status, r.JSON)
	}
	return nil
}

// checkError checks an RFC 7644 §3.12 error body.
func checkError(status int, m map[string]any) error {
	if !hasString(m["schemas"], "urn:ietf:params:scim:api:messages:2.0:Error") {
		return fmt.Errorf("error schemas = %v, want the Error URN", m["schemas"])
	}
	if s, ok := m["status"].(string); !ok || s != strconv.Itoa(status) {
		return fmt.Errorf("error status member = %#v, want the string %q", m["status"], strconv.Itoa(status))
	}
	if d, _ := m["detail"].(string); d == "" {
		return fmt.Errorf("error without a detail")
	}
	return nil
}

func hasString(v any, want string) bool {
	l, _ := v.([]any)
	for _, e := range l {
		if s, _ := e.(string); s == want {
			return true
		}
	}
	return false
}

func abbreviate(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// Str returns the string at a dotted path of m ("meta.location",
// "emails.0.value"), or "".
func Str(m map[string]any, path string) string {
	s, _ := Get(m, path).(string)
	return s
}

// Int returns the integer at a dotted path of m, or -1 when it is not a
// JSON integer.
func Int(m map[string]any, path string) int {
	n, ok := Get(m, path).(json.Number)
	if !ok {
		return -1
	}
	i, err := strconv.Atoi(string(n))
	if err != nil {
		return -1
	}
	return i
}

// Get walks a dotted path through objects and arrays (numeric segments).
func Get(v any, path string) any {
	if path == "" {
		return v
	}
	for _, seg := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[seg]
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// Resources returns the Resources of a ListResponse.
func (r *Response) Resources() []map[string]any {
	l, _ := r.JSON["Resources"].([]any)
	out := make([]map[string]any, 0, len(l))
	for _, e := range l {
		m, _ := e.(map[string]any)
		out = append(out, m)
	}
	return out
}

// IDs returns the ids of the Resources of a ListResponse, in order.
func (r *Response) IDs() []string {
	var out []string
	for _, m := range r.Resources() {
		out = append(out, Str(m, "id"))
	}
	return out
}
