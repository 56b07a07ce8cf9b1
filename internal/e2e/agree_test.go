package e2e

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/scim"
)

// step is one request of a transcript; {{name}} in Path and Body is
// replaced by the id captured as name by an earlier step.
type step struct {
	method, path, body string
	header             map[string]string
	capture            string // the created resource's id is captured as this name
	// captureMeta captures the answer's meta.created and meta.lastModified
	// as {{name_created}} and {{name_lastModified}}.
	captureMeta string
	// echo sends the body of the previous answer as this step's body (a
	// client that PUTs back what it read).
	echo bool
}

// transcript is a sequence that touches every endpoint and error path
// whose answer depends on the store: it is replayed on each backend and
// the normalised answers must equal store/memory's.
func transcript() []step {
	ent := `"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
	users := []struct{ capture, body string }{
		{"bj", userBody("bjensen", `"externalId":"BJ-1","name":{"familyName":"Jensen","givenName":"Barbara"},"title":"Tour Guide","userType":"Employee","emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@jensen.org","type":"home"}]`)},
		{"js", userBody("Jsmith", `"name":{"familyName":"Smith"},"userType":"Contractor","active":false,"emails":[{"value":"js@other.net","type":"home"}]`)},
		{"jo", userBody("jomalley", `"name":{"familyName":"O'Malley"},"userType":"Intern","emails":[{"value":"jo@example.org","type":"work"}]`)},
		{"al", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",` + ent + `],"userName":"alice",` + ent + `:{"employeeNumber":"701984","department":"Tour Operations","manager":{"value":"m-1"}}}`},
		{"em", userBody("Émile")},
		{"om", userBody("Ωmega")},
		{"st", userBody("straße")},
		{"zz", userBody("zoe")},
	}
	var s []step
	for _, u := range users {
		s = append(s, step{method: "POST", path: "/Users", body: u.body, capture: u.capture})
	}
	s = append(s,
		step{method: "POST", path: "/Users", body: userBody("BJENSEN")},
		step{method: "POST", path: "/Users", body: userBody("ωMEGA")},
		step{method: "POST", path: "/Users", body: userBody("STRASSE")},
		step{method: "POST", path: "/Groups", body: groupBody("Tour Guides", "{{bj}}", "{{js}}"), capture: "g1"},
		step{method: "POST", path: "/Groups", body: groupBody("tour guides")},
		step{method: "POST", path: "/Groups", body: groupBody("Empty"), capture: "g2"},
		step{method: "POST", path: "/Groups", body: groupBody("Bad", "no-such-user")},
		step{method: "GET", path: "/Users/{{bj}}"},
		step{method: "GET", path: "/Users/{{bj}}?attributes=userName,groups"},
		step{method: "GET", path: "/Users/{{al}}?excludedAttributes=emails"},
		step{method: "GET", path: "/Users/nope"},
		step{method: "GET", path: "/Groups/{{bj}}"},
		step{method: "GET", path: "/Groups/{{g1}}"},
		step{method: "PATCH", path: "/Groups/{{g2}}", body: patchOps(`{"op":"add","path":"members","value":[{"value":"{{jo}}"},{"value":"{{g1}}","type":"Group"}]}`)},
		step{method: "PATCH", path: "/Groups/{{g1}}", body: patchOps(`{"op":"remove","path":"members[value eq \"{{js}}\"]"}`)},
		step{method: "PATCH", path: "/Groups/{{g1}}", body: patchOps(`{"op":"add","path":"members","value":[{"value":"{{bj}}"}]}`)},
		step{method: "PATCH", path: "/Groups/{{g1}}", body: patchOps(`{"op":"replace","path":"displayName","value":"Empty"}`)},
		step{method: "PATCH", path: "/Groups/{{g2}}?attributes=members", body: patchOps(`{"op":"add","path":"members","value":[{"value":"{{al}}"}]}`)},
		step{method: "PATCH", path: "/Groups/{{g2}}?attributes=members,displayName", body: patchOps(`{"op":"remove","path":"members[type eq \"Group\"]"}`)},
		step{method: "PATCH", path: "/Groups/{{g2}}?excludedAttributes=members", body: patchOps(`{"op":"add","path":"members","value":[{"value":"{{g1}}","type":"Group"}]}`)},
		step{method: "GET", path: "/Users/{{bj}}?attributes=groups"},
		step{method: "GET", path: "/Users/{{jo}}?attributes=groups"},
		step{method: "GET", path: filterQ("/Users", `groups.value eq "{{g2}}"`, "sortBy", "userName")},
		step{method: "GET", path: filterQ("/Groups", `members.type eq "Group"`)},
		step{method: "PATCH", path: "/Users/{{bj}}", body: patchOps(`{"op":"replace","path":"emails[type eq \"work\"].value","value":"babs@example.com"}`, `{"op":"add","path":"nickName","value":"Babs"}`)},
		step{method: "PATCH", path: "/Users/{{bj}}", body: patchOps(`{"op":"replace","path":"userName","value":"JSMITH"}`)},
		step{method: "PATCH", path: "/Users/{{bj}}", body: patchOps(`{"op":"replace","path":"emails[type eq","value":"x"}`)},
		step{method: "PATCH", path: "/Users/{{bj}}", body: patchOps(`{"op":"remove"}`)},
		step{method: "PATCH", path: "/Users/{{bj}}", body: patchOps(`{"op":"replace","path":"id","value":"x"}`)},
		step{method: "PATCH", path: "/Users/{{bj}}", body: patchOps(`{"op":"replace","path":"title","value":"x"}`), header: map[string]string{"If-Match": `W/"stale"`}},
		step{method: "PATCH", path: "/Users/nope", body: patchOps(`{"op":"replace","path":"title","value":"x"}`)},
		step{method: "PUT", path: "/Users/{{js}}", body: userBody("jsmith", `"name":{"familyName":"Smith","givenName":"Jane"},"title":"Boss","active":true`)},
		step{method: "PUT", path: "/Users/{{js}}", body: userBody("bjensen")},
		step{method: "PUT", path: "/Users/{{js}}", body: userBody("jsmith"), header: map[string]string{"If-Match": `W/"stale"`}},
		step{method: "PUT", path: "/Users/nope", body: userBody("nope")},
		step{method: "PUT", path: "/Groups/{{g2}}", body: groupBody("Empty2", "{{al}}")},
		step{method: "GET", path: "/Users/{{al}}"},
		step{method: "GET", path: "/Users/{{js}}", header: map[string]string{"If-None-Match": `W/"stale"`}},
	)
	filters := []string{
		`userName eq "BJENSEN"`, `userName eq "ÉMILE"`, `userName eq "ωmega"`, `userName eq "STRASSE"`,
		`userName sw "j"`, `userName co "MAL"`, `userName ew "E"`, `userName gt "j"`, `userName le "jsmith"`,
		`externalId eq "BJ-1"`, `externalId eq "bj-1"`, `title pr`, `not (title pr)`, `nickName pr and active eq true`,
		`active eq false`, `emails[type eq "work" and value co "EXAMPLE"]`, `emails.value ew ".org"`,
		`emails co "example"`, `name.familyName sw "o'"`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department co "tour"`,
		`manager eq "m-1"`, `manager.value eq "m-1"`, `meta.resourceType eq "User"`, `schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`,
		`userType ne "Employee"`, `id eq "{{al}}"`, `groups.value eq "{{g1}}"`, `groups[value eq "{{g2}}"]`,
	}
	for _, f := range filters {
		s = append(s, step{method: "GET", path: filterQ("/Users", f)})
	}
	for _, f := range []string{`displayName eq "EMPTY"`, `members[value eq "{{bj}}"]`, `members.value eq "{{jo}}"`, `members pr`, `not (members pr)`, `displayName co "our"`} {
		s = append(s, step{method: "GET", path: filterQ("/Groups", f, "sortBy", "displayName")})
	}
	for _, p := range []string{"userName", "name.familyName", "title", "emails.value", "emails", "active", "meta.resourceType"} {
		for _, o := range []string{"ascending", "descending"} {
			s = append(s, step{method: "GET", path: q("/Users", "sortBy", p, "sortOrder", o, "attributes", "userName")})
		}
	}
	s = append(s,
		step{method: "GET", path: q("/Users", "sortBy", "userName", "startIndex", "3", "count", "2")},
		step{method: "GET", path: q("/Users", "sortBy", "userName", "startIndex", "8", "count", "5")},
		step{method: "GET", path: q("/Users", "count", "0")},
		step{method: "GET", path: q("/Users", "filter", `userName eq`)},
		step{method: "GET", path: q("/Users", "filter", `nope eq "x"`)},
		step{method: "GET", path: q("/Users", "sortBy", "nope")},
		step{method: "GET", path: q("/Users", "cursor", "", "count", "3", "sortBy", "userName")},
		step{method: "GET", path: q("/Users", "cursor", "bad")},
		step{method: "POST", path: "/Users/.search", body: `{"filter":"userName sw \"j\"","sortBy":"userName","attributes":["userName"]}`},
		step{method: "POST", path: "/.search", body: `{"filter":"userName eq \"alice\" or displayName eq \"Empty\"","attributes":["id"],"sortBy":"meta.resourceType"}`},
		step{method: "GET", path: "/ServiceProviderConfig"},
		step{method: "POST", path: "/Bulk", body: bulkBody(false,
			`{"method":"POST","path":"/Users","bulkId":"u","data":`+userBody("bulk.user", `"externalId":"BU-1"`)+`}`,
			`{"method":"POST","path":"/Groups","bulkId":"g","data":`+groupBody("Bulk Group", "bulkId:u", "{{jo}}")+`}`,
			`{"method":"POST","path":"/Users","bulkId":"dup","data":`+userBody("BULK.USER")+`}`,
			`{"method":"PATCH","path":"/Users/bulkId:u","data":`+patchOps(`{"op":"add","path":"title","value":"Bulk"}`)+`}`,
			`{"method":"PUT","path":"/Users/{{zz}}","data":`+userBody("zoe", `"nickName":"Z"`)+`}`,
			`{"method":"PATCH","path":"/Groups/{{g1}}","data":`+patchOps(`{"op":"add","path":"members","value":[{"value":"bulkId:u"}]}`)+`}`,
			`{"method":"DELETE","path":"/Users/nope"}`,
			`{"method":"PATCH","path":"/Users/{{zz}}","data":`+patchOps(`{"op":"replace","path":"id","value":"x"}`)+`}`,
			`{"method":"PUT","path":"/Users/{{zz}}","version":"W/\"stale\"","data":`+userBody("zoe")+`}`,
		)},
		step{method: "POST", path: "/Bulk", body: bulkBody(true,
			`{"method":"POST","path":"/Groups","bulkId":"qwerty","data":{"displayName":"Group A","members":[{"type":"Group","value":"bulkId:ytrewq"}]}}`,
			`{"method":"POST","path":"/Groups","bulkId":"ytrewq","data":{"displayName":"Group B","members":[{"type":"Group","value":"bulkId:qwerty"}]}}`,
			`{"method":"POST","path":"/Users","data":`+userBody("alice")+`}`,
			`{"method":"DELETE","path":"/Users/{{em}}"}`,
		)},
		step{method: "GET", path: filterQ("/Users", `userName sw "bulk" or title eq "Bulk"`, "sortBy", "userName")},
		step{method: "GET", path: filterQ("/Groups", `displayName sw "Group" or displayName eq "Bulk Group"`, "sortBy", "displayName")},
		step{method: "GET", path: "/Users/{{em}}"},
		step{method: "GET", path: "/Groups/{{g1}}"},
		step{method: "DELETE", path: "/Users/{{js}}", header: map[string]string{"If-Match": `W/"stale"`}},
		step{method: "DELETE", path: "/Users/{{bj}}"},
		step{method: "DELETE", path: "/Users/{{bj}}"},
		step{method: "GET", path: "/Groups/{{g1}}"},
		step{method: "GET", path: filterQ("/Groups", `members[value eq "{{bj}}"]`)},
		step{method: "POST", path: "/Users", body: userBody("BJensen")},
		step{method: "DELETE", path: "/Groups/{{g2}}"},
		step{method: "GET", path: "/Users/{{al}}?attributes=groups"},
		step{method: "GET", path: q("/Users", "sortBy", "userName", "attributes", "userName")},
	)
	return s
}

// issue11Transcript replays the divergences between backends listed in
// issue 11 ("What was seen") through HTTP: a binary (case-exact) filter
// and sort, a PUT that sets display on an existing member, a PUT that
// echoes a GET (members carry the "$ref" the server renders), sortBy on
// members and groups, filters on the times the server returned, and a
// PATCH answered with attributes=members.
func issue11Transcript() []step {
	certs := func(v string) string { return `"x509Certificates":[{"value":"` + v + `"}]` }
	s := []step{
		{method: "POST", path: "/Users", body: userBody("cert.a", certs("MIIBaQ==")), capture: "ca", captureMeta: "ca"},
		{method: "POST", path: "/Users", body: userBody("cert.b", certs("AAEC")), capture: "cb"},
		{method: "POST", path: "/Users", body: userBody("cert.c", certs("bWlp")), capture: "cc"},
		{method: "POST", path: "/Users", body: userBody("cert.none")},
		{method: "GET", path: filterQ("/Users", `x509Certificates.value eq "MIIBaQ=="`)},
		{method: "GET", path: filterQ("/Users", `x509Certificates.value eq "miibaq=="`)},
		{method: "GET", path: filterQ("/Users", `x509Certificates[value eq "bWlp"]`)},
		{method: "POST", path: "/Groups", body: groupBody("Certs", "{{ca}}", "{{cb}}"), capture: "g"},
		{method: "POST", path: "/Groups", body: groupBody("Other", "{{cc}}"), capture: "h"},
		{method: "PUT", path: "/Groups/{{g}}", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Certs",` +
			`"members":[{"value":"{{ca}}","display":"Cert A"},{"value":"{{cb}}"}]}`},
		{method: "GET", path: "/Groups/{{g}}"},
		{method: "PUT", path: "/Groups/{{g}}", echo: true},
		{method: "GET", path: "/Groups/{{g}}"},
		{method: "GET", path: filterQ("/Groups", `members.$ref pr`)},
		{method: "GET", path: filterQ("/Groups", `members.display eq "Cert A"`)},
		{method: "PATCH", path: "/Groups/{{g}}?attributes=members", body: patchOps(`{"op":"remove","path":"members[display eq \"Cert A\"]"}`)},
		// Restricted to cert.a: another user may be created in the same
		// millisecond on one backend's run and not on another's.
		{method: "GET", path: filterQ("/Users", `meta.created eq "{{ca_created}}" and userName eq "cert.a"`)},
		{method: "GET", path: filterQ("/Users", `meta.lastModified ge "{{ca_lastModified}}" and userName eq "cert.a"`)},
		{method: "GET", path: filterQ("/Users", `meta.lastModified eq "{{ca_lastModified}}" and userName eq "cert.a"`)},
	}
	for _, p := range []string{"x509Certificates.value", "x509Certificates", "groups", "groups.display", "groups.value"} {
		for _, o := range []string{"ascending", "descending"} {
			s = append(s, step{method: "GET", path: q("/Users", "sortBy", p, "sortOrder", o, "attributes", "userName")})
		}
	}
	for _, p := range []string{"members", "members.value", "members.display", "members.type"} {
		s = append(s, step{method: "GET", path: q("/Groups", "sortBy", p, "attributes", "displayName")},
			step{method: "GET", path: q("/Groups", "sortBy", p, "filter", "members pr", "cursor", "", "count", "1")})
	}
	return s
}

