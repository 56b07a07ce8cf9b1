package e2e

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// wantStatus fails the test unless r has the status want.
func wantStatus(t *testing.T, r *Response, want int) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %d, want %d\nbody: %.1500s", r.Status, want, r.Body)
	}
}

// wantError checks a SCIM error's status and scimType ("" for none
// required, "-" for none allowed).
func wantError(t *testing.T, r *Response, status int, scimType string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("status %d, want %d\nbody: %.1500s", r.Status, status, r.Body)
		return
	}
	got, _ := r.JSON["scimType"].(string)
	switch scimType {
	case "":
	case "-":
		if got != "" {
			t.Errorf("scimType %q, want none", got)
		}
	default:
		if got != scimType {
			t.Errorf("scimType %q, want %q\nbody: %s", got, scimType, r.Body)
		}
	}
}

func post(t *testing.T, s *Server, path, body string) *Response {
	t.Helper()
	return s.Do(t, Request{Method: "POST", Path: path, Body: body})
}

func get(t *testing.T, s *Server, path string) *Response {
	t.Helper()
	return s.Do(t, Request{Method: "GET", Path: path})
}

func patchReq(t *testing.T, s *Server, path, body string) *Response {
	t.Helper()
	return s.Do(t, Request{Method: "PATCH", Path: path, Body: body, Header: map[string]string{"User-Agent": "Okta SCIM Client 1.0.0"}})
}

// create POSTs body to path, requires 201 and returns the new id.
func create(t *testing.T, s *Server, path, body string) string {
	t.Helper()
	r := post(t, s, path, body)
	wantStatus(t, r, 201)
	id := Str(r.JSON, "id")
	if id == "" {
		t.Fatalf("created resource has no id: %s", r.Body)
	}
	return id
}

func userBody(userName string, extra ...string) string {
	m := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":` + jsonString(userName)
	for _, e := range extra {
		m += "," + e
	}
	return m + "}"
}

func groupBody(name string, memberIDs ...string) string {
	var ms []string
	for _, id := range memberIDs {
		ms = append(ms, `{"value":`+jsonString(id)+`}`)
	}
	return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":` + jsonString(name) +
		`,"members":[` + strings.Join(ms, ",") + `]}`
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// q builds "path?k=v&..." with query escaping.
func q(path string, kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return path + "?" + v.Encode()
}

func filterQ(path, f string, kv ...string) string {
	return q(path, append([]string{"filter", f}, kv...)...)
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
		if m[x] < 0 {
			return false
		}
	}
	return true
}

func patchOps(ops ...string) string {
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + strings.Join(ops, ",") + `]}`
}
