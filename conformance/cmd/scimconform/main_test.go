package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scimkit/conformance"
	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store/memory"
)

const token = "scimconform-test-token"

// fastCases are a few quick cases: two MUSTs (one that a server answering
// 400 for 404 fails) and a SHOULD.
const fastCases = `^(users\.create\.201|users\.get\.unknown-404|users\.create\.meta)$`

// newServer serves the reference handler on a memory store, wrapped by
// wrap when it is not nil, and returns its SCIM base URL.
func newServer(t *testing.T, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	h, err := scim.New(scim.Config{
		Store:         memory.New(),
		Authenticator: scim.StaticTokens{{Tenant: "t1", ID: "tok1", SHA256: scim.HashToken(token)}},
		Prefix:        "/scim/v2",
		Logger:        slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	var hh http.Handler = h
	if wrap != nil {
		hh = wrap(h)
	}
	srv := httptest.NewServer(hh)
	t.Cleanup(srv.Close)
	return srv.URL + "/scim/v2"
}

// notFoundAs400 is a broken server: it answers 400 where it should answer
// 404 (RFC 7644 §3.12).
func notFoundAs400(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		if rec.Code == http.StatusNotFound {
			w.Header().Del("Content-Length")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","detail":"bad id"}`))
			return
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	})
}

// runCmd runs the command with args and returns its exit code and output.
func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(t.Context(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// clearEnv keeps the $SCIMCONFORM_* defaults of the caller's environment
// out of the tests.
func clearEnv(t *testing.T) {
	for _, k := range []string{"SCIMCONFORM_URL", "SCIMCONFORM_TOKEN", "SCIMCONFORM_TOKEN2"} {
		t.Setenv(k, "")
	}
}

func TestRunExitCode(t *testing.T) {
	clearEnv(t)
	tests := []struct {
		name   string
		wrap   func(http.Handler) http.Handler
		want   int
		stdout []string // substrings of the summary
	}{
		{"reference server", nil, 0, []string{"3 cases: 3 passed, 0 failed"}},
		{"404 answered 400", notFoundAs400, 1, []string{"FAIL", "users.get.unknown-404", "MUST", "RFC 7644 §3.4.1", "3 cases: 2 passed, 1 failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := newServer(t, tt.wrap)
			code, stdout, stderr := runCmd(t, "-url", url, "-token", token, "-profile", "rfc", "-run", fastCases)
			if code != tt.want {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.want, stdout, stderr)
			}
			for _, s := range tt.stdout {
				if !strings.Contains(stdout, s) {
					t.Errorf("summary lacks %q:\n%s", s, stdout)
				}
			}
		})
	}
}

// jsonReport is the documented shape of -json (conformance.WriteJSON).
type jsonReport struct {
	Prefix   string   `json:"prefix"`
	Features []string `json:"features"`
	Results  []struct {
		ID          string `json:"id"`
		Title       string `json:"title"`
		Requirement struct {
			Source string `json:"source"`
			Level  string `json:"level"`
		} `json:"requirement"`
		Profiles   []string          `json:"profiles"`
		Status     string            `json:"status"`
		Detail     string            `json:"detail"`
		Elapsed    *float64          `json:"elapsed"`
		Transcript []json.RawMessage `json:"transcript"`
	} `json:"results"`
	Counts  map[string]int `json:"counts"`
	Failed  *bool          `json:"failed"`
	Elapsed *float64       `json:"elapsed"`
}

func TestRunJSON(t *testing.T) {
	clearEnv(t)
	url := newServer(t, notFoundAs400)
	code, stdout, stderr := runCmd(t, "-url", url, "-token", token, "-profile", "rfc", "-run", fastCases, "-json")
	if code != 1 {
		t.Errorf("exit code %d, want 1; stderr:\n%s", code, stderr)
	}
	var r jsonReport
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("-json output does not decode as documented: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Errorf("-json output has more than one document")
	}
	if !strings.HasPrefix(r.Prefix, "scimconform-") || r.Failed == nil || !*r.Failed || r.Elapsed == nil {
		t.Errorf("prefix %q, failed %v, elapsed %v: want scimconform-…, true, set", r.Prefix, r.Failed, r.Elapsed)
	}
	if !strings.Contains(strings.Join(r.Features, ","), "patch") {
		t.Errorf("features %v lack patch", r.Features)
	}
	if d := cmp.Diff(map[string]int{"pass": 2, "fail": 1, "warn": 0, "skip": 0}, r.Counts); d != "" {
		t.Errorf("counts (-want +got):\n%s", d)
	}
	got := map[string]string{}
	for _, x := range r.Results {
		got[x.ID] = x.Status + " " + x.Requirement.Level
		if x.Title == "" || x.Requirement.Source == "" || len(x.Profiles) == 0 || x.Elapsed == nil {
			t.Errorf("%s: title %q, source %q, profiles %v, elapsed %v: want all set", x.ID, x.Title, x.Requirement.Source, x.Profiles, x.Elapsed)
		}
		if x.Status == "fail" && (x.Detail == "" || len(x.Transcript) == 0) {
			t.Errorf("%s failed without detail or transcript", x.ID)
		}
	}
	want := map[string]string{"users.create.201": "pass MUST", "users.get.unknown-404": "fail MUST", "users.create.meta": "pass SHOULD"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("results (-want +got):\n%s", d)
	}
	if stderr != "" {
		t.Errorf("-json wrote progress to stderr: %q", stderr)
	}
}

// junitSuite is what CI systems read of -junit.
type junitSuite struct {
	XMLName  xml.Name `xml:"testsuite"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Cases    []struct {
		Name    string `xml:"name,attr"`
		Failure *struct {
			Message string `xml:"message,attr"`
			Body    string `xml:",chardata"`
		} `xml:"failure"`
	} `xml:"testcase"`
}

func TestRunJUnit(t *testing.T) {
	clearEnv(t)
	url := newServer(t, notFoundAs400)
	file := filepath.Join(t.TempDir(), "report.xml")
	code, stdout, stderr := runCmd(t, "-url", url, "-token", token, "-profile", "rfc", "-run", fastCases, "-junit", file)
	if code != 1 {
		t.Errorf("exit code %d, want 1\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var s junitSuite
	if err := xml.Unmarshal(data, &s); err != nil {
		t.Fatalf("-junit file is not valid XML: %v\n%s", err, data)
	}
	got := map[string]bool{}
	for _, c := range s.Cases {
		got[c.Name] = c.Failure != nil
		if c.Failure != nil && (!strings.Contains(c.Failure.Message, "MUST") || !strings.Contains(c.Failure.Body, "GET ")) {
			t.Errorf("%s: failure message %q, body %q: want the level and the failing request", c.Name, c.Failure.Message, c.Failure.Body)
		}
	}
	want := map[string]bool{"users.create.201": false, "users.get.unknown-404": true, "users.create.meta": false}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("testcases, true when <failure> (-want +got):\n%s", d)
	}
	if s.Tests != 3 || s.Failures != 1 {
		t.Errorf("tests=%d failures=%d, want 3 and 1", s.Tests, s.Failures)
	}
	if !strings.Contains(stdout, "users.get.unknown-404") {
		t.Errorf("-junit should not replace the summary on stdout:\n%s", stdout)
	}
}

func TestRunList(t *testing.T) {
	clearEnv(t)
	code, stdout, stderr := runCmd(t, "-list", "-profile", "rfc", "-run", `^users\.(create\.201|create\.meta|get\.)`)
	if code != 0 {
		t.Fatalf("exit code %d, want 0; stderr:\n%s", code, stderr)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		got = append(got, strings.Join(strings.Fields(line), " "))
	}
	want := []string{
		"users.create.201 MUST RFC 7644 §3.3",
		"users.create.meta SHOULD RFC 7643 §3.1",
		"users.get.200 MUST RFC 7644 §3.4.1",
		"users.get.unknown-404 MUST RFC 7644 §3.4.1, §3.12",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("-list (-want +got):\n%s", d)
	}
}

func TestRunUsageErrors(t *testing.T) {
	clearEnv(t)
	tests := []struct {
		name string
		args []string
		want string // in stderr, before the usage
	}{
		{"unknown flag", []string{"-url", "http://x", "-nope"}, "flag provided but not defined: -nope"},
		{"bad flag value", []string{"-url", "http://x", "-parallel", "many"}, `invalid value "many" for flag -parallel`},
		{"unknown profile", []string{"-url", "http://x", "-profile", "google"}, `unknown -profile "google"`},
		{"bad -run", []string{"-url", "http://x", "-run", "("}, "-run: error parsing regexp"},
		{"missing -url", []string{"-token", "t"}, "-url is required"},
	}
	usage := regexp.MustCompile(`(?s)usage: scimconform .*-profile string`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, tt.args...)
			if code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
			if !strings.Contains(stderr, tt.want) || !usage.MatchString(stderr) {
				t.Errorf("stderr lacks %q and the usage:\n%s", tt.want, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
		})
	}
}

func TestRunHelp(t *testing.T) {
	clearEnv(t)
	code, _, stderr := runCmd(t, "-h")
	if code != 0 || !strings.Contains(stderr, "usage: scimconform") {
		t.Errorf("-h: exit code %d, stderr %q: want 0 and the usage", code, stderr)
	}
}

// TestRunCancelled checks that a cancelled context (an interrupt) stops
// the run: the cases not started are skipped, and nothing fails.
func TestRunCancelled(t *testing.T) {
	clearEnv(t)
	url := newServer(t, nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var out, errOut bytes.Buffer
	code := run(ctx, []string{"-url", url, "-token", token, "-profile", "rfc", "-run", fastCases, "-json"}, &out, &errOut)
	var r jsonReport
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("-json after cancel: %v\n%s", err, out.String())
	}
	if code != 0 || r.Counts["skip"] != 3 {
		t.Errorf("exit code %d, counts %v: want 0 and 3 skipped", code, r.Counts)
	}
}

// TestGrade grades a shipped replay file from the command line: the table
// names its quirks, -json is an array of grades, -junit has one case per
// request; a missing file is a usage error.
func TestGrade(t *testing.T) {
	file := filepath.Join("..", "..", "replays", "jumpcloud-connect.json")
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"grade", file}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, s := range []string{"Q-JUMPCLOUD-TRAILING-SLASH", "Q-MEMBERS-REMOVE-BY-VALUE", "protocol.endpoint", "without a trailing '/'"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("table lacks %q:\n%s", s, out.String())
		}
	}
	junit := filepath.Join(t.TempDir(), "grade.xml")
	out.Reset()
	if code := run(t.Context(), []string{"grade", "-json", "-junit", junit, file}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var grades []struct {
		IdP    string   `json:"idp"`
		Steps  []any    `json:"steps"`
		Quirks []any    `json:"quirks"`
		Set    []string `json:"idpSettings"`
	}
	if err := json.Unmarshal(out.Bytes(), &grades); err != nil || len(grades) != 1 || grades[0].IdP != "jumpcloud" || len(grades[0].Quirks) != 2 {
		t.Fatalf("-json: %v %+v\n%s", err, grades, out.String())
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var suite struct {
		Tests int `xml:"tests,attr"`
	}
	if err := xml.Unmarshal(data, &suite); err != nil || suite.Tests != len(grades[0].Steps) {
		t.Errorf("-junit: %v, %d tests, want %d", err, suite.Tests, len(grades[0].Steps))
	}
	several := filepath.Join(t.TempDir(), "grades.xml")
	rippling := filepath.Join("..", "..", "replays", "rippling-connect.json")
	if code := run(t.Context(), []string{"grade", "-junit", several, file, rippling}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, name := range []string{"grades-1.xml", "grades-2.xml"} {
		if _, err := os.Stat(filepath.Join(filepath.Dir(several), name)); err != nil {
			t.Errorf("-junit with two files: %v", err)
		}
	}
	if code := run(t.Context(), []string{"grade", filepath.Join(t.TempDir(), "nope.json")}, &out, &errb); code != 2 {
		t.Errorf("missing file: exit %d, want 2", code)
	}
	if code := run(t.Context(), []string{"grade"}, &out, &errb); code != 2 {
		t.Errorf("no file: exit %d, want 2", code)
	}
}

// TestPreflight: a target that is unreachable, refuses the token, or has
// no ServiceProviderConfig at -url stops the run at once with one line
// saying so, and exit status 1.
func TestPreflight(t *testing.T) {
	clearEnv(t)
	url := newServer(t, nil)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html>login</html>"))
	}))
	defer html.Close()
	for _, tc := range []struct {
		name, url, token, want string
	}{
		{"unreachable", closed.URL + "/scim/v2", token, "cannot reach"},
		{"wrong token", url, "nope", "the token was refused"},
		{"no token", url, "", "needs a bearer token"},
		{"not the base URL", strings.TrimSuffix(url, "/scim/v2") + "/scim", token, "is -url the SCIM base URL"},
		{"not SCIM", html.URL, token, "is not JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, extra := range [][]string{nil, {"-replay", filepath.Join("..", "..", "replays", "jumpcloud-connect.json")}} {
				code, stdout, stderr := runCmd(t, append([]string{"-url", tc.url, "-token", tc.token, "-run", fastCases}, extra...)...)
				if code != 1 || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 || stdout != "" {
					t.Errorf("%v: exit %d, stderr %q, stdout %q; want 1 and one line with %q", extra, code, stderr, stdout, tc.want)
				}
			}
		})
	}
}

// TestProgress: the run reports the count of cases done and an estimate
// of the time left.
func TestProgress(t *testing.T) {
	clearEnv(t)
	code, _, stderr := runCmd(t, "-url", newServer(t, nil), "-token", token, "-profile", "rfc", "-run", fastCases)
	if code != 0 || !regexp.MustCompile(`(?m)^\.\.\. 3/3 cases, done in \d+s$`).MatchString(stderr) {
		t.Errorf("exit %d, progress:\n%s", code, stderr)
	}
	var b bytes.Buffer
	p := newProgress(&b, 20, false)
	clock := p.start
	p.now = func() time.Time { return clock }
	for i := range 10 {
		clock = clock.Add(2 * time.Second)
		p.result(conformance.Result{ID: fmt.Sprint("c", i), Status: conformance.StatusPass})
	}
	if got, want := b.String(), "..........  10/20 cases, about 20s left\n"; got != strings.Replace(want, "  ", " ", 1) {
		t.Errorf("progress after 10 of 20 cases at 2s each: %q, want %q", got, want)
	}
}

// TestReplayShowsStepNote: a step that differs shows its note, which says
// for instance that the IdP sent it concurrently with another.
func TestReplayShowsStepNote(t *testing.T) {
	clearEnv(t)
	file := filepath.Join(t.TempDir(), "r.json")
	os.WriteFile(file, []byte(`{"idp":"entra","steps":[{"name":"list","note":"In flight at the same time as seq 7, which finished first; replayed after it.",
		"request":{"method":"GET","path":"/Users"},"expect":{"status":409}}]}`), 0o600)
	code, stdout, _ := runCmd(t, "-url", newServer(t, nil), "-token", token, "-replay", file)
	if code != 1 || !strings.Contains(stdout, "DIFF") || !strings.Contains(stdout, "note: In flight at the same time as seq 7") {
		t.Errorf("exit %d, output:\n%s", code, stdout)
	}
}