// placeholderRE matches {{name}}, also query-escaped by q and filterQ.
// bulkBody is a BulkRequest (RFC 7644 §3.7) of ops, with failOnErrors 1
// when stop is set.
func bulkBody(stop bool, ops ...string) string {
	f := ""
	if stop {
		f = `"failOnErrors":1,`
	}
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],` + f + `"Operations":[` + strings.Join(ops, ",") + `]}`
}

// softTranscript exercises DeleteSoft: a deleted resource answers 404 and
// leaves its groups, its id stays unused and its externalId reserved (409),
// its userName is free again.
func softTranscript() []step {
	return []step{
		{method: "POST", path: "/Users", body: userBody("gone", `"externalId":"EXT-1"`), capture: "u"},
		{method: "POST", path: "/Groups", body: groupBody("G", "{{u}}"), capture: "g"},
		{method: "DELETE", path: "/Users/{{u}}"},
		{method: "GET", path: "/Users/{{u}}"},
		{method: "DELETE", path: "/Users/{{u}}"},
		{method: "PUT", path: "/Users/{{u}}", body: userBody("gone")},
		{method: "PATCH", path: "/Users/{{u}}", body: patchOps(`{"op":"replace","path":"title","value":"x"}`)},
		{method: "GET", path: "/Groups/{{g}}"},
		{method: "GET", path: filterQ("/Users", `externalId eq "EXT-1" or userName eq "gone"`)},
		{method: "POST", path: "/Users", body: userBody("gone", `"externalId":"EXT-1"`)},
		{method: "POST", path: "/Users", body: userBody("GONE", `"externalId":"EXT-2"`), capture: "v"},
		{method: "PATCH", path: "/Users/{{v}}", body: patchOps(`{"op":"replace","path":"externalId","value":"EXT-1"}`)},
		{method: "PUT", path: "/Users/{{v}}", body: userBody("GONE", `"externalId":"EXT-1"`)},
		{method: "POST", path: "/Groups", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G2","externalId":"GEXT"}`, capture: "g2"},
		{method: "DELETE", path: "/Groups/{{g2}}"},
		{method: "POST", path: "/Groups", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G2","externalId":"GEXT"}`},
		{method: "POST", path: "/Bulk", body: bulkBody(false,
			`{"method":"POST","path":"/Users","data":`+userBody("bulk", `"externalId":"EXT-1"`)+`}`,
			`{"method":"DELETE","path":"/Users/{{v}}"}`,
			`{"method":"DELETE","path":"/Users/{{v}}"}`)},
		{method: "GET", path: q("/Users", "sortBy", "userName")},
		{method: "GET", path: "/Groups"},
	}
}

