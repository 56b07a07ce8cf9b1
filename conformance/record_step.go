package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scimkit/store"
)

// step converts one entry, or says why it cannot be replayed.
func (r *recorder) step(e store.ProvisioningEntry) (ReplayStep, string) {
	if strings.EqualFold(e.ResourceType, "Bulk") && e.Status == http.StatusOK {
		return r.bulkStep(e)
	}
	creates := e.Method == http.MethodPost && e.Status == http.StatusCreated && e.ResourceID != "" && !isLookup(e)
	st, body, why := r.request(e)
	if why != "" {
		r.loseIf(creates, e.ResourceID)
		return ReplayStep{}, why
	}
	if body != nil {
		r.restored += r.unredact(e, body)
		st.Request.Body = r.placeholders(mustMarshal(body))
		r.collectUnique(e.Method, e.ResourceType, body)
	}
	r.probeUnique(e, body)
	if creates {
		r.counts[e.ResourceType]++
		name := fmt.Sprintf("%s%d.id", strings.ToLower(e.ResourceType), r.counts[e.ResourceType])
		r.vars[e.ResourceID] = name
		st.Capture = map[string]string{name: "id"}
	}
	st.Expect = r.expect(e, body)
	r.captureVersion(e, &st)
	return st, ""
}

// request builds the step's request from the entry: path and query with
// placeholders, headers, and the decoded, redacted body (nil for none).
func (r *recorder) request(e store.ProvisioningEntry) (ReplayStep, any, string) {
	if why := unreplayable(e); why != "" {
		return ReplayStep{}, nil, why
	}
	body, why := r.body(e)
	if why != "" {
		return ReplayStep{}, nil, why
	}
	target, why := r.path(e)
	if why != "" {
		return ReplayStep{}, nil, why
	}
	if why := r.refersToLost(e.Body + " " + e.Query); why != "" {
		return ReplayStep{}, nil, why
	}
	if e.Query != "" {
		target += "?" + r.replaceIDs(e.Query)
	}
	hdr, why := r.headers(e, body != nil)
	if why != "" {
		return ReplayStep{}, nil, why
	}
	return ReplayStep{
		Name:    fmt.Sprintf("seq%d-%s-%s", e.Seq, strings.ToLower(e.Method), strings.ToLower(cmpOr(e.ResourceType, "root"))),
		Source:  fmt.Sprintf("provisioning log seq %d, %s, request %s, idp %s", e.Seq, e.Time.UTC().Format(time.RFC3339Nano), e.RequestID, e.IdP),
		Request: ReplayRequest{Method: e.Method, Path: target, Headers: hdr},
	}, body, ""
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (r *recorder) loseIf(created bool, id string) {
	if created {
		r.lost[id] = true
	}
}

// isLookup reports whether the entry is a read: a GET or a POST .search
// (RFC 7644 §3.4).
func isLookup(e store.ProvisioningEntry) bool {
	return e.Method == http.MethodGet || e.Method == http.MethodPost && strings.HasSuffix(e.Path, "/.search")
}

// unreplayable says why an entry's answer cannot be expected of another
// server, or "".
func unreplayable(e store.ProvisioningEntry) string {
	switch {
	case strings.EqualFold(e.ResourceType, "Bulk") && e.Status == http.StatusOK:
		return "" // bulkStep
	case !isLookup(e) && e.Method != http.MethodPost && e.Method != http.MethodPut && e.Method != http.MethodPatch && e.Method != http.MethodDelete:
		return "neither a write request nor a lookup"
	case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden:
		return "depends on the credential, which a replay does not reuse"
	case e.Status == http.StatusPreconditionFailed && e.IfMatch == "":
		return "depends on an If-Match header, which the log did not keep"
	case e.Status == http.StatusNotModified:
		return "depends on an If-None-Match header, which the log does not keep"
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

// discovery endpoints answer about the server, not about resources.
var discovery = map[string]bool{"ServiceProviderConfig": true, "Schemas": true, "ResourceTypes": true}

// path maps the id in the recorded path to its placeholder. A path that
// repeats the leading '/' (an IdP given the base URL with a trailing
// slash, which the log keeps) is replayed as sent.
func (r *recorder) path(e store.ProvisioningEntry) (string, string) {
	rel := strings.TrimLeft(e.Path, "/")
	lead := e.Path[:len(e.Path)-len(rel)]
	seg, id, _ := strings.Cut(rel, "/")
	switch {
	case id == "" || id == ".search" || discovery[seg]:
		return e.Path, ""
	case r.vars[id] != "":
		return lead + seg + "/{{" + r.vars[id] + "}}", ""
	case r.lost[id]:
		return "", "refers to a resource whose creation was left out"
	case e.Status == http.StatusNotFound:
		return e.Path, "" // an unknown id is unknown to any server
	}
	return "", "refers to a resource created before the recorded range"
}

// refersToLost says whether s (a body, a query) mentions an id whose
// creation was left out.
func (r *recorder) refersToLost(s string) string {
	for id := range r.lost {
		if strings.Contains(s, strconv.Quote(id)) || len(id) >= 8 && strings.Contains(s, id) {
			return "refers to " + id + ", whose creation was left out"
		}
	}
	return ""
}

// headers returns the headers a replayed request is sent with: the
// recorded User-Agent, Content-Type and If-Match (with versions mapped to
// their placeholders). An entry from a log that kept no headers gets
// application/scim+json for a body and, from Okta, Okta's User-Agent
// (servers adapt their answers to it).
func (r *recorder) headers(e store.ProvisioningEntry, hasBody bool) (map[string]string, string) {
	h := map[string]string{}
	switch {
	case e.UserAgent != "" || e.ContentType != "" || e.Response != "":
		if e.UserAgent != "" {
			h["User-Agent"] = e.UserAgent
		}
		if e.ContentType != "" {
			h["Content-Type"] = e.ContentType
		}
	default:
		r.oldHeaders++
		if hasBody {
			h["Content-Type"] = scimMediaType
		}
		if e.IdP == "okta" {
			h["User-Agent"] = oktaAgent
		}
	}
	if e.IfMatch != "" {
		v, why := r.ifMatch(e)
		if why != "" {
			return nil, why
		}
		h["If-Match"] = v
	}
	if len(h) == 0 {
		return nil, ""
	}
	return h, ""
}

// entityTag matches one entity-tag of an If-Match list (RFC 9110 §8.8.3).
var entityTag = regexp.MustCompile(`(?:W/)?"[^"]*"`)

// ifMatch maps each entity-tag of the recorded If-Match to the
// placeholder of the version it names; "*" is kept.
func (r *recorder) ifMatch(e store.ProvisioningEntry) (string, string) {
	var missing string
	v := entityTag.ReplaceAllStringFunc(e.IfMatch, func(tag string) string {
		if name := r.versions[e.ResourceID+" "+tag]; name != "" {
			return "{{" + name + "}}"
		}
		missing = tag
		return tag
	})
	if missing != "" {
		return "", "If-Match names version " + missing + ", which no recorded response carried"
	}
	return v, ""
}

// neededVersions returns the "id version" pairs the If-Match headers of
// the entries name.
func neededVersions(entries []store.ProvisioningEntry) map[string]bool {
	need := map[string]bool{}
	for _, e := range entries {
		for _, tag := range entityTag.FindAllString(e.IfMatch, -1) {
			need[e.ResourceID+" "+tag] = true
		}
	}
	return need
}

// captureVersion captures the version a successful answer carried when a
// later If-Match names it: from meta.version when the recorded response
// held it, else from the ETag header.
func (r *recorder) captureVersion(e store.ProvisioningEntry, st *ReplayStep) {
	key := e.ResourceID + " " + e.Version
	base := strings.TrimSuffix(r.vars[e.ResourceID], ".id")
	if e.Status >= 300 || e.Version == "" || !r.needVersion[key] || base == "" {
		return
	}
	r.counts[base+".v"]++
	name := fmt.Sprintf("%s.v%d", base, r.counts[base+".v"])
	source := "header:ETag"
	if resp := responseDoc(e); resp != nil && attr(resp, "meta.version") == e.Version {
		source = "meta.version"
	}
	if st.Capture == nil {
		st.Capture = map[string]string{}
	}
	st.Capture[name] = source
	r.versions[key] = name
}

// identifierEq matches the equality comparisons on identifiers in a filter.
var identifierEq = regexp.MustCompile(`(?i)\b(?:userName|externalId|displayName)\s+eq\s+"((?:[^"\\]|\\.)*)"`)

// probeUnique adds the values a lookup's filter compares identifiers with
// to Unique, so a replayed probe looks for this run's resources.
func (r *recorder) probeUnique(e store.ProvisioningEntry, body any) {
	if !isLookup(e) {
		return
	}
	f := ""
	if q, err := url.ParseQuery(e.Query); err == nil {
		f = q.Get("filter")
	}
	if b, _ := body.(map[string]any); b != nil {
		if s, ok := lookupFold(b, "filter"); ok {
			f, _ = s.(string)
		}
	}
	for _, m := range identifierEq.FindAllStringSubmatch(f, -1) {
		v, err := strconv.Unquote(`"` + m[1] + `"`)
		if err != nil || v == "" || r.unique[strings.ToLower(v)] {
			continue
		}
		r.unique[strings.ToLower(v)] = true
		r.file.Unique = append(r.file.Unique, v)
	}
}
