package conformance

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/go-cmp/cmp"
)

var needFilter = []Feature{FeatureFilter}

func init() {
	register(
		Case{ID: "filter.eq.username", Title: "userName eq finds exactly the user",
			Requirement: must("RFC 7644 §3.4.2.2"), Profiles: every, Needs: needFilter, Func: filterEq},
		Case{ID: "filter.eq.username-case-insensitive", Title: "userName eq matches regardless of case (caseExact false)",
			Requirement: must("RFC 7644 §3.4.2.2, RFC 7643 §4.1.1; Okta SPEC 'Username Case Sensitivity Check'"), Profiles: every, Needs: needFilter, Func: filterEqCase},
		Case{ID: "filter.no-match-200", Title: "a filter matching nothing is 200 with totalResults 0",
			Requirement: must("RFC 7644 §3.4.2"), Profiles: every, Needs: needFilter, Func: filterNoMatch},
		Case{ID: "filter.operators", Title: "co, sw, ew, pr, ne, not, and, or and grouping select the right users",
			Requirement: must("RFC 7644 §3.4.2.2"), Profiles: rfc, Needs: needFilter, Func: filterOperators},
		Case{ID: "filter.attribute-name-case-insensitive", Title: "attribute names and operators in filters are case-insensitive",
			Requirement: must("RFC 7644 §3.4.2.2"), Profiles: rfc, Needs: needFilter, Func: filterNameCase},
		Case{ID: "filter.value-path", Title: "emails[type eq \"work\" and value co …] and emails.value filters",
			Requirement: must("RFC 7644 §3.4.2.2"), Profiles: every, Needs: needFilter, Func: filterValuePath},
		Case{ID: "filter.externalid-case-exact", Title: "externalId (caseExact) matches case-sensitively",
			Requirement: must("RFC 7643 §3.1, RFC 7644 §3.4.2.2"), Profiles: rfc, Needs: needFilter, Func: filterExternalID},
		Case{ID: "filter.meta-lastmodified-gt", Title: "meta.lastModified gt selects recently modified users",
			Requirement: must("RFC 7644 §3.4.2.2"), Profiles: rfc, Needs: needFilter, Func: filterLastModified},
		Case{ID: "filter.boolean", Title: "active eq false selects deactivated users",
			Requirement: must("RFC 7644 §3.4.2.2"), Profiles: rfc, Needs: needFilter, Func: filterBoolean},
		Case{ID: "filter.invalid-400", Title: "a malformed filter is 400 invalidFilter",
			Requirement: must("RFC 7644 §3.4.2.2, §3.12"), Profiles: rfc, Needs: needFilter, Func: filterInvalid},
		Case{ID: "search.post", Title: "POST /Users/.search runs a SearchRequest",
			Requirement: may("RFC 7644 §3.4.3"), Profiles: rfc, Needs: needFilter, Func: searchPost},
		Case{ID: "page.list-shape", Title: "a list is a ListResponse with integer totalResults, itemsPerPage, startIndex",
			Requirement: must("RFC 7644 §3.4.2; Okta SPEC test (is_a_number)"), Profiles: every, Func: pageShape},
		Case{ID: "page.index", Title: "startIndex/count pages are disjoint, cover every match, totalResults is exact",
			Requirement: must("RFC 7644 §3.4.2.4"), Profiles: every, Needs: needFilter, Func: pageIndex},
		Case{ID: "page.count-zero", Title: "count=0 returns totalResults and no resources",
			Requirement: must("RFC 7644 §3.4.2.4"), Profiles: rfc, Needs: needFilter, Func: pageCountZero},
		Case{ID: "page.startindex-below-1", Title: "startIndex below 1 is taken as 1",
			Requirement: must("RFC 7644 §3.4.2.4"), Profiles: rfc, Needs: needFilter, Func: pageStartBelow1},
		Case{ID: "page.beyond-end", Title: "startIndex past the end returns no resources and the exact total",
			Requirement: must("RFC 7644 §3.4.2.4"), Profiles: rfc, Needs: needFilter, Func: pageBeyondEnd},
		Case{ID: "page.while-writing", Title: "paging while users are created neither repeats nor loses existing users",
			Requirement: idp("Okta SCIM 2.0 reference #retrieve-users (stable ordering across pages)"), Profiles: []Profile{ProfileRFC, ProfileOkta}, Needs: needFilter, Func: pageWhileWriting},
		Case{ID: "page.cursor", Title: "cursor paging visits every match once",
			Requirement: must("RFC 9865 §3"), Profiles: rfc, Needs: []Feature{FeatureFilter, FeatureCursor}, Func: pageCursor},
		Case{ID: "sort.username", Title: "sortBy=userName orders ascending and descending",
			Requirement: must("RFC 7644 §3.4.2.3"), Profiles: rfc, Needs: []Feature{FeatureFilter, FeatureSort}, Func: sortUserName},
		Case{ID: "attributes.include", Title: "attributes=userName returns id and userName only",
			Requirement: must("RFC 7644 §3.4.2.5, RFC 7643 §7 (returned always)"), Profiles: rfc, Func: attrsInclude},
		Case{ID: "attributes.exclude", Title: "excludedAttributes=name leaves name out and keeps the rest",
			Requirement: must("RFC 7644 §3.4.2.5"), Profiles: rfc, Func: attrsExclude},
		Case{ID: "attributes.on-list", Title: "attributes applies to every resource of a list",
			Requirement: must("RFC 7644 §3.4.2.5"), Profiles: rfc, Needs: needFilter, Func: attrsList},
	)
}