var placeholderRE = regexp.MustCompile(`(?:\{\{|%7B%7B)(\w+)(?:\}\}|%7D%7D)`)

// replay runs the transcript on s and returns one normalised answer per
// step (see normaliser).
func replay(t *testing.T, s *Server, steps []step) []string {
	t.Helper()
	ids := map[string]string{}
	sub := func(x string) string {
		return placeholderRE.ReplaceAllStringFunc(x, func(m string) string {
			id, ok := ids[placeholderRE.FindStringSubmatch(m)[1]]
			if !ok {
				t.Fatalf("placeholder %s used before capture", m)
			}
			return id
		})
	}
	n := &normaliser{base: s.URL, names: map[string]string{}}
	var out []string
	var prev []byte
	for _, st := range steps {
		body := sub(st.body)
		if st.echo {
			body = string(prev)
		}
		r := s.Do(t, Request{Method: st.method, Path: sub(st.path), Body: body, Header: st.header})
		prev = r.Body
		if st.captureMeta != "" {
			ids[st.captureMeta+"_created"] = Str(r.JSON, "meta.created")
			ids[st.captureMeta+"_lastModified"] = Str(r.JSON, "meta.lastModified")
		}
		if st.capture != "" && r.Status != 201 {
			t.Fatalf("%s %s: status %d, want 201\n%s", st.method, st.path, r.Status, r.Body)
		}
		if id := Str(r.JSON, "id"); r.Status == 201 && id != "" {
			name := st.capture
			if name == "" {
				name = fmt.Sprintf("new%d", len(n.names))
			}
			ids[name] = id
			n.names[id] = "{{" + name + "}}"
		}
		for _, op := range asList(r.JSON["Operations"]) {
			loc := Str(op.(map[string]any), "location")
			if id := loc[strings.LastIndex(loc, "/")+1:]; loc != "" && n.names[id] == "" {
				name := fmt.Sprintf("bulk%d", len(n.names))
				ids[name] = id
				n.names[id] = "{{" + name + "}}"
			}
		}
		out = append(out, n.answer(st, r))
	}
	return out
}

