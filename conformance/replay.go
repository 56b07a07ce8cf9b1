package conformance

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// ReplayFile is a recorded sequence of SCIM requests and the answers the
// client relied on: the fixture format of internal/idptest, extended with
// Unique and Expect.AlsoStatus. Request paths and bodies may use {{name}}
// placeholders for ids captured from earlier responses (Capture), so a
// recording made against one server replays against any other.
type ReplayFile struct {
	// IdP names the client the recording comes from, e.g. "okta" or "entra".
	IdP string `json:"idp"`
	// Dialect is the dialect the requests were read in; informational.
	Dialect string `json:"dialect,omitempty"`
	// Source says where the recording comes from (a document URL or a provisioning log).
	Source string `json:"source,omitempty"`
	// Note is a free-form remark for people reading the file.
	Note string `json:"note,omitempty"`
	// Unique lists literal values (userNames, group displayNames) that
	// Replay replaces with values unique to the run, wherever they appear
	// as a whole JSON string or a quoted filter value (matched
	// case-insensitively, keeping the case of each occurrence), so that
	// reruns and parallel runs never collide.
	Unique []string `json:"unique,omitempty"`
	// Steps are the requests, replayed in order.
	Steps []ReplayStep `json:"steps"`
}

// ReplayStep is one request and the answer expected of it.
type ReplayStep struct {
	// Name identifies the step in reports.
	Name string `json:"name"`
	// Source says where the step's request comes from, e.g. a document section or log entry.
	Source string `json:"source,omitempty"`
	// Note is a free-form remark on the step.
	Note string `json:"note,omitempty"`
	// Dialect is the dialect the step's request was read in, when it differs from the file's; informational.
	Dialect string `json:"dialect,omitempty"`
	// Request is the request to send.
	Request ReplayRequest `json:"request"`
	// Expect is the answer the client relied on.
	Expect ReplayExpect `json:"expect"`
	// Capture maps a placeholder name to where the response holds its
	// value: a member ("id", "meta.version"), "header:NAME" for a response
	// header (e.g. "header:ETag"), or "bulk:BULKID" for the id at the end
	// of the location a BulkResponse gives the operation with that bulkId
	// (RFC 7644 §3.7.3).
	Capture map[string]string `json:"capture,omitempty"`
}

// ReplayRequest is a request relative to the SCIM base URL.
type ReplayRequest struct {
	// Method is the HTTP method, e.g. "POST".
	Method string `json:"method"`
	// Path is the path and query relative to the base URL; it may hold {{name}} placeholders.
	Path string `json:"path"`
	// Headers are extra request headers, e.g. If-Match; values may hold placeholders.
	Headers map[string]string `json:"headers,omitempty"`
	// Body is the JSON request body; it may hold placeholders.
	Body json.RawMessage `json:"body,omitempty"`
}

// ReplayExpect is the expected answer. Body is matched as a subset: objects
// member by member (names case-insensitively; null, "" or [] mean
// unassigned), arrays element by element in any order ("members" and
// "Resources" with exactly the wanted length), meta.created and
// meta.lastModified are ignored and an error detail need only be non-empty.
type ReplayExpect struct {
	// Status is the expected HTTP status code.
	Status int `json:"status"`
	// AlsoStatus lists other acceptable statuses (e.g. 204 for a PATCH
	// recorded with 200); the body is then compared only if one was sent.
	AlsoStatus []int `json:"alsoStatus,omitempty"`
	// Body is the expected response body, matched as a subset; empty skips the comparison.
	Body json.RawMessage `json:"body,omitempty"`
}

// StepResult is the outcome of one replayed step.
type StepResult struct {
	// Name is the step's name.
	Name string `json:"name"`
	// Differences says where the server's answer differs from the
	// recording; empty when it matches.
	Differences []string `json:"differences,omitempty"`
	// Exchange is the request sent and the answer received.
	Exchange Exchange `json:"exchange"`
}

// ReplayReport is the outcome of a replay.
type ReplayReport struct {
	// Steps are the results of the steps run, in order.
	Steps []StepResult `json:"steps"`
	// Error is set when the replay had to stop (a capture failed).
	Error string `json:"error,omitempty"`
}

// Failed reports whether any step differed or the replay stopped.
func (r *ReplayReport) Failed() bool {
	if r.Error != "" {
		return true
	}
	for _, s := range r.Steps {
		if len(s.Differences) > 0 {
			return true
		}
	}
	return false
}

// ParseReplayFile decodes a replay file.
func ParseReplayFile(data []byte) (*ReplayFile, error) {
	var f ReplayFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("conformance: replay file: %w", err)
	}
	for i, s := range f.Steps {
		if s.Request.Method == "" || s.Request.Path == "" || s.Expect.Status == 0 {
			return nil, fmt.Errorf("conformance: replay file: step %d (%s) lacks method, path or expect.status", i, s.Name)
		}
	}
	return &f, nil
}

