package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/scimkit/scimkit/internal/idptest"
	"github.com/scimkit/scimkit/patch"
	"github.com/scimkit/scimkit/scim"
)

// deviations are fixture expectations the server deliberately does not
// meet (the same ones package scim's replay lists, with its reasons).
var deviations = map[string][]string{
	"entra/users.json#test_connection_zero_results":  {"itemsPerPage"},
	"entra/groups.json#get_group_by_displayname":     {"itemsPerPage"},
	"entra/users.json#update_user_multi_valued":      {"name.formatted"},
	"okta/users.json#create_user_duplicate_conflict": {"status"},
	"okta/users.json#get_user":                       {"emails"},
}

var placeholder = regexp.MustCompile(`\{\{([A-Za-z0-9_.]+)\}\}`)

// encodeQuery percent-encodes a fixture's raw query string ('filter=userName
// eq "x"') the way an HTTP client must put it on the wire, keeping what is
// already encoded.
func encodeQuery(path string) string {
	p, rawQ, ok := strings.Cut(path, "?")
	if !ok {
		return path
	}
	var parts []string
	for _, pair := range strings.Split(rawQ, "&") {
		k, v, hasV := strings.Cut(pair, "=")
		if dv, err := url.QueryUnescape(v); err == nil {
			v = dv
		}
		if hasV {
			parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(v))
		} else {
			parts = append(parts, url.QueryEscape(k))
		}
	}
	return p + "?" + strings.Join(parts, "&")
}

// withFlag appends Entra's aadOptscim062020 flag, which arrives as a query
// parameter because admins append it to the tenant URL.
func withFlag(path string) string {
	if strings.Contains(path, "?") {
		return path + "&aadOptscim062020"
	}
	return path + "?aadOptscim062020"
}

// replayOverHTTP runs a fixture against s through real HTTP: queries
// percent-encoded, the flagged Entra steps carrying ?aadOptscim062020,
// headers as recorded (so Okta's User-Agent and missing Content-Type).
func replayOverHTTP(t *testing.T, s *Server, name string, flagAll bool) {
	seq, err := idptest.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	sub := func(x string) string {
		return placeholder.ReplaceAllStringFunc(x, func(m string) string {
			v, ok := vars[m[2:len(m)-2]]
			if !ok {
				t.Fatalf("placeholder %s used before capture", m)
			}
			return v
		})
	}
	for _, st := range seq.Steps {
		path := encodeQuery(sub(st.Request.Path))
		if flagAll || st.Dialect == "entra-aadOptscim062020" {
			path = withFlag(path)
		}
		req := Request{Method: st.Request.Method, Path: path, Header: map[string]string{}}
		if len(st.Request.Body) > 0 {
			req.Body = sub(string(st.Request.Body))
		}
		_, hasCT := st.Request.Headers["Content-Type"]
		if req.Body != "" && !hasCT && seq.IdP == "okta" {
			req.Header["Content-Type"] = "" // Okta's reference shows none
		}
		for k, v := range st.Request.Headers {
			req.Header[k] = sub(v)
		}
		r := s.Do(t, req)
		if r.Status != st.Expect.Status {
			t.Errorf("%s: %s %s: status %d, want %d\n%.800s", st.Name, req.Method, req.Path, r.Status, st.Expect.Status, r.Body)
			continue
		}
		for v, member := range st.Capture {
			id, _ := r.JSON[member].(string)
			if id == "" {
				t.Fatalf("%s: nothing to capture in %q", st.Name, member)
			}
			vars[v] = id
		}
		if len(st.Expect.Body) == 0 {
			continue
		}
		var want, got any
		if err := json.Unmarshal([]byte(sub(string(st.Expect.Body))), &want); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(r.Body, &got); err != nil {
			t.Errorf("%s: body is not JSON", st.Name)
			continue
		}
		ignore := map[string]bool{}
		for _, p := range deviations[name+"#"+st.Name] {
			ignore[p] = true
		}
		for _, d := range subset("", want, got, ignore) {
			t.Errorf("%s: %s\n%.800s", st.Name, d, r.Body)
		}
	}
}

// subset reports where got does not contain want (QUIRKS.md "How to read
// the fixtures": null/""/[] mean unassigned; meta.created/lastModified
// ignored; detail need only be non-empty; arrays match elements in any
// order, members and Resources exactly).
func subset(path string, want, got any, ignore map[string]bool) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want an object, got %v", path, got)}
		}
		var out []string
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := strings.TrimPrefix(path+"."+k, ".")
			if ignore[p] || p == "meta.created" || p == "meta.lastModified" {
				continue
			}
			gv, present := g[k]
			switch {
			case isUnassigned(w[k]):
				if present && !isUnassigned(gv) {
					out = append(out, fmt.Sprintf("%s: want unassigned, got %v", p, gv))
				}
			case k == "detail":
				if d, _ := gv.(string); d == "" {
					out = append(out, p+": want a detail")
				}
			case !present:
				out = append(out, fmt.Sprintf("%s: missing (want %v)", p, w[k]))
			default:
				out = append(out, subset(p, w[k], gv, ignore)...)
			}
		}
		return out
	case []any:
		g, ok := got.([]any)
		exact := strings.HasSuffix(path, "members") || path == "Resources"
		if !ok || len(g) < len(w) || exact && len(g) != len(w) {
			return []string{fmt.Sprintf("%s: want %v, got %v", path, w, got)}
		}
		used := make([]bool, len(g))
	next:
		for _, we := range w {
			for j, ge := range g {
				if !used[j] && len(subset("", we, ge, nil)) == 0 {
					used[j] = true
					continue next
				}
			}
			return []string{fmt.Sprintf("%s: no element matches %v in %v", path, we, g)}
		}
		return nil
	default:
		if !reflect.DeepEqual(want, got) {
			return []string{fmt.Sprintf("%s: want %#v, got %#v", path, want, got)}
		}
		return nil
	}
}

func isUnassigned(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case []any:
		return len(v) == 0
	}
	return false
}

// Every fixture over HTTP, in the default dialect and in the IdP's own,
// and the Entra ones with the flag on every request (one tenant URL).
func TestIdPSequencesOverHTTP(t *testing.T) { Each(t, testIdPSequencesOverHTTP) }

func testIdPSequencesOverHTTP(t *testing.T, b Backend) {
	dialects := map[string]patch.Dialect{"okta": patch.DialectOkta, "entra": patch.DialectEntra}
	for _, name := range idptest.Names() {
		idp, _, _ := strings.Cut(name, "/")
		for _, mode := range []string{"default", idp, "flag-everywhere"} {
			if mode == "flag-everywhere" && idp != "entra" {
				continue
			}
			t.Run(name+"/"+mode, func(t *testing.T) {
				s := b.Start(t, func(c *scim.Config) {
					if mode == idp {
						c.Defaults.Dialect = dialects[idp]
					}
				})
				replayOverHTTP(t, s, name, mode == "flag-everywhere")
			})
		}
	}
}