// seedUsers creates n users whose userNames share a unique prefix and
// returns the prefix and the ids in creation order.
func seedUsers(t *T, label string, n int, extra func(i int) obj) (string, []string) {
	prefix := t.Name(label) + "-"
	out := make([]string, n)
	for i := range n {
		var e obj
		if extra != nil {
			e = extra(i)
		}
		res := t.Do(http.MethodPost, "/Users", userBody(fmt.Sprintf("%s%02d", prefix, i), e))
		t.Must(res, "POST /Users", http.StatusCreated)
		out[i], _ = t.JSON(res, "POST /Users")["id"].(string)
	}
	return prefix, out
}

func filterEq(ctx context.Context, t *T) {
	id, u := createUser(t, "eq", nil)
	createUser(t, "eq-other", nil)
	m, rs := list(t, filterPath("/Users", "userName eq "+q(u["userName"].(string))))
	if d := cmp.Diff([]string{id}, ids(rs)); d != "" || m["totalResults"] != 1.0 {
		t.Errorf("totalResults %v, ids (-want +got):\n%s", m["totalResults"], d)
	}
}

func filterEqCase(ctx context.Context, t *T) {
	id, u := createUser(t, "EqCase", nil)
	_, rs := list(t, filterPath("/Users", "userName eq "+q(strings.ToUpper(u["userName"].(string)))))
	if d := cmp.Diff([]string{id}, ids(rs)); d != "" {
		t.Errorf("upper-cased userName: ids (-want +got):\n%s", d)
	}
}

func filterNoMatch(ctx context.Context, t *T) {
	m, rs := list(t, filterPath("/Users", "userName eq "+q(t.Name("nobody"))))
	if m["totalResults"] != 0.0 || len(rs) != 0 {
		t.Errorf("totalResults %v with %d resources, want 0 and none", m["totalResults"], len(rs))
	}
}

// expectIDs checks that filter f (ANDed with the seed prefix) selects
// exactly the seeds at the given indexes.
func expectIDs(t *T, prefix string, seeds []string, f string, want ...int) {
	full := "userName sw " + q(prefix) + " and (" + f + ")"
	_, rs := list(t, filterPath("/Users", full, "count=100"))
	var w []string
	for _, i := range want {
		w = append(w, seeds[i])
	}
	if d := cmp.Diff(sorted(w...), ids(rs)); d != "" {
		t.Errorf("filter %s: ids (-want +got):\n%s", full, d)
	}
}