// normaliser rewrites what legitimately differs between two servers: ids
// become the names they were captured as, the base URL "BASE", versions
// "vN" numbered by first appearance, timestamps and cursors a placeholder.
// Resources of a list without sortBy are compared in any order (RFC 7644
// §3.4.2.3 leaves that order to the server).
type normaliser struct {
	base     string
	names    map[string]string
	versions []string
}

func (n *normaliser) str(s string) string {
	s = strings.ReplaceAll(s, n.base, "BASE")
	for id, name := range n.names {
		s = strings.ReplaceAll(s, id, name)
	}
	return s
}

func (n *normaliser) version(v string) string {
	if v == "" {
		return ""
	}
	for i, w := range n.versions {
		if w == v {
			return fmt.Sprintf("v%d", i)
		}
	}
	n.versions = append(n.versions, v)
	return fmt.Sprintf("v%d", len(n.versions)-1)
}

func (n *normaliser) value(key string, v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			switch k {
			case "created", "lastModified", "nextCursor", "previousCursor":
				out[k] = "…"
			case "version":
				s, _ := e.(string)
				out[k] = n.version(s)
			default:
				out[k] = n.value(k, e)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = n.value(key, e)
		}
		if key == "members" || key == "groups" || key == "emails" {
			sortJSON(out)
		}
		return out
	case string:
		return n.str(x)
	}
	return v
}

