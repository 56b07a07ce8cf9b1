package conformance

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/scimkit/scimkit/store"
)

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

// replaceIDs maps the ids of 8 characters or more in a query string.
func (r *recorder) replaceIDs(q string) string {
	for id, name := range r.vars {
		if len(id) >= 8 {
			q = strings.ReplaceAll(q, id, "{{"+name+"}}")
		}
	}
	return q
}

// expect is the expected answer: the recorded status (and the other PATCH
// success status), and as a subset of the body the error's status and
// scimType (RFC 7644 §3.12), or what the recorded response shows (see
// responseExpect), or else the identity of a created or replaced resource.
func (r *recorder) expect(e store.ProvisioningEntry, body any) ReplayExpect {
	x := ReplayExpect{Status: e.Status}
	if e.Method == http.MethodPatch && (e.Status == http.StatusOK || e.Status == http.StatusNoContent) {
		x.AlsoStatus = []int{http.StatusOK + http.StatusNoContent - e.Status}
	}
	switch resp := responseDoc(e); {
	case e.Status >= 400:
		m := obj{"schemas": []any{errorURN}, "status": strconv.Itoa(e.Status)}
		if e.ScimType != "" {
			m["scimType"] = e.ScimType
		}
		x.Body = mustMarshal(m)
	case resp != nil:
		x.Body = r.responseExpect(e, resp)
	default:
		x.Body = r.identityExpect(e, body)
	}
	return x
}

// responseDoc decodes the recorded response, or returns nil when there is
// none or the log truncated or omitted it.
func responseDoc(e store.ProvisioningEntry) obj {
	if e.Response == "" || !strings.HasPrefix(e.Response, "{") {
		return nil
	}
	d := json.NewDecoder(strings.NewReader(e.Response))
	d.UseNumber()
	var m obj
	if d.Decode(&m) != nil || d.More() {
		return nil
	}
	red, _ := redactBody(m) // values redacted here are then not expected
	out, _ := red.(obj)
	return out
}

// responseExpect is the subset of a recorded successful response a
// replay can expect: nothing for discovery (it describes the server) and
// unfiltered lists (they depend on everything stored); totalResults and
// the Resources of a filtered lookup; else the resource (see expected).
func (r *recorder) responseExpect(e store.ProvisioningEntry, resp obj) json.RawMessage {
	seg, _, _ := strings.Cut(strings.TrimLeft(e.Path, "/"), "/")
	if discovery[seg] {
		return nil
	}
	if _, isList := lookupFold(resp, "Resources"); isList || hasString(resp["schemas"], listURN) {
		return r.listExpect(e, resp)
	}
	want, ok := r.expected(resp)
	if !ok || len(want) == 0 {
		return nil
	}
	return r.placeholders(mustMarshal(want))
}

func (r *recorder) listExpect(e store.ProvisioningEntry, resp obj) json.RawMessage {
	if !strings.Contains(strings.ToLower(e.Query+" "+e.Body), "filter") {
		return nil
	}
	want := obj{}
	if n, ok := lookupFold(resp, "totalResults"); ok {
		want["totalResults"] = n
	}
	rs, _ := attr(resp, "Resources").([]any)
	list := []any{}
	for _, x := range rs {
		m, _ := x.(obj)
		w, ok := r.expected(m)
		if !ok {
			return nil // it found a resource created before the range
		}
		list = append(list, w)
	}
	want["Resources"] = list
	return r.placeholders(mustMarshal(want))
}

// expected is the part of a recorded resource a replay can expect: every
// attribute but meta (whose resourceType is kept) and "$ref" (URLs of the
// recording server), without values the log redacted and without
// references (members, groups, manager) to resources the replay does not
// create. ok is false when the resource itself is one of those.
func (r *recorder) expected(res obj) (obj, bool) {
	if id, _ := res["id"].(string); res == nil || id != "" && r.vars[id] == "" {
		return nil, false
	}
	out := obj{}
	for k, v := range res {
		if strings.EqualFold(k, "meta") {
			if rt, ok := attr(res, "meta.resourceType").(string); ok {
				out["meta"] = obj{"resourceType": rt}
			}
			continue
		}
		if v, ok := r.cleanValue(k, v); ok {
			out[k] = v
		}
	}
	return out, true
}

// cleanValue returns v without "$ref" members, or false when it holds a
// redacted value or a reference to a resource the replay does not create.
// An extension's sub-attributes are cleaned one by one.
func (r *recorder) cleanValue(key string, v any) (any, bool) {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		_, isRef := x["$ref"]
		isRef = isRef || refAttr(key)
		for k, e := range x {
			switch {
			case k == "$ref":
				continue
			case isRef && k == "value":
				if id, _ := e.(string); r.vars[id] == "" {
					return nil, false
				}
			}
			c, ok := r.cleanValue(k, e)
			if !ok && strings.Contains(key, ":") {
				continue // drop one attribute of an extension
			}
			if !ok {
				return nil, false
			}
			out[k] = c
		}
		return out, true
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			c, ok := r.cleanValue(key, e)
			if !ok {
				return nil, false
			}
			out = append(out, c)
		}
		return out, true
	case string:
		return x, x != redactedValue
	}
	return v, true
}

// refAttr reports whether an attribute holds references to resources
// (RFC 7643 §4.1.2 groups, §4.2 members, §4.3 manager).
func refAttr(name string) bool {
	switch strings.ToLower(name) {
	case "members", "groups", "manager":
		return true
	}
	return false
}

// identityAttrs are the attributes a created or replaced resource is
// expected to hold as sent.
var identityAttrs = []string{"userName", "displayName", "externalId"}

// identityExpect is the expectation of an entry whose response the log
// did not keep: the identity of a created or replaced resource.
func (r *recorder) identityExpect(e store.ProvisioningEntry, body any) json.RawMessage {
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