func filterOperators(ctx context.Context, t *T) {
	titles := []string{"Chief Engineer", "Engineer", "Sales Lead", ""}
	prefix, seeds := seedUsers(t, "ops", 4, func(i int) obj {
		e := obj{"displayName": fmt.Sprintf("Person %d", i)}
		if titles[i] != "" {
			e["title"] = titles[i]
		}
		return e
	})
	expectIDs(t, prefix, seeds, `title co "engineer"`, 0, 1)
	expectIDs(t, prefix, seeds, `title sw "Engineer"`, 1)
	expectIDs(t, prefix, seeds, `title ew "lead"`, 2)
	expectIDs(t, prefix, seeds, `title pr`, 0, 1, 2)
	expectIDs(t, prefix, seeds, `not (title pr)`, 3)
	expectIDs(t, prefix, seeds, `title ne "Engineer"`, 0, 2, 3)
	expectIDs(t, prefix, seeds, `title eq "Engineer" or title eq "Sales Lead"`, 1, 2)
	expectIDs(t, prefix, seeds, `title co "Engineer" and displayName eq "Person 0"`, 0)
	expectIDs(t, prefix, seeds, `(title eq "Engineer" or title eq "Sales Lead") and not (displayName eq "Person 2")`, 1)
}

func filterNameCase(ctx context.Context, t *T) {
	id, u := createUser(t, "namecase", nil)
	_, rs := list(t, filterPath("/Users", "USERNAME EQ "+q(u["userName"].(string))))
	if d := cmp.Diff([]string{id}, ids(rs)); d != "" {
		t.Errorf("USERNAME EQ: ids (-want +got):\n%s", d)
	}
}

func filterValuePath(ctx context.Context, t *T) {
	prefix, seeds := seedUsers(t, "vp", 2, func(i int) obj {
		typ := []string{"work", "home"}[i]
		return obj{"emails": []any{obj{"value": fmt.Sprintf("vp%d@%s.example.com", i, typ), "type": typ}}}
	})
	expectIDs(t, prefix, seeds, `emails[type eq "work" and value co "@work."]`, 0)
	expectIDs(t, prefix, seeds, `emails[type eq "home"]`, 1)
	expectIDs(t, prefix, seeds, `emails.value eq "VP1@HOME.EXAMPLE.COM"`, 1)
	expectIDs(t, prefix, seeds, `emails.type eq "work"`, 0)
}

func filterExternalID(ctx context.Context, t *T) {
	ext := t.Name("ExtID")
	id, _ := createUser(t, "extid", obj{"externalId": ext})
	_, rs := list(t, filterPath("/Users", "externalId eq "+q(ext)))
	if d := cmp.Diff([]string{id}, ids(rs)); d != "" {
		t.Errorf("externalId eq: ids (-want +got):\n%s", d)
	}
	if _, rs := list(t, filterPath("/Users", "externalId eq "+q(strings.ToUpper(ext)))); len(rs) != 0 {
		t.Errorf("externalId eq with other case matched %v; externalId is caseExact", ids(rs))
	}
}

func filterLastModified(ctx context.Context, t *T) {
	prefix, seeds := seedUsers(t, "lm", 2, nil)
	g := get(t, "/Users/"+seeds[0])
	lm, _ := attr(g, "meta.lastModified").(string)
	at, err := time.Parse(time.RFC3339Nano, lm)
	if err != nil {
		t.Fatalf("meta.lastModified %q is not an RFC 3339 dateTime: %v", lm, err)
	}
	before := at.Add(-time.Hour).UTC().Format(time.RFC3339)
	after := at.Add(time.Hour).UTC().Format(time.RFC3339)
	expectIDs(t, prefix, seeds, "meta.lastModified gt "+q(before), 0, 1)
	expectIDs(t, prefix, seeds, "meta.lastModified gt "+q(after))
}