func sortJSON(l []any) {
	sort.Slice(l, func(i, j int) bool { return toJSON(l[i]) < toJSON(l[j]) })
}

func (n *normaliser) answer(st step, r *Response) string {
	var body any
	if len(r.Body) > 0 && json.Unmarshal(r.Body, &body) == nil {
		body = n.value("", body)
		n.conflict(body)
		if m, ok := body.(map[string]any); ok && !strings.Contains(st.path, "sortBy") && !strings.Contains(st.body, "sortBy") {
			if l, ok := m["Resources"].([]any); ok {
				sortJSON(l)
			}
		}
	}
	return fmt.Sprintf("%s %s\n→ %d Location=%s ETag=%s\n%s", st.method, n.str(st.path), r.Status,
		n.str(r.Header.Get("Location")), n.version(r.Header.Get("ETag")), indent(body))
}

// conflict replaces, anywhere in body (also in a BulkResponse), the
// detail of a uniqueness error, whose text each store words its own way
// (store.ErrConflict only promises that it names the attribute), by
// whether it names userName.
func (n *normaliser) conflict(body any) {
	switch x := body.(type) {
	case []any:
		for _, e := range x {
			n.conflict(e)
		}
	case map[string]any:
		if x["scimType"] == "uniqueness" {
			d, _ := x["detail"].(string)
			x["detail"] = fmt.Sprintf("names userName: %t", strings.Contains(d, "userName"))
		}
		for _, e := range x {
			n.conflict(e)
		}
	}
}

