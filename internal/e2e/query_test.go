package e2e

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// corpus creates users shaped like the RFC 7644 §3.4.2.2 examples need and
// returns their ids by userName.
func corpus(t *testing.T, s *Server) map[string]string {
	t.Helper()
	users := map[string]string{
		"bjensen": `"name":{"familyName":"Jensen","givenName":"Barbara"},"title":"Tour Guide","userType":"Employee",` +
			`"emails":[{"value":"bjensen@example.com","type":"work"},{"value":"babs@jensen.org","type":"home"}],"ims":[{"value":"bj@foo.com","type":"xmpp"}]`,
		"jomalley": `"name":{"familyName":"O'Malley","givenName":"John"},"userType":"Intern",` +
			`"emails":[{"value":"jo@example.org","type":"work"}]`,
		"Jsmith": `"name":{"familyName":"Smith","givenName":"Jane"},"title":"Boss","userType":"Contractor",` +
			`"emails":[{"value":"js@other.net","type":"home"}],"ims":[{"value":"js@foo.com","type":"xmpp"}]`,
		"alice": `"userType":"Employee","emails":[{"value":"alice@example.com","type":"home"}],` +
			`"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],` +
			`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"701984","department":"Tour Operations"}`,
	}
	ids := map[string]string{}
	for _, n := range []string{"bjensen", "jomalley", "Jsmith", "alice"} {
		body := userBody(n, users[n])
		if strings.Contains(users[n], `"schemas"`) {
			body = `{"userName":` + jsonString(n) + "," + users[n] + "}"
		}
		ids[n] = create(t, s, "/Users", body)
	}
	return ids
}

// Every filter example of RFC 7644 §3.4.2.2, plus case variants of
// attribute names, operators and URNs (RFC 7644 §3.4.2.2: "Attribute
// names and attribute operators used in filters are case insensitive").
func TestFilterExamplesRFC7644(t *testing.T) { Each(t, testFilterExamplesRFC7644) }