//go:embed replays/*.json
var replayFS embed.FS

// ShippedReplays returns the replay files shipped with the suite
// (replays/*.json: Okta, Entra, authentik, JumpCloud, PingFederate,
// PingOne, OneLogin and Rippling sequences written from their public
// documentation and code), by file name.
func ShippedReplays() map[string]*ReplayFile {
	out := map[string]*ReplayFile{}
	names, _ := fs.Glob(replayFS, "replays/*.json")
	for _, n := range names {
		data, _ := replayFS.ReadFile(n)
		f, err := ParseReplayFile(data)
		if err != nil {
			panic(err) // shipped files are checked by the package's tests
		}
		out[strings.TrimPrefix(n, "replays/")] = f
	}
	return out
}

// Replay sends the steps of f to target in order, mapping captured ids and
// making the Unique values unique to this run, and reports where the
// answers differ from the recording (status, scimType, resource subset).
// Every resource the replay created is deleted at the end, also when ctx
// is cancelled.
func Replay(ctx context.Context, target Target, f *ReplayFile) *ReplayReport {
	prefix := target.Prefix
	if prefix == "" {
		prefix = NewPrefix()
	}
	t := &T{ctx: ctx, target: target, prefix: prefix + "replay-",
		primary: newClient(target, target.Token), second: newClient(target, target.SecondToken)}
	defer t.runCleanups(ctx)
	return replaySteps(t, f)
}

func replaySteps(t *T, f *ReplayFile) *ReplayReport {
	rep := &ReplayReport{}
	sub := newSubstituter(t.prefix, f.Unique)
	for _, st := range f.Steps {
		r, err := sub.request(st.Request)
		if err != nil {
			rep.Error = fmt.Sprintf("%s: %v", st.Name, err)
			return rep
		}
		res := t.Do(st.Request.Method, r.path, r.body, func(q *request) { q.headers = r.headers; q.noType = r.noType })
		if st.Request.Method == http.MethodPost && r.path == "/Bulk" {
			cleanupBulk(t, res)
		}
		tr := t.primary.transcript()
		sr := StepResult{Name: st.Name, Exchange: tr[len(tr)-1]}
		for name, member := range st.Capture {
			v := captured(res, member)
			if v == "" {
				sr.Differences = compareStep(sub, st, res)
				rep.Steps = append(rep.Steps, sr)
				rep.Error = fmt.Sprintf("%s: cannot capture %s from %q of the response", st.Name, name, member)
				return rep
			}
			sub.vars[name] = v
		}
		sr.Differences = compareStep(sub, st, res)
		rep.Steps = append(rep.Steps, sr)
		if t.ctx.Err() != nil {
			rep.Error = "interrupted: " + t.ctx.Err().Error()
			return rep
		}
	}
	return rep
}

// cleanupBulk deletes, when the replay ends, the resources a /Bulk
// request created (operations answered 201 with a location).
func cleanupBulk(t *T, res *Response) {
	ops, _ := attr(res.JSON(), "Operations").([]any)
	for _, o := range ops {
		m, _ := o.(obj)
		loc, _ := attr(m, "location").(string)
		if st, _ := attr(m, "status").(string); st != "201" || loc == "" {
			continue
		}
		parts := strings.Split(strings.TrimRight(loc, "/"), "/")
		if len(parts) >= 2 {
			path := "/" + parts[len(parts)-2] + "/" + parts[len(parts)-1]
			t.Cleanup(func(ctx context.Context) { t.deleteQuietly(ctx, t.primary, path) })
		}
	}
}

// captured returns the value a Capture source names in res, or "".
func captured(res *Response, source string) string {
	if h, ok := strings.CutPrefix(source, "header:"); ok {
		return res.Header.Get(h)
	}
	if id, ok := strings.CutPrefix(source, "bulk:"); ok {
		ops, _ := attr(res.JSON(), "Operations").([]any)
		for _, o := range ops {
			if m, _ := o.(obj); m != nil && attr(m, "bulkId") == id {
				loc, _ := attr(m, "location").(string)
				return loc[strings.LastIndexByte(loc, '/')+1:]
			}
		}
		return ""
	}
	v, _ := attr(res.JSON(), source).(string)
	return v
}

func compareStep(sub *substituter, st ReplayStep, res *Response) []string {
	if res.Status != st.Expect.Status && !slices.Contains(st.Expect.AlsoStatus, res.Status) {
		return []string{fmt.Sprintf("status %d, recorded %d", res.Status, st.Expect.Status)}
	}
	if len(st.Expect.Body) == 0 || len(res.Body) == 0 && res.Status != st.Expect.Status {
		return nil
	}
	want, err := sub.expect(st.Expect.Body)
	if err != nil {
		return []string{err.Error()}
	}
	var got any
	if err := json.Unmarshal(res.Body, &got); err != nil {
		return []string{fmt.Sprintf("response body is not JSON: %v", err)}
	}
	return subsetDiff("", want, got)
}

