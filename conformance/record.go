package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scimkit/store"
)

// RecordQuery selects the provisioning log entries that Record turns into
// a replay file.
type RecordQuery struct {
	// Tenant is the tenant whose traffic is recorded. Required.
	Tenant string
	// Since (inclusive) and Until (exclusive) bound the entries' Time;
	// zero means unbounded.
	Since, Until time.Time
	// IdP, when set, keeps only the entries of that client ("okta",
	// "entra" or "unknown", as store.ProvisioningEntry.IdP names them).
	IdP string
	// Dialect is written to the file as the dialect the tenant's requests
	// were read in (store.TenantRecord.Dialect), for people and tools.
	Dialect string
	// MaxEntries keeps only the newest entries of the range; 0 means
	// 100000.
	MaxEntries int
}

// Record turns the provisioning log entries of a tenant and time range
// (store.ProvisioningLog, which holds the write requests: POST, PUT, PATCH
// and DELETE) into a replay file, oldest first, that Replay can send to any
// server:
//
//   - The id a POST was answered with becomes a capture ("user1.id"), and
//     every later occurrence of that id, in a path or anywhere in a body
//     (members[].value, a PATCH filter), becomes its {{placeholder}}.
//   - userNames, group displayNames and externalIds sent by POST and PUT
//     are listed in Unique, so replays never collide.
//   - Each step expects the recorded status (200 or 204 for PATCH), the
//     recorded scimType of an error, and, for a created or replaced
//     resource, the userName, displayName, externalId and active it was
//     sent with.
//   - Bodies are redacted again (passwords, PATCH operations on them,
//     token-like strings) although the log is redacted already. A userName,
//     displayName or externalId the log redacted is replaced by a
//     synthesized value ("redacted-username-1"), the same for every
//     request about the same resource, so that the replay still creates
//     distinct resources.
//
// Entries that cannot be replayed are left out and listed in the file's
// Note: /Bulk requests (the log keeps neither their per-operation results
// nor the ids they created), bodies the log truncated or omitted, answers
// that depend on the moment or the credential (401, 403, 412, 429, 5xx),
// requests on resources created before the range (unless recorded 404),
// and anything depending on a request left out.
func Record(ctx context.Context, log store.ProvisioningLog, q RecordQuery) (*ReplayFile, error) {
	if q.Tenant == "" {
		return nil, errors.New("conformance: record: RecordQuery.Tenant is required")
	}
	entries, err := readLog(ctx, log, q)
	if err != nil {
		return nil, err
	}
	r := &recorder{vars: map[string]string{}, lost: map[string]bool{}, counts: map[string]int{}, unique: map[string]bool{},
		synth: map[string]string{}, keys: map[string]string{}}
	idps := map[string]int{}
	for _, e := range entries {
		st, why := r.step(e)
		if why != "" {
			r.dropped = append(r.dropped, fmt.Sprintf("seq %d %s %s (%d): %s", e.Seq, e.Method, e.Path, e.Status, why))
			continue
		}
		idps[e.IdP]++
		r.file.Steps = append(r.file.Steps, st)
	}
	r.file.IdP = q.IdP
	if r.file.IdP == "" {
		r.file.IdP = mostFrequent(idps)
	}
	r.file.Dialect = q.Dialect
	r.file.Source = fmt.Sprintf("scimkit provisioning log, tenant %q, %s to %s: %d write requests", q.Tenant,
		timeOrOpen(q.Since, "the start"), timeOrOpen(q.Until, "now"), len(entries))
	r.file.Note = r.note()
	if r.file.Steps == nil {
		r.file.Steps = []ReplayStep{}
	}
	return &r.file, nil
}