func testFilterExamplesRFC7644(t *testing.T, b Backend) {
	s := b.Start(t)
	ids := corpus(t, s)
	all := []string{"bjensen", "jomalley", "Jsmith", "alice"}
	cases := []struct {
		filter string
		want   []string
	}{
		{`userName eq "bjensen"`, []string{"bjensen"}},
		{`name.familyName co "O'Malley"`, []string{"jomalley"}},
		{`userName sw "J"`, []string{"jomalley", "Jsmith"}},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`, []string{"jomalley", "Jsmith"}},
		{`title pr`, []string{"bjensen", "Jsmith"}},
		{`meta.lastModified gt "2011-05-13T04:42:34Z"`, all},
		{`meta.lastModified ge "2011-05-13T04:42:34Z"`, all},
		{`meta.lastModified lt "2011-05-13T04:42:34Z"`, nil},
		{`meta.lastModified le "2011-05-13T04:42:34Z"`, nil},
		{`title pr and userType eq "Employee"`, []string{"bjensen"}},
		{`title pr or userType eq "Intern"`, []string{"bjensen", "Jsmith", "jomalley"}},
		{`schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`, []string{"alice"}},
		{`userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`, []string{"bjensen", "alice"}},
		{`userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`, []string{"Jsmith"}},
		{`userType eq "Employee" and (emails.type eq "work")`, []string{"bjensen"}},
		{`userType eq "Employee" and emails[type eq "work" and value co "@example.com"]`, []string{"bjensen"}},
		{`emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`, []string{"bjensen", "Jsmith"}},
		// Case-insensitivity of names, operators, keywords and URNs.
		{`USERNAME EQ "BJENSEN"`, []string{"bjensen"}},
		{`UserName Eq "bjensen"`, []string{"bjensen"}},
		{`NAME.FAMILYNAME co "o'malley"`, []string{"jomalley"}},
		{`URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:userName sw "j"`, []string{"jomalley", "Jsmith"}},
		{`Title PR AND UserType EQ "employee"`, []string{"bjensen"}},
		{`EMAILS[TYPE eq "work" AND VALUE co "@EXAMPLE.COM"]`, []string{"bjensen"}},
		{`userType eq "Employee" AND NOT (title pr)`, []string{"alice"}},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"`, []string{"alice"}},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department co "tour"`, []string{"alice"}},
		{`emails[type eq "work"].value eq "bjensen@example.com"`, []string{"bjensen"}},
		{`emails.value ew ".org"`, []string{"bjensen", "jomalley"}},
		{`id eq "` + ids["alice"] + `"`, []string{"alice"}},
		{`meta.resourceType eq "User"`, all},
		{`userName gt "b"`, []string{"bjensen", "jomalley", "Jsmith"}},
		{`not (userName eq "bjensen")`, []string{"jomalley", "Jsmith", "alice"}},
		{`userName eq "nobody"`, nil},
		{`  userName   eq   "bjensen"  `, []string{"bjensen"}},
	}
	for _, c := range cases {
		t.Run(c.filter, func(t *testing.T) {
			r := get(t, s, filterQ("/Users", c.filter))
			wantStatus(t, r, 200)
			var want []string
			for _, n := range c.want {
				want = append(want, ids[n])
			}
			if got := r.IDs(); !sameSet(want, got) {
				t.Errorf("ids %v, want %v (%v)\n%s", got, want, c.want, r.Body)
			}
			if Int(r.JSON, "totalResults") != len(want) || Int(r.JSON, "itemsPerPage") != len(want) || Int(r.JSON, "startIndex") != 1 {
				t.Errorf("totalResults/itemsPerPage/startIndex: %s", r.Body)
			}
			if !hasString(r.JSON["schemas"], "urn:ietf:params:scim:api:messages:2.0:ListResponse") {
				t.Errorf("schemas = %v", r.JSON["schemas"])
			}
			// The same filter through POST /.search (RFC 7644 §3.4.3).
			r = post(t, s, "/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":`+jsonString(c.filter)+`}`)
			wantStatus(t, r, 200)
			if got := r.IDs(); !sameSet(want, got) {
				t.Errorf(".search ids %v, want %v", got, want)
			}
		})
	}
}

// Filters that are not valid are 400 invalidFilter (RFC 7644 §3.4.2.2
// and Table 9).
func TestInvalidFilters(t *testing.T) { Each(t, testInvalidFilters) }

func testInvalidFilters(t *testing.T, b Backend) {
	s := b.Start(t)
	corpus(t, s)
	for _, f := range []string{
		`userName eq`, `userName xx "a"`, `userName eq "unterminated`, `(userName eq "a"`, `userName eq "a")`,
		`emails[type eq "work"`, `and`, `userName eq "a" and`, `userName pr "x"`, `"a" eq userName`,
		`emails[value eq "a"]]`, `userName eq "a" or or userName eq "b"`, `name.familyName..x eq "a"`,
		`unknownAttr eq "x"`, `name.nope eq "x"`, `urn:nope:nope:attr eq "x"`,
		`active gt true`, `meta.created gt "not-a-date"`, `emails[nope eq "x"]`,
		`userName eq "a\"`, `userName eq "bad \x escape"`,
	} {
		t.Run(f, func(t *testing.T) {
			wantError(t, get(t, s, filterQ("/Users", f)), 400, "invalidFilter")
			wantError(t, post(t, s, "/Users/.search", `{"filter":`+jsonString(f)+`}`), 400, "invalidFilter")
		})
	}
	// Malformed percent-encoding must not drop the filter (which would list
	// every user in answer to an existence check).
	for _, raw := range []string{"/Users?filter=%ZZ", "/Users?filter=userName%20eq%20%22a%G0%22", "/?filter=%"} {
		wantError(t, get(t, s, raw), 400, "invalidFilter")
	}
	wantError(t, get(t, s, "/Users?count=%zz"), 400, "")
}