func filterBoolean(ctx context.Context, t *T) {
	prefix, seeds := seedUsers(t, "bool", 3, func(i int) obj { return obj{"active": i != 1} })
	expectIDs(t, prefix, seeds, "active eq false", 1)
	expectIDs(t, prefix, seeds, "active eq true", 0, 2)
}

func filterInvalid(ctx context.Context, t *T) {
	for _, f := range []string{`userName eq`, `userName zz "x"`, `(userName eq "x"`, `userName eq "x" and`} {
		checkError(t, t.Do(http.MethodGet, filterPath("/Users", f), nil), "filter "+f, http.StatusBadRequest, "invalidFilter")
	}
}

func searchPost(ctx context.Context, t *T) {
	id, u := createUser(t, "search", nil)
	res := t.Do(http.MethodPost, "/Users/.search", obj{"schemas": []any{searchURN},
		"filter": "userName eq " + q(u["userName"].(string)), "startIndex": 1, "count": 10})
	t.Must(res, "POST /Users/.search", http.StatusOK)
	if d := cmp.Diff([]string{id}, ids(resourcesOf(res))); d != "" {
		t.Errorf("ids (-want +got):\n%s", d)
	}
}

func pageShape(ctx context.Context, t *T) {
	createUser(t, "shape", nil)
	m, rs := list(t, "/Users?startIndex=1&count=2")
	for _, k := range []string{"totalResults", "itemsPerPage", "startIndex"} {
		if _, ok := m[k].(float64); !ok {
			t.Errorf("%s %#v is not a JSON number", k, m[k])
		}
	}
	if m["itemsPerPage"] != float64(len(rs)) || len(rs) > 2 || m["startIndex"] != 1.0 {
		t.Errorf("itemsPerPage %v startIndex %v with %d resources (count=2)", m["itemsPerPage"], m["startIndex"], len(rs))
	}
}

func pageIndex(ctx context.Context, t *T) {
	prefix, seeds := seedUsers(t, "page", 7, nil)
	f := "userName sw " + q(prefix)
	var seen []string
	for start := 1; start <= 7; start += 3 {
		m, rs := list(t, filterPath("/Users", f, fmt.Sprintf("startIndex=%d&count=3", start)))
		if m["totalResults"] != 7.0 || m["startIndex"] != float64(start) || m["itemsPerPage"] != float64(len(rs)) {
			t.Errorf("page at %d: totalResults %v startIndex %v itemsPerPage %v with %d resources, want 7, %d, %d",
				start, m["totalResults"], m["startIndex"], m["itemsPerPage"], len(rs), start, len(rs))
		}
		seen = append(seen, ids(rs)...)
	}
	if d := cmp.Diff(sorted(seeds...), sorted(seen...)); d != "" {
		t.Errorf("union of the pages (-want +got):\n%s", d)
	}
}

func pageCountZero(ctx context.Context, t *T) {
	prefix, _ := seedUsers(t, "zero", 3, nil)
	m, rs := list(t, filterPath("/Users", "userName sw "+q(prefix), "count=0"))
	if m["totalResults"] != 3.0 || len(rs) != 0 {
		t.Errorf("count=0: totalResults %v with %d resources, want 3 and none", m["totalResults"], len(rs))
	}
}

func pageStartBelow1(ctx context.Context, t *T) {
	prefix, seeds := seedUsers(t, "below", 2, nil)
	m, rs := list(t, filterPath("/Users", "userName sw "+q(prefix), "startIndex=0&count=10"))
	if len(rs) != len(seeds) || m["startIndex"] != 1.0 {
		t.Errorf("startIndex=0: %d resources, startIndex %v; want 2 and 1", len(rs), m["startIndex"])
	}
}

func pageBeyondEnd(ctx context.Context, t *T) {
	prefix, _ := seedUsers(t, "beyond", 2, nil)
	m, rs := list(t, filterPath("/Users", "userName sw "+q(prefix), "startIndex=10&count=10"))
	if m["totalResults"] != 2.0 || len(rs) != 0 {
		t.Errorf("startIndex=10: totalResults %v with %d resources, want 2 and none", m["totalResults"], len(rs))
	}
}

