package e2e

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func fixture(t *testing.T, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile("../../schema/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// plain re-decodes a response body without json.Number, for cmp.
func plain(t *testing.T, r *Response) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// RFC 7643 §8.2 and §8.3: the example users POSTed as they are printed
// (with id, meta, groups, password) are created, and read back equal
// except for what the server owns: id and meta (readOnly, ignored on
// input, RFC 7644 §3.3), groups (readOnly, derived from group
// membership), password (returned "never") and manager.displayName
// (readOnly).
func TestRFC7643ExampleUsers(t *testing.T) { Each(t, testRFC7643ExampleUsers) }

func testRFC7643ExampleUsers(t *testing.T, b Backend) {
	for _, name := range []string{"rfc7643-8.2.json", "rfc7643-8.3.json"} {
		t.Run(name, func(t *testing.T) {
			s := b.Start(t)
			in := fixture(t, name)
			r := post(t, s, "/Users", toJSON(in))
			wantStatus(t, r, 201)
			id := Str(r.JSON, "id")
			if id == Str(in, "id") {
				t.Errorf("the server took the client's id")
			}
			if strings.Contains(string(r.Body), "t1meMa$heen") {
				t.Errorf("the password was returned")
			}
			for _, resp := range []*Response{r, get(t, s, "/Users/"+id)} {
				got := plain(t, resp)
				want := fixture(t, name)
				for _, k := range []string{"id", "meta", "password", "groups"} {
					delete(want, k)
					if k != "groups" {
						delete(got, k)
					}
				}
				if g, ok := got["groups"]; ok && len(asList(g)) != 0 {
					t.Errorf("readOnly groups were taken from the request: %v", g)
				}
				delete(got, "groups")
				ext := "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
				if e, ok := want[ext].(map[string]any); ok {
					wm := e["manager"].(map[string]any)
					gext, _ := got[ext].(map[string]any)
					gm, _ := gext["manager"].(map[string]any)
					if gm == nil {
						t.Fatalf("manager missing: %v", got[ext])
					}
					if Str(gm, "value") != Str(wm, "value") {
						t.Errorf("manager.value = %v", gm["value"])
					}
					if d, ok := gm["displayName"]; ok && d != wm["displayName"] {
						t.Errorf("manager.displayName = %v", d)
					}
					if ref, ok := gm["$ref"].(string); ok && ref != wm["$ref"] && !strings.HasSuffix(ref, "/Users/"+Str(wm, "value")) {
						t.Errorf("manager.$ref = %q", ref)
					}
					delete(wm, "displayName")
					delete(wm, "$ref")
					delete(gm, "displayName")
					delete(gm, "$ref")
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("read back (-want +got):\n%s", d)
				}
			}
			// The example's filter on the enterprise attributes finds it.
			l := get(t, s, filterQ("/Users", `userName eq "bjensen@example.com" and externalId eq "701984"`))
			if got := l.IDs(); len(got) != 1 || got[0] != id {
				t.Errorf("filter: %s", l.Body)
			}
			// POSTing the same example again is a uniqueness conflict.
			wantError(t, post(t, s, "/Users", toJSON(in)), 409, "uniqueness")
		})
	}
}

// RFC 7643 §8.4: the example group. As printed, its members are ids this
// server never issued: refusing them (400) or accepting them are both
// defensible, a 5xx is not. With the ids of real users it round-trips.
func TestRFC7643ExampleGroup(t *testing.T) { Each(t, testRFC7643ExampleGroup) }

func testRFC7643ExampleGroup(t *testing.T, b Backend) {
	s := b.Start(t)
	in := fixture(t, "rfc7643-8.4.json")
	r := post(t, s, "/Groups", toJSON(in))
	if r.Status != 201 && r.Status != 400 {
		t.Errorf("§8.4 as printed: status %d", r.Status)
	}
	s = b.Start(t)
	babs := create(t, s, "/Users", userBody("bjensen"))
	mandy := create(t, s, "/Users", userBody("mpepperidge"))
	body := strings.NewReplacer("2819c223-7f76-453a-919d-413861904646", babs, "902c246b-6245-4190-8e05-00816be7344a", mandy).Replace(toJSON(in))
	r = post(t, s, "/Groups", body)
	wantStatus(t, r, 201)
	gid := Str(r.JSON, "id")
	g := get(t, s, "/Groups/"+gid)
	got := plain(t, g)
	if got["displayName"] != "Tour Guides" || !hasString(g.JSON["schemas"], "urn:ietf:params:scim:schemas:core:2.0:Group") {
		t.Errorf("group: %s", g.Body)
	}
	want := map[string]string{babs: "Babs Jensen", mandy: "Mandy Pepperidge"}
	ms := asList(got["members"])
	if len(ms) != 2 {
		t.Fatalf("members: %v", got["members"])
	}
	for _, e := range ms {
		m := e.(map[string]any)
		v := Str(m, "value")
		if _, ok := want[v]; !ok {
			t.Errorf("unexpected member %v", m)
		}
		if d, ok := m["display"]; ok && d != want[v] {
			t.Errorf("member display %v, want %q", d, want[v])
		}
	}
	// Both users now list the group.
	for _, u := range []string{babs, mandy} {
		r := get(t, s, "/Users/"+u)
		if l := asList(r.JSON["groups"]); len(l) != 1 || Str(l[0].(map[string]any), "value") != gid {
			t.Errorf("user %s groups = %v", u, r.JSON["groups"])
		}
	}
}
