package conformance

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/scimkit/scimkit/schema"
)

// Grade is what GradeReplay reports about the traffic of an IdP: per
// request, where it departs from what RFC 7644 asks of a client and which
// known IdP quirks (QUIRKS.md, by id) it matches; then which scimkit
// settings the IdP needs, what its own configuration should be, and which
// server features it relied on.
type Grade struct {
	// IdP is the client the traffic comes from, as the replay file names it.
	IdP string `json:"idp"`
	// Source is where the traffic comes from (the replay file's Source).
	Source string `json:"source,omitempty"`
	// Steps are the graded requests, in order.
	Steps []GradedStep `json:"steps"`
	// Quirks are the quirks matched, in catalog order, with the steps that
	// matched each.
	Quirks []QuirkMatch `json:"quirks"`
	// Unseen are the ids of the quirks QUIRKS.md documents for IdP that no
	// single request can show (a sequence or an absence, such as JumpCloud's
	// connection test or Okta never deleting users; Quirk.Detectable is
	// false), in catalog order: expect them of this IdP although the
	// requests do not name them.
	Unseen []string `json:"unseen,omitempty"`
	// Deviations counts the steps that showed each deviation, by rule id.
	Deviations map[string]int `json:"deviations"`
	// Settings are the scimkit tenant settings the traffic needs, e.g.
	// "Dialect: default, okta or entra (not strict)".
	Settings []string `json:"settings"`
	// IdPSettings are changes the IdP's own configuration needs, e.g.
	// "remove the trailing '/' from the base URL".
	IdPSettings []string `json:"idpSettings,omitempty"`
	// Features are the server features the traffic relied on, e.g.
	// "PATCH", "filter eq", "groups".
	Features []string `json:"features"`
}

// GradedStep is the grade of one request.
type GradedStep struct {
	// Name is the step's name in the replay file.
	Name string `json:"name"`
	// Method and Path are the request's, as recorded.
	Method string `json:"method"`
	// Path is the request's path and query relative to the base URL.
	Path string `json:"path"`
	// Deviations are the departures from RFC 7644's client requirements.
	Deviations []Deviation `json:"deviations,omitempty"`
	// Quirks are the ids of the known quirks the request matched.
	Quirks []string `json:"quirks,omitempty"`
}

// Deviation is one departure of a request from what RFC 7643/7644 ask of
// a client.
type Deviation struct {
	// ID names the rule, e.g. "patch.op-case" (see DeviationRules).
	ID string `json:"id"`
	// Requirement is the RFC section and its strength.
	Requirement Requirement `json:"requirement"`
	// Detail says what in the request departs, e.g. `op "Replace"`.
	Detail string `json:"detail"`
}

// QuirkMatch is a quirk that some requests matched.
type QuirkMatch struct {
	// ID is the quirk's id in QUIRKS.md, e.g. "Q-OKTA-PATHLESS-ACTIVE".
	ID string `json:"id"`
	// Title says what the IdP does.
	Title string `json:"title"`
	// Steps are the names of the steps that matched.
	Steps []string `json:"steps"`
}

// GradeReplay grades the requests of f, a replay file shipped with the
// suite or written by Record from a tenant's provisioning log. It reads
// only the requests: the answers recorded in f are not graded. It is pure
// and safe for concurrent use.
func GradeReplay(f *ReplayFile) *Grade {
	g := &Grade{IdP: f.IdP, Source: f.Source, Deviations: map[string]int{}, Steps: []GradedStep{}, Quirks: []QuirkMatch{}}
	matched := map[string][]string{}
	features := map[string]bool{}
	settings, advice := map[string]bool{}, map[string]bool{}
	for _, st := range f.Steps {
		gs := GradedStep{Name: st.Name, Method: st.Request.Method, Path: st.Request.Path}
		r := parseGradeRequest(st)
		reqs := []*gradeRequest{r}
		reqs = append(reqs, r.bulkOperations()...)
		for i, x := range reqs {
			var devs []Deviation
			for _, rule := range deviationRules {
				devs = append(devs, rule.apply(x)...)
			}
			for _, q := range quirkCatalog {
				if q.match != nil && q.match(x, devs) && !slices.Contains(gs.Quirks, q.ID) {
					gs.Quirks = append(gs.Quirks, q.ID)
					matched[q.ID] = append(matched[q.ID], st.Name)
					for _, s := range q.Settings {
						settings[s] = true
					}
					if q.IdPSetting != "" {
						advice[q.IdPSetting] = true
					}
				}
			}
			for j := range devs {
				if i > 0 {
					devs[j].Detail = fmt.Sprintf("Operations[%d] %s %s: %s", i-1, x.method, x.rawPath, devs[j].Detail)
				}
			}
			gs.Deviations = append(gs.Deviations, devs...)
			for _, f := range x.features() {
				features[f] = true
			}
		}
		seen := map[string]bool{}
		for _, d := range gs.Deviations {
			if !seen[d.ID] {
				seen[d.ID] = true
				g.Deviations[d.ID]++
			}
		}
		g.Steps = append(g.Steps, gs)
	}
	for _, q := range quirkCatalog {
		if s := matched[q.ID]; len(s) > 0 {
			g.Quirks = append(g.Quirks, QuirkMatch{ID: q.ID, Title: q.Title, Steps: s})
		}
		if !q.Detectable() && slices.Contains(q.IdPs, f.IdP) {
			g.Unseen = append(g.Unseen, q.ID)
		}
	}
	if len(settings) == 0 {
		settings["no setting needed: any dialect, strict included"] = true
	}
	g.Settings, g.IdPSettings, g.Features = sortedSet(settings), sortedSet(advice), sortedSet(features)
	return g
}