func pageWhileWriting(ctx context.Context, t *T) {
	prefix, seeds := seedUsers(t, "pw", 20, nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 15 {
			t.Do(http.MethodPost, "/Users", userBody(fmt.Sprintf("%snew-%02d", prefix, i), nil))
		}
	}()
	seen := map[string]int{}
	for start := 1; start < 60; start += 5 {
		_, rs := list(t, filterPath("/Users", "userName sw "+q(prefix), fmt.Sprintf("startIndex=%d&count=5", start)))
		for _, id := range ids(rs) {
			seen[id]++
		}
		if len(rs) == 0 {
			break
		}
	}
	<-done
	for _, id := range seeds {
		if seen[id] != 1 {
			t.Errorf("user %s created before paging was seen %d times", id, seen[id])
		}
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("user %s appeared on %d pages", id, n)
		}
	}
}

func pageCursor(ctx context.Context, t *T) {
	prefix, seeds := seedUsers(t, "cur", 5, nil)
	var seen []string
	cursor := ""
	for range 10 {
		m, rs := list(t, filterPath("/Users", "userName sw "+q(prefix), "count=2&cursor="+cursor))
		seen = append(seen, ids(rs)...)
		next, _ := m["nextCursor"].(string)
		if next == "" {
			break
		}
		cursor = next
	}
	if d := cmp.Diff(sorted(seeds...), sorted(seen...)); d != "" {
		t.Errorf("cursor pages (-want +got):\n%s", d)
	}
}

func sortUserName(ctx context.Context, t *T) {
	prefix := t.Name("sort") + "-"
	names := []string{"b", "C", "a", "d"}
	for _, n := range names {
		t.Must(t.Do(http.MethodPost, "/Users", userBody(prefix+n, nil)), "POST /Users", http.StatusCreated)
	}
	for _, order := range []string{"ascending", "descending"} {
		_, rs := list(t, filterPath("/Users", "userName sw "+q(prefix), "sortBy=userName&sortOrder="+order))
		var got []string
		for _, r := range rs {
			got = append(got, strings.TrimPrefix(fmt.Sprint(r["userName"]), prefix))
		}
		want := []string{"a", "b", "C", "d"}
		if order == "descending" {
			slices.Reverse(want)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("sortOrder=%s (userName is caseExact false) (-want +got):\n%s", order, d)
		}
	}
}

func attrsInclude(ctx context.Context, t *T) {
	id, _ := createUser(t, "inc", obj{"title": "Engineer"})
	g := get(t, "/Users/"+id+"?attributes=userName")
	if g["id"] != id || g["userName"] == nil {
		t.Errorf("attributes=userName: id %v userName %v, want both", g["id"], g["userName"])
	}
	for _, a := range []string{"title", "name", "emails"} {
		if _, ok := g[a]; ok {
			t.Errorf("attributes=userName returned %s", a)
		}
	}
}

func attrsExclude(ctx context.Context, t *T) {
	id, _ := createUser(t, "exc", nil)
	g := get(t, "/Users/"+id+"?excludedAttributes=name")
	if _, ok := g["name"]; ok {
		t.Errorf("excludedAttributes=name returned name")
	}
	if g["id"] != id || g["userName"] == nil || g["emails"] == nil {
		t.Errorf("excludedAttributes=name dropped other attributes: %v", g)
	}
}

func attrsList(ctx context.Context, t *T) {
	prefix, _ := seedUsers(t, "attl", 2, nil)
	_, rs := list(t, filterPath("/Users", "userName sw "+q(prefix), "attributes=userName"))
	for _, r := range rs {
		if r["id"] == nil || r["userName"] == nil || r["name"] != nil || r["emails"] != nil {
			t.Errorf("attributes=userName on a list returned %v", r)
		}
	}
}