// readLog returns the selected entries, oldest first.
func readLog(ctx context.Context, log store.ProvisioningLog, q RecordQuery) ([]store.ProvisioningEntry, error) {
	limit := q.MaxEntries
	if limit <= 0 {
		limit = 100000
	}
	f := store.ProvisioningFilter{Tenant: q.Tenant, Since: q.Since, Until: q.Until, Limit: store.MaxProvisioningLimit}
	var out []store.ProvisioningEntry
	for len(out) < limit {
		page, err := log.Query(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("conformance: record: provisioning log: %w", err)
		}
		for _, e := range page.Entries {
			if e.Tenant == q.Tenant && (q.IdP == "" || e.IdP == q.IdP) {
				out = append(out, e)
			}
		}
		if page.NextCursor == "" {
			break
		}
		f.Cursor = page.NextCursor
	}
	if len(out) > limit {
		out = out[:limit]
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out, nil
}

// recorder turns entries into steps, tracking the ids it can map.
type recorder struct {
	file ReplayFile
	// vars maps a recorded server id to its placeholder name.
	vars map[string]string
	// lost holds ids created by requests that were left out.
	lost     map[string]bool
	counts   map[string]int
	unique   map[string]bool
	dropped  []string
	redacted int
	// synth holds the values standing for redacted identity values, by
	// resource key and attribute; keys maps created ids to resource keys.
	synth    map[string]string
	keys     map[string]string
	restored int
}

// step converts one entry, or says why it cannot be replayed.
func (r *recorder) step(e store.ProvisioningEntry) (ReplayStep, string) {
	creates := e.Method == http.MethodPost && e.Status == http.StatusCreated && e.ResourceID != ""
	if why := unreplayable(e); why != "" {
		r.loseIf(creates, e.ResourceID)
		return ReplayStep{}, why
	}
	body, why := r.body(e)
	if why != "" {
		r.loseIf(creates, e.ResourceID)
		return ReplayStep{}, why
	}
	path, why := r.path(e)
	if why != "" {
		r.loseIf(creates, e.ResourceID)
		return ReplayStep{}, why
	}
	if why := r.refersToLost(e.Body); why != "" {
		r.loseIf(creates, e.ResourceID)
		return ReplayStep{}, why
	}
	st := ReplayStep{
		Name:    fmt.Sprintf("seq%d-%s-%s", e.Seq, strings.ToLower(e.Method), strings.ToLower(e.ResourceType)),
		Source:  fmt.Sprintf("provisioning log seq %d, %s, request %s, idp %s", e.Seq, e.Time.UTC().Format(time.RFC3339Nano), e.RequestID, e.IdP),
		Request: ReplayRequest{Method: e.Method, Path: path, Headers: headersFor(e, body != nil)},
		Expect:  ReplayExpect{Status: e.Status},
	}
	if body != nil {
		r.restored += r.unredact(e, body)
		st.Request.Body = r.placeholders(mustMarshal(body))
		r.collectUnique(e, body)
	}
	if e.Method == http.MethodPatch && (e.Status == http.StatusOK || e.Status == http.StatusNoContent) {
		st.Expect.AlsoStatus = []int{http.StatusOK + http.StatusNoContent - e.Status}
	}
	st.Expect.Body = r.expectBody(e, body)
	if creates {
		r.counts[e.ResourceType]++
		name := fmt.Sprintf("%s%d.id", strings.ToLower(e.ResourceType), r.counts[e.ResourceType])
		r.vars[e.ResourceID] = name
		st.Capture = map[string]string{name: "id"}
	}
	return st, ""
}

func (r *recorder) loseIf(created bool, id string) {
	if created {
		r.lost[id] = true
	}
}

// unreplayable says why an entry's answer cannot be expected of another
// server, or "".
func unreplayable(e store.ProvisioningEntry) string {
	switch {
	case strings.EqualFold(e.ResourceType, "Bulk"):
		return "a /Bulk request: the log keeps neither its per-operation results nor the ids it created"
	case e.Method != http.MethodPost && e.Method != http.MethodPut && e.Method != http.MethodPatch && e.Method != http.MethodDelete:
		return "not a write request"
	case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden:
		return "depends on the credential, which a replay does not reuse"
	case e.Status == http.StatusPreconditionFailed:
		return "depends on an If-Match header, which the log does not keep"
	case e.Status == http.StatusTooManyRequests || e.Status >= 500:
		return "a rate limit or a server failure, not a property of the request"
	}
	return ""
}

// body decodes and redacts the recorded body (nil for none).
func (r *recorder) body(e store.ProvisioningEntry) (any, string) {
	if e.Body == "" {
		return nil, ""
	}
	d := json.NewDecoder(strings.NewReader(e.Body))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	if err == nil && d.More() {
		err = errors.New("data after the JSON value")
	}
	if err != nil {
		if strings.HasPrefix(e.Body, "[") || strings.HasSuffix(e.Body, "[truncated]") {
			return nil, "the log truncated or omitted the body"
		}
		return nil, "the recorded body is not JSON: " + err.Error()
	}
	doc, _ := v.(map[string]any)
	before, _ := doc["Operations"].([]any)
	v, n := redactBody(v)
	r.redacted += n
	doc, _ = v.(map[string]any)
	if after, _ := doc["Operations"].([]any); e.Method == http.MethodPatch && len(before) > 0 && len(after) == 0 {
		return nil, "every operation of the PATCH sets a secret"
	}
	return v, ""
}

// path maps the id in the recorded path to its placeholder.
func (r *recorder) path(e store.ProvisioningEntry) (string, string) {
	seg, id, _ := strings.Cut(strings.TrimPrefix(e.Path, "/"), "/")
	switch {
	case id == "":
		return e.Path, ""
	case r.vars[id] != "":
		return "/" + seg + "/{{" + r.vars[id] + "}}", ""
	case r.lost[id]:
		return "", "refers to a resource whose creation was left out"
	case e.Status == http.StatusNotFound:
		return e.Path, "" // an unknown id is unknown to any server
	}
	return "", "refers to a resource created before the recorded range"
}

// refersToLost says whether the body mentions an id whose creation was
// left out.
func (r *recorder) refersToLost(body string) string {
	for id := range r.lost {
		if strings.Contains(body, strconv.Quote(id)) || len(id) >= 8 && strings.Contains(body, id) {
			return "refers to " + id + ", whose creation was left out"
		}
	}
	return ""
}

// placeholders replaces the recorded ids in raw JSON by their
// placeholders: anywhere for ids of 8 characters or more (so that PATCH
// filters such as members[value eq "…"] are mapped too), as whole strings
// for shorter ones.
func (r *recorder) placeholders(raw []byte) json.RawMessage {
	ids := make([]string, 0, len(r.vars))
	for id := range r.vars {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return len(ids[i]) > len(ids[j]) || len(ids[i]) == len(ids[j]) && ids[i] < ids[j] })
	s := string(raw)
	for _, id := range ids {
		ph := "{{" + r.vars[id] + "}}"
		if len(id) >= 8 {
			s = strings.ReplaceAll(s, id, ph)
		} else {
			s = strings.ReplaceAll(s, strconv.Quote(id), strconv.Quote(ph))
		}
	}
	return json.RawMessage(s)
}

