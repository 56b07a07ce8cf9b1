package conformance

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// obj is a JSON object.
type obj = map[string]any

// userBody returns a minimal RFC 7643 §4.1 user with extra attributes.
func userBody(userName string, extra obj) obj {
	u := obj{"schemas": []any{userURN}, "userName": userName, "active": true,
		"name":   obj{"givenName": "Conformance", "familyName": "Test"},
		"emails": []any{obj{"value": strings.ToLower(safeLocal(userName)) + "@example.com", "type": "work", "primary": true}}}
	for k, v := range extra {
		u[k] = v
	}
	return u
}

// safeLocal makes s usable as an email local part.
func safeLocal(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 128 && (r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '-'
	}, s)
}

// createUser creates a uniquely named user and returns its id and
// representation; it stops the case unless the server answers 201.
func createUser(t *T, label string, extra obj) (string, obj) {
	name := t.Name(label)
	res := t.Do(http.MethodPost, "/Users", userBody(name, extra))
	t.Must(res, "POST /Users", http.StatusCreated)
	u := t.JSON(res, "POST /Users")
	id, _ := u["id"].(string)
	if id == "" {
		t.Fatalf("POST /Users: 201 without an id: %s", truncate(res.Body, 300))
	}
	return id, u
}

// createGroup creates a uniquely named group with the given members.
func createGroup(t *T, label string, members ...string) (string, string) {
	name := t.Name(label)
	body := obj{"schemas": []any{groupURN}, "displayName": name}
	if len(members) > 0 {
		body["members"] = memberList(members)
	}
	res := t.Do(http.MethodPost, "/Groups", body)
	t.Must(res, "POST /Groups", http.StatusCreated)
	id, _ := t.JSON(res, "POST /Groups")["id"].(string)
	if id == "" {
		t.Fatalf("POST /Groups: 201 without an id: %s", truncate(res.Body, 300))
	}
	return id, name
}

func memberList(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = obj{"value": id}
	}
	return out
}

func op(name, path string, value any) obj {
	o := obj{"op": name}
	if path != "" {
		o["path"] = path
	}
	if value != nil {
		o["value"] = value
	}
	return o
}

func patchBody(ops ...obj) obj {
	list := make([]any, len(ops))
	for i, o := range ops {
		list[i] = o
	}
	return obj{"schemas": []any{patchURN}, "Operations": list}
}

// patchOK sends a PATCH and stops the case unless it succeeds (200/204).
func patchOK(t *T, path string, ops ...obj) *Response {
	res := t.Do(http.MethodPatch, path, patchBody(ops...))
	t.Must(res, "PATCH "+path, http.StatusOK, http.StatusNoContent)
	return res
}

// get fetches a resource and stops the case unless it is 200.
func get(t *T, path string) obj {
	res := t.Do(http.MethodGet, path, nil)
	t.Must(res, "GET "+path, http.StatusOK)
	return t.JSON(res, "GET "+path)
}

// list sends a query, checks the ListResponse shape (RFC 7644 §3.4.2) and
// returns the response and its Resources.
func list(t *T, path string) (obj, []obj) {
	res := t.Do(http.MethodGet, path, nil)
	t.Must(res, "GET "+path, http.StatusOK)
	m := t.JSON(res, "GET "+path)
	if !hasString(m["schemas"], listURN) {
		t.Errorf("GET %s: schemas %v lacks %s", path, m["schemas"], listURN)
	}
	if _, ok := m["totalResults"].(float64); !ok {
		t.Fatalf("GET %s: totalResults %#v is not a JSON number", path, m["totalResults"])
	}
	var out []obj
	rs, _ := m["Resources"].([]any)
	for _, r := range rs {
		if o, ok := r.(obj); ok {
			out = append(out, o)
		}
	}
	return m, out
}

// filterPath returns endpoint?filter=<escaped f> plus extra parameters.
func filterPath(endpoint, f string, extra ...string) string {
	p := endpoint + "?filter=" + url.QueryEscape(f)
	for _, e := range extra {
		p += "&" + e
	}
	return p
}

func q(s string) string { return fmt.Sprintf("%q", s) }

func hasString(v any, s string) bool {
	arr, _ := v.([]any)
	for _, x := range arr {
		if x == s {
			return true
		}
	}
	return false
}

func ids(rs []obj) []string {
	var out []string
	for _, r := range rs {
		if id, ok := r["id"].(string); ok {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// memberValues returns the sorted member ids of a group representation.
func memberValues(g obj) []string {
	var out []string
	ms, _ := g["members"].([]any)
	for _, m := range ms {
		if o, ok := m.(obj); ok {
			if v, ok := o["value"].(string); ok {
				out = append(out, v)
			}
		}
	}
	sort.Strings(out)
	return out
}

func sorted(s ...string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

// attr returns a (possibly dotted) attribute of m, matching names
// case-insensitively as RFC 7643 §2.1 requires of clients.
func attr(m obj, path string) any {
	var cur any = m
	for _, part := range strings.Split(path, ".") {
		o, ok := cur.(obj)
		if !ok {
			return nil
		}
		cur = nil
		for k, v := range o {
			if strings.EqualFold(k, part) {
				cur = v
				break
			}
		}
	}
	return cur
}

func ext(m obj, name string) any {
	e, _ := m[enterpriseURN].(obj)
	return e[name]
}

// checkError checks an error response (RFC 7644 §3.12): the status, the
// Error schema, status as a JSON string, and scimType when wanted.
func checkError(t *T, res *Response, what string, status int, scimType string) {
	if !t.Want(res, what, status) {
		return
	}
	m := res.JSON()
	if m == nil {
		t.Errorf("%s: error body is not a JSON object: %q", what, truncate(res.Body, 300))
		return
	}
	if !hasString(m["schemas"], errorURN) {
		t.Errorf("%s: error schemas %v lack %s", what, m["schemas"], errorURN)
	}
	if s, ok := m["status"].(string); !ok || s != fmt.Sprint(status) {
		t.Errorf("%s: error status is %#v, want the JSON string %q", what, m["status"], fmt.Sprint(status))
	}
	if scimType != "" && m["scimType"] != scimType {
		t.Errorf("%s: scimType %#v, want %q", what, m["scimType"], scimType)
	}
}