// RFC 7644 §3.4.2.3 sorting: sortBy (case-insensitive), sortOrder
// ascending by default; "for case-insensitive attributes, sort the result
// using case-insensitive Unicode alphabetic sort order".
func TestSorting(t *testing.T) { Each(t, testSorting) }

func testSorting(t *testing.T, b Backend) {
	s := b.Start(t)
	ids := corpus(t, s)
	names := func(r *Response) []string {
		var out []string
		for _, m := range r.Resources() {
			out = append(out, Str(m, "userName"))
		}
		return out
	}
	asc := []string{"alice", "bjensen", "jomalley", "Jsmith"}
	for _, p := range []string{"userName", "USERNAME", "urn:ietf:params:scim:schemas:core:2.0:User:userName"} {
		r := get(t, s, q("/Users", "sortBy", p))
		wantStatus(t, r, 200)
		if got := names(r); fmt.Sprint(got) != fmt.Sprint(asc) {
			t.Errorf("sortBy=%s: %v, want %v", p, got, asc)
		}
		r = get(t, s, q("/Users", "sortBy", p, "sortOrder", "descending"))
		want := []string{"Jsmith", "jomalley", "bjensen", "alice"}
		if got := names(r); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("sortBy=%s descending: %v, want %v", p, got, want)
		}
	}
	r := get(t, s, q("/Users", "sortBy", "name.familyName", "sortOrder", "ASCENDING"))
	wantStatus(t, r, 200)
	// Where a user without the attribute goes is not checked here.
	got := names(r)
	var nonNull []string
	for _, n := range got {
		if n != "alice" {
			nonNull = append(nonNull, n)
		}
	}
	if fmt.Sprint(nonNull) != fmt.Sprint([]string{"bjensen", "jomalley", "Jsmith"}) {
		t.Errorf("sortBy=name.familyName: %v", got)
	}
	r = post(t, s, "/Users/.search", `{"sortBy":"userName","sortOrder":"descending","count":2}`)
	if got := names(r); fmt.Sprint(got) != "[Jsmith jomalley]" {
		t.Errorf(".search sort: %v", got)
	}
	_ = ids
	for _, bad := range [][]string{{"sortBy", "nope"}, {"sortBy", "userName", "sortOrder", "sideways"}} {
		wantError(t, get(t, s, q("/Users", bad...)), 400, "")
	}
}

// RFC 7644 §3.4.2.4 pagination.
func TestPagination(t *testing.T) { Each(t, testPagination) }