func indent(v any) string {
	if v == nil {
		return ""
	}
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// TestBackendsAgree replays the transcripts on every backend; each
// answer, normalised, must be the one store/memory gives (STYLE 12: the
// in-memory store is the reference).
func TestBackendsAgree(t *testing.T) { Each(t, testBackendsAgree) }

func testBackendsAgree(t *testing.T, b Backend) {
	soft := func(c *scim.Config) { c.Defaults.Delete = scim.DeleteSoft }
	for _, c := range []struct {
		name   string
		steps  []step
		adjust func(*scim.Config)
		skip   string
	}{
		{"hard", transcript(), func(*scim.Config) {}, ""},
		{"soft", softTranscript(), soft, ""},
		{"issue11", issue11Transcript(), func(*scim.Config) {}, ""},
		{"probe", probeTranscript(), func(*scim.Config) {}, ""},
		{"bad input", badInputTranscript(), func(*scim.Config) {}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.skip != "" {
				t.Skip(c.skip)
			}
			got := replay(t, b.Start(t, c.adjust), c.steps)
			if b.Name == Memory.Name {
				return // the invariants of Server.Do only
			}
			want := replay(t, Memory.Start(t, c.adjust), c.steps)
			for i := range want {
				if d := cmp.Diff(want[i], got[i]); d != "" {
					t.Errorf("step %d: %s answers differently from memory (-memory +%s):\n%s", i, b.Name, b.Name, d)
				}
			}
		})
	}
}