var placeholder = regexp.MustCompile(`\{\{([A-Za-z0-9_.]+)\}\}`)

// substituter fills placeholders and makes Unique values unique.
type substituter struct {
	prefix string
	unique []string
	vars   map[string]string
}

func newSubstituter(prefix string, unique []string) *substituter {
	return &substituter{prefix: prefix, unique: unique, vars: map[string]string{}}
}

type sentRequest struct {
	path    string
	body    []byte
	headers map[string]string
	noType  bool
}

func (s *substituter) fill(in string) (string, error) {
	var missing string
	out := placeholder.ReplaceAllStringFunc(in, func(m string) string {
		v, ok := s.vars[m[2:len(m)-2]]
		if !ok {
			missing = m
		}
		return v
	})
	if missing != "" {
		return "", fmt.Errorf("placeholder %s used before it was captured", missing)
	}
	return out, nil
}

func (s *substituter) request(r ReplayRequest) (sentRequest, error) {
	p, err := s.fill(r.Path)
	if err != nil {
		return sentRequest{}, err
	}
	// Headers are sent as recorded: a recording without Content-Type (as
	// Okta sends them) is replayed without one.
	out := sentRequest{path: escapeTarget(s.quoted(p)), headers: map[string]string{}, noType: true}
	for k, v := range r.Headers {
		if out.headers[k], err = s.fill(v); err != nil { // If-Match: {{user1.v2}}
			return sentRequest{}, err
		}
	}
	if len(r.Body) > 0 {
		b, err := s.expect(r.Body)
		if err != nil {
			return sentRequest{}, err
		}
		out.body, _ = json.Marshal(b)
	}
	return out, nil
}

// expect fills placeholders and unique values in a JSON document.
func (s *substituter) expect(raw json.RawMessage) (any, error) {
	filled, err := s.fill(string(raw))
	if err != nil {
		return nil, err
	}
	var v any
	if err := json.Unmarshal([]byte(filled), &v); err != nil {
		return nil, fmt.Errorf("recorded JSON: %w", err)
	}
	return s.walk(v), nil
}

func (s *substituter) walk(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if structural(k) {
				continue // "path": "displayName" names an attribute, not a value
			}
			x[k] = s.walk(e)
		}
	case []any:
		for i, e := range x {
			x[i] = s.walk(e)
		}
	case string:
		return s.uniq(x)
	}
	return v
}

func structural(k string) bool {
	return strings.EqualFold(k, "path") || strings.EqualFold(k, "op") || k == "schemas"
}

// uniq returns the run-unique form of v if v is a Unique value.
func (s *substituter) uniq(v string) string {
	for _, u := range s.unique {
		if strings.EqualFold(u, v) {
			n := s.prefix + u
			switch v {
			case strings.ToUpper(v):
				return strings.ToUpper(n)
			case strings.ToLower(v):
				return strings.ToLower(n)
			}
			return s.prefix + v
		}
	}
	return v
}

var quotedValue = regexp.MustCompile(`"[^"]*"|%22.*?%22`)

// quoted makes Unique values inside quoted filter values unique, in raw
// ("…") and percent-encoded (%22…%22) form.
func (s *substituter) quoted(p string) string {
	return quotedValue.ReplaceAllStringFunc(p, func(m string) string {
		if strings.HasPrefix(m, `"`) {
			return `"` + s.uniq(m[1:len(m)-1]) + `"`
		}
		inner := m[3 : len(m)-3]
		dec, err := urlUnescape(inner)
		if err != nil {
			return m
		}
		if u := s.uniq(dec); u != dec {
			return "%22" + escapeAll(u) + "%22"
		}
		return m
	})
}

// replayCase makes a Case that replays a shipped file.
func replayCase(id, file string, profiles []Profile, needs []Feature, src string) Case {
	return Case{ID: id, Title: "replay " + file + " and compare every answer with the recording",
		Requirement: idp(src), Profiles: profiles, Needs: needs,
		Func: func(ctx context.Context, t *T) {
			f := ShippedReplays()[file]
			if f == nil {
				t.Fatalf("no shipped replay file %s", file)
			}
			rep := replaySteps(t, f)
			for _, s := range rep.Steps {
				if len(s.Differences) > 0 {
					t.Errorf("step %s: %s\n%s", s.Name, strings.Join(s.Differences, "\n"), s.Exchange)
				}
			}
			if rep.Error != "" {
				t.Errorf("%s", rep.Error)
			}
		}}
}