func testPagination(t *testing.T, b Backend) {
	s := b.Start(t)
	var all []string
	for i := range 25 {
		all = append(all, create(t, s, "/Users", userBody(fmt.Sprintf("user%02d", i))))
	}
	// Walking by startIndex/count returns every user once, in a stable order.
	var seen []string
	for start := 1; start <= 25; start += 10 {
		r := get(t, s, fmt.Sprintf("/Users?startIndex=%d&count=10", start))
		wantStatus(t, r, 200)
		if Int(r.JSON, "totalResults") != 25 || Int(r.JSON, "startIndex") != start || Int(r.JSON, "itemsPerPage") != len(r.IDs()) {
			t.Errorf("page %d: %s", start, r.Body)
		}
		seen = append(seen, r.IDs()...)
	}
	if !sameSet(seen, all) {
		t.Errorf("pages returned %d ids, want the 25 users once each", len(seen))
	}
	cases := []struct {
		query           string
		total, n, start int
	}{
		{"startIndex=26", 25, 0, 26}, // beyond the total: empty page
		{"startIndex=1000000", 25, 0, 1000000},
		{"count=0", 25, 0, 1},       // §3.4.2.4: count 0 → totalResults only
		{"count=-5", 25, 0, 1},      // "A negative value SHALL be interpreted as "0""
		{"startIndex=0", 25, 25, 1}, // "A value less than 1 SHALL be interpreted as 1"
		{"startIndex=-10&count=3", 25, 3, 1},
		{"count=1000000000", 25, 25, 1}, // huge count: capped
		{"count=99999999999999999999", 25, 25, 1},
		{"startIndex=24&count=10", 25, 2, 24},
		{"STARTINDEX=2&COUNT=1", 25, 1, 2}, // parameter names case-insensitive
		{"count=", 25, 25, 1},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			r := get(t, s, "/Users?"+c.query)
			wantStatus(t, r, 200)
			if Int(r.JSON, "totalResults") != c.total || len(r.IDs()) != c.n || Int(r.JSON, "itemsPerPage") != c.n || Int(r.JSON, "startIndex") != c.start {
				t.Errorf("total %d n %d itemsPerPage %d startIndex %d, want %d %d %d\n%.300s", Int(r.JSON, "totalResults"), len(r.IDs()),
					Int(r.JSON, "itemsPerPage"), Int(r.JSON, "startIndex"), c.total, c.n, c.start, r.Body)
			}
			if _, ok := r.JSON["Resources"]; !ok {
				t.Errorf("Resources missing (even an empty page has it here)")
			}
		})
	}
	for _, bad := range []string{"startIndex=abc", "count=1e9", "count=ten", "startIndex=1.5", "count=0x10"} {
		t.Run(bad, func(t *testing.T) {
			r := get(t, s, "/Users?"+bad)
			wantError(t, r, 400, "")
		})
	}
	// Okta's constant Test Connection probes.
	r := get(t, s, "/Users?startIndex=1&count=2")
	if len(r.IDs()) != 2 || Int(r.JSON, "totalResults") != 25 {
		t.Errorf("Okta probe: %.300s", r.Body)
	}
	r = get(t, s, "/Groups?startIndex=1&count=100")
	if Int(r.JSON, "totalResults") != 0 || r.JSON["Resources"] == nil {
		t.Errorf("empty groups: %s", r.Body)
	}
	_ = url.Values{}
}

// RFC 7644 §3.4.2.5 attributes and excludedAttributes, and RFC 7643 §7
// "returned": id is always returned; password never.
func TestAttributesParameter(t *testing.T) { Each(t, testAttributesParameter) }