// QuirkIDs returns the ids of the quirks g matched, in catalog order.
func (g *Grade) QuirkIDs() []string {
	out := make([]string, 0, len(g.Quirks))
	for _, q := range g.Quirks {
		out = append(out, q.ID)
	}
	return out
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// gradeRequest is a recorded request taken apart for the rules.
type gradeRequest struct {
	method  string
	rawPath string
	// segments are the path's segments, empty ones (from "//") removed.
	segments []string
	// emptySegment is set when the path has an empty segment ("//Users").
	emptySegment bool
	query        map[string]string // parameter names lower-cased
	body         map[string]any    // nil when there is no JSON object body
	headers      map[string]string // names lower-cased
	rt           *schema.ResourceType
	ops          []gradeOp
}

// gradeOp is one PATCH operation as sent.
type gradeOp struct {
	op       string
	path     string
	hasPath  bool
	value    any
	hasValue bool
}

func parseGradeRequest(st ReplayStep) *gradeRequest {
	r := &gradeRequest{method: strings.ToUpper(st.Request.Method), rawPath: st.Request.Path, query: map[string]string{}, headers: map[string]string{}}
	p, rawQuery, _ := strings.Cut(st.Request.Path, "?")
	for _, s := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		if s == "" {
			r.emptySegment = true
			continue
		}
		r.segments = append(r.segments, s)
	}
	r.emptySegment = r.emptySegment && len(r.segments) > 0
	for _, kv := range strings.Split(rawQuery, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if dec, err := url.QueryUnescape(v); err == nil {
			v = dec
		}
		r.query[strings.ToLower(k)] = v
	}
	for k, v := range st.Request.Headers {
		r.headers[strings.ToLower(k)] = v
	}
	if len(st.Request.Body) > 0 {
		_ = json.Unmarshal(st.Request.Body, &r.body)
	}
	switch r.endpoint() {
	case "users":
		r.rt = schema.UserResourceType()
	case "groups":
		r.rt = schema.GroupResourceType()
	}
	if r.method == "PATCH" {
		r.ops = patchOps(r.body)
	}
	if r.endpoint() == ".search" || len(r.segments) > 1 && strings.EqualFold(r.segments[len(r.segments)-1], ".search") {
		for k, v := range r.body {
			if s, ok := v.(string); ok && !strings.EqualFold(k, "schemas") {
				r.query[strings.ToLower(k)] = s
			}
		}
	}
	return r
}

// bulkOperations returns the operations of a /Bulk request (RFC 7644
// §3.7) as requests of their own, with the request's headers.
func (r *gradeRequest) bulkOperations() []*gradeRequest {
	if r.method != "POST" || r.endpoint() != "bulk" {
		return nil
	}
	raw, _ := member(r.body, "Operations")
	list, _ := raw.([]any)
	var out []*gradeRequest
	for _, e := range list {
		m, _ := e.(map[string]any)
		method, _ := member(m, "method")
		path, _ := member(m, "path")
		st := ReplayStep{Request: ReplayRequest{Headers: map[string]string{}}}
		st.Request.Method, _ = method.(string)
		st.Request.Path, _ = path.(string)
		if data, ok := member(m, "data"); ok {
			st.Request.Body, _ = json.Marshal(data)
		}
		x := parseGradeRequest(st)
		x.headers = r.headers
		out = append(out, x)
	}
	return out
}

// endpoint is the first path segment, lower-cased: "users", "groups",
// "serviceproviderconfig", "bulk", ".search"...
func (r *gradeRequest) endpoint() string {
	if len(r.segments) == 0 {
		return ""
	}
	return strings.ToLower(r.segments[0])
}

// member returns the body member name, matched case-insensitively.
func member(m map[string]any, name string) (any, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

func patchOps(body map[string]any) []gradeOp {
	raw, _ := member(body, "Operations")
	list, _ := raw.([]any)
	var out []gradeOp
	for _, e := range list {
		m, _ := e.(map[string]any)
		if m == nil {
			continue
		}
		var o gradeOp
		op, _ := member(m, "op")
		o.op, _ = op.(string)
		p, hasPath := member(m, "path")
		o.path, _ = p.(string)
		o.hasPath = hasPath && strings.TrimSpace(o.path) != ""
		o.value, o.hasValue = member(m, "value")
		out = append(out, o)
	}
	return out
}

// filter returns the filter the request sends, from the query or a
// /.search body, or "".
func (r *gradeRequest) filter() string { return r.query["filter"] }

// features lists the server features the request relies on.
func (r *gradeRequest) features() []string {
	var out []string
	add := func(s string) { out = append(out, s) }
	switch ep := r.endpoint(); ep {
	case "users", "groups":
		add(ep)
	case "serviceproviderconfig", "schemas", "resourcetypes":
		add("discovery /" + r.segments[0])
	case "bulk":
		add("/Bulk")
	case ".search":
		add("/.search")
	}
	if r.method == "PATCH" || r.method == "PUT" || r.method == "DELETE" {
		add(r.method)
	}
	if f := r.filter(); f != "" {
		for _, op := range operatorsOf(f) {
			add("filter " + op)
		}
	}
	for _, p := range []string{"startIndex", "count", "cursor", "sortBy", "attributes", "excludedAttributes"} {
		if _, ok := r.query[strings.ToLower(p)]; ok {
			add(map[string]string{"startIndex": "index paging", "count": "index paging", "cursor": "cursor paging (RFC 9865)",
				"sortBy": "sort", "attributes": "attributes", "excludedAttributes": "excludedAttributes"}[p])
		}
	}
	if _, ok := r.headers["if-match"]; ok {
		add("ETag (If-Match)")
	}
	if r.body != nil && strings.Contains(mustJSON(r.body), enterpriseURN) {
		add("Enterprise User extension")
	}
	return out
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