// identityAttrs are the attributes a created or replaced resource is
// expected to hold as sent.
var identityAttrs = []string{"userName", "displayName", "externalId"}

// expectBody is the expected subset of the answer: the error's status and
// scimType (RFC 7644 §3.12), or the identity of a created or replaced
// resource.
func (r *recorder) expectBody(e store.ProvisioningEntry, body any) json.RawMessage {
	if e.Status >= 400 {
		m := obj{"schemas": []any{errorURN}, "status": strconv.Itoa(e.Status)}
		if e.ScimType != "" {
			m["scimType"] = e.ScimType
		}
		return mustMarshal(m)
	}
	b, _ := body.(map[string]any)
	if b == nil || !(e.Method == http.MethodPost && e.Status == http.StatusCreated || e.Method == http.MethodPut && e.Status == http.StatusOK) {
		return nil
	}
	want := obj{}
	for _, k := range identityAttrs {
		if v, ok := lookupFold(b, k); ok && !unassigned(v) {
			if _, isString := v.(string); isString {
				want[k] = v
			}
		}
	}
	if v, ok := lookupFold(b, "active"); ok {
		if _, isBool := v.(bool); isBool {
			want["active"] = v
		}
	}
	if name := r.vars[e.ResourceID]; e.Method == http.MethodPut && name != "" {
		want["id"] = "{{" + name + "}}"
	}
	if len(want) == 0 {
		return nil
	}
	return r.placeholders(mustMarshal(want))
}

// collectUnique lists the values a replay must make unique: userNames,
// externalIds and the displayNames of other types, as created, replaced
// or patched.
func (r *recorder) collectUnique(e store.ProvisioningEntry, body any) {
	b, _ := body.(map[string]any)
	keys := []string{"userName", "externalId"}
	if !strings.EqualFold(e.ResourceType, "User") {
		keys = append(keys, "displayName")
	}
	switch e.Method {
	case http.MethodPost, http.MethodPut:
		r.addUnique(b, keys)
	case http.MethodPatch:
		ops, _ := b["Operations"].([]any)
		for _, o := range ops {
			op, _ := o.(map[string]any)
			if v, ok := op["value"].(map[string]any); ok {
				r.addUnique(v, keys)
			} else if p, _ := op["path"].(string); p != "" {
				r.addUnique(map[string]any{p: op["value"]}, keys)
			}
		}
	}
}

func (r *recorder) addUnique(m map[string]any, keys []string) {
	for _, k := range keys {
		x, _ := lookupFold(m, k)
		v, _ := x.(string)
		if v == "" || v == redactedValue || r.unique[strings.ToLower(v)] || r.vars[v] != "" {
			continue
		}
		r.unique[strings.ToLower(v)] = true
		r.file.Unique = append(r.file.Unique, v)
	}
}

// headersFor returns the headers a replayed request is sent with: the log
// keeps none, so bodies are application/scim+json and Okta's requests carry
// Okta's User-Agent (servers adapt their answers to it).
func headersFor(e store.ProvisioningEntry, hasBody bool) map[string]string {
	h := map[string]string{}
	if hasBody {
		h["Content-Type"] = scimMediaType
	}
	if e.IdP == "okta" {
		h["User-Agent"] = oktaAgent
	}
	if len(h) == 0 {
		return nil
	}
	return h
}

func (r *recorder) note() string {
	var b strings.Builder
	b.WriteString("Recorded by scimkit conformance.Record from the provisioning log, which keeps write requests only " +
		"(no GETs) and no headers: bodies are sent as application/scim+json, Okta's with Okta's User-Agent.")
	if r.redacted > 0 {
		fmt.Fprintf(&b, " Re-redacted %d values the log had kept.", r.redacted)
	}
	if r.restored > 0 {
		fmt.Fprintf(&b, " Replaced %d identity values the log had redacted by synthesized ones (redacted-…).", r.restored)
	}
	if len(r.dropped) > 0 {
		fmt.Fprintf(&b, " Left out %d requests: %s.", len(r.dropped), strings.Join(r.dropped, "; "))
	}
	return b.String()
}

func mostFrequent(m map[string]int) string {
	best, n := "", 0
	for k, v := range m {
		if v > n || v == n && k < best {
			best, n = k, v
		}
	}
	return best
}

func timeOrOpen(t time.Time, open string) string {
	if t.IsZero() {
		return open
	}
	return t.UTC().Format(time.RFC3339)
}