func testAttributesParameter(t *testing.T, b Backend) {
	s := b.Start(t)
	ids := corpus(t, s)
	id := ids["bjensen"]
	check := func(t *testing.T, m map[string]any, present, absent []string) {
		t.Helper()
		for _, p := range present {
			if Get(m, p) == nil {
				t.Errorf("%s missing: %v", p, m)
			}
		}
		for _, p := range absent {
			if Get(m, p) != nil {
				t.Errorf("%s present: %v", p, Get(m, p))
			}
		}
	}
	cases := []struct {
		query           string
		present, absent []string
	}{
		{"attributes=userName", []string{"id", "userName", "schemas"}, []string{"name", "emails", "title"}},
		{"attributes=USERNAME,Name.FamilyName", []string{"id", "userName", "name.familyName"}, []string{"name.givenName", "emails"}},
		{"attributes=emails.value", []string{"id", "emails.0.value"}, []string{"emails.0.type", "userName"}},
		{"attributes=urn:ietf:params:scim:schemas:core:2.0:User:userName", []string{"id", "userName"}, []string{"title"}},
		{"attributes=name", []string{"name.familyName", "name.givenName"}, []string{"title"}},
		{"excludedAttributes=emails,name", []string{"id", "userName", "title"}, []string{"emails", "name"}},
		{"excludedAttributes=NAME.givenName", []string{"name.familyName", "userName"}, []string{"name.givenName"}},
		{"excludedAttributes=id", []string{"id", "userName"}, nil}, // returned "always"
		{"attributes=nosuchattr", []string{"id"}, []string{"userName"}},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			r := get(t, s, "/Users/"+id+"?"+c.query)
			wantStatus(t, r, 200)
			check(t, r.JSON, c.present, c.absent)
			r = get(t, s, filterQ("/Users", `userName eq "bjensen"`)+"&"+c.query)
			wantStatus(t, r, 200)
			if res := r.Resources(); len(res) != 1 {
				t.Fatalf("list: %s", r.Body)
			} else {
				check(t, res[0], c.present, c.absent)
			}
		})
	}
	// Extension attributes.
	r := get(t, s, "/Users/"+ids["alice"]+"?attributes=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber")
	ext, _ := r.JSON["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].(map[string]any)
	if ext == nil || ext["employeeNumber"] != "701984" || ext["department"] != nil || r.JSON["userName"] != nil {
		t.Errorf("extension attributes: %s", r.Body)
	}
	r = get(t, s, "/Users/"+ids["alice"]+"?excludedAttributes=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
	if r.JSON["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] != nil {
		t.Errorf("excluding the extension: %s", r.Body)
	}
	// password is returned "never", even when asked for.
	pid := create(t, s, "/Users", userBody("pw", `"password":"t1meMa$heen"`))
	for _, p := range []string{"", "?attributes=password", "?attributes=password,userName"} {
		r := get(t, s, "/Users/"+pid+p)
		if r.JSON["password"] != nil || strings.Contains(string(r.Body), "t1meMa$heen") {
			t.Errorf("GET %s returned the password: %s", p, r.Body)
		}
	}
	r = get(t, s, filterQ("/Users", `password pr`))
	if r.Status == 200 && strings.Contains(string(r.Body), "t1meMa$heen") {
		t.Errorf("password leaked: %s", r.Body)
	}
}

// RFC 7644 §3.4.3 POST /.search on a type and at the root.
func TestSearchRequest(t *testing.T) { Each(t, testSearchRequest) }

func testSearchRequest(t *testing.T, b Backend) {
	s := b.Start(t)
	ids := corpus(t, s)
	gid := create(t, s, "/Groups", groupBody("Tour Guides", ids["bjensen"]))
	body := `{
     "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
     "attributes": ["displayName", "userName"],
     "filter": "displayName sw \"Tour\" or userName eq \"bjensen\"",
     "startIndex": 1,
     "count": 10
   }`
	r := post(t, s, "/.search", body)
	wantStatus(t, r, 200)
	if got := r.IDs(); !sameSet(got, []string{ids["bjensen"], gid}) {
		t.Errorf("root .search: %s", r.Body)
	}
	for _, m := range r.Resources() {
		if m["emails"] != nil || m["members"] != nil {
			t.Errorf("root .search ignored attributes: %v", m)
		}
	}
	// GET at the root (RFC 7644 §3.4.2.1).
	r = get(t, s, filterQ("/", `userName eq "bjensen" or displayName eq "Tour Guides"`))
	wantStatus(t, r, 200)
	if got := r.IDs(); !sameSet(got, []string{ids["bjensen"], gid}) {
		t.Errorf("root GET: %s", r.Body)
	}
	r = post(t, s, "/Groups/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"displayName eq \"Tour Guides\"","excludedAttributes":["members"]}`)
	if got := r.IDs(); len(got) != 1 || got[0] != gid || r.Resources()[0]["members"] != nil {
		t.Errorf("Groups .search: %s", r.Body)
	}
	// SearchRequest members are case-insensitive JSON names.
	r = post(t, s, "/Users/.search", `{"FILTER":"userName eq \"alice\"","Count":5}`)
	if got := r.IDs(); len(got) != 1 || got[0] != ids["alice"] {
		t.Errorf("case-insensitive SearchRequest members: %s", r.Body)
	}
	// Bad SearchRequests are 400.
	for _, b := range []string{`[]`, `"x"`, `{"filter":42}`, `{"count":"many"}`, `{"filter":"userName eq"}`, `{`, `{"attributes":[1]}`} {
		r := post(t, s, "/Users/.search", b)
		wantError(t, r, 400, "")
	}
	// GET on /.search is not a search; 405 or 404 with a SCIM error.
	r = get(t, s, "/Users/.search")
	if r.Status != 405 && r.Status != 404 {
		t.Errorf("GET /Users/.search: %d", r.Status)
	}
}
