package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

var listTests = []testCase{
	{"IndexPaging", testIndexPaging},
	{"IndexPagingAfterDeletes", testIndexPagingAfterDeletes},
	{"IndexPagingEveryStart", testIndexPagingEveryStart},
	{"CountZero", testCountZero},
	{"Sort", testSort},
	{"SortMeta", testSortMeta},
	{"SortCommon", testSortCommon},
	{"DescendingWithoutSortBy", testDescendingWithoutSortBy},
}

func mustRef(rt *schema.ResourceType, path string) schema.AttrRef {
	ref, ok := rt.LookupPath(path)
	if !ok {
		panic("storetest: unknown path " + path)
	}
	return ref
}

func testIndexPaging(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	all := h.users("p", 25)
	for _, tc := range []struct {
		start, count int
		want         []string
	}{
		{1, 10, all[:10]}, {0, 10, all[:10]}, {-3, 2, all[:2]}, {11, 10, all[10:20]}, {21, 10, all[20:]},
		{25, 1, all[24:]}, {26, 5, []string{}}, {100, 5, []string{}}, {3, 1000, all[2:]},
	} {
		p := h.list(UserType(), store.Query{StartIndex: tc.start, Count: tc.count})
		diff(t, fmt.Sprintf("startIndex %d count %d", tc.start, tc.count), tc.want, ids(p.Resources))
		if p.TotalResults != 25 || p.NextCursor != "" {
			t.Errorf("startIndex %d: total %d cursor %q, want 25 and no cursor", tc.start, p.TotalResults, p.NextCursor)
		}
	}
}

func testIndexPagingAfterDeletes(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	all := h.users("pd", 200)
	var live []string
	for i, id := range all {
		if i%3 == 0 || (i > 50 && i < 150) {
			if err := h.s.Delete(h.ctx, h.ten, UserType(), id, ""); err != nil {
				t.Fatal(err)
			}
			continue
		}
		live = append(live, id)
	}
	var got []string
	for start := 1; start <= len(live); start += 7 {
		p := h.list(UserType(), store.Query{StartIndex: start, Count: 7})
		if p.TotalResults != len(live) {
			t.Fatalf("total %d, want %d", p.TotalResults, len(live))
		}
		got = append(got, ids(p.Resources)...)
	}
	diff(t, "all pages", live, got)
}

func testCountZero(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	h.users("c", 3)
	for _, q := range []store.Query{{Count: 0}, {Count: 0, StartIndex: 2}, {Count: 0, SortBy: mustRef(UserType(), "userName")}, {Count: 0, UseCursor: true}} {
		p := h.list(UserType(), q)
		if len(p.Resources) != 0 || p.TotalResults != 3 {
			t.Errorf("count 0 (%+v): %d resources, total %d; want none and total 3", q, len(p.Resources), p.TotalResults)
		}
	}
	g := h.list(GroupType(), store.Query{Count: 10})
	if g.TotalResults != 0 || len(g.Resources) != 0 {
		t.Errorf("List of a type never written: %+v", g)
	}
}

func withExt(r *schema.Resource, kv ...any) *schema.Resource {
	r.Attrs[TestExtensionSchema] = ext(kv...)
	r.Schemas = append(r.Schemas, TestExtensionSchema)
	return r
}

func testSort(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	mk := []*schema.Resource{
		withExt(user("s0", "displayName", "beta", "emails", []any{map[string]any{"value": "z@x"}, map[string]any{"value": "a@x", "primary": true}}, "name", map[string]any{"familyName": "Ö"}),
			"score", int64(10), "ratio", 0.5, "hired", "2024-01-01T00:00:00Z", "vip", true, "code", "b", "tags", []any{"q", "a"}),
		withExt(user("s1", "displayName", "Alpha", "emails", []any{map[string]any{"value": "m@x"}}, "name", map[string]any{"familyName": "o"}),
			"score", int64(-5), "ratio", 2.0, "hired", "2023-12-31T23:00:00-02:00", "vip", false, "code", "B"),
		user("s2", "emails", []any{map[string]any{"value": "B@x"}, map[string]any{"value": "c@x"}}),
		withExt(user("s3", "displayName", "alpha", "name", map[string]any{"givenName": "x"}),
			"score", int64(10), "ratio", 1.25, "hired", "2024-01-01T00:30:00+01:00", "vip", false, "code", "a", "tags", []any{"b"}),
		withExt(user("s4", "displayName", "Beta"), "score", int64(3), "ratio", -1.0, "vip", true),
		user("s5", "displayName", "ärger"),
		user("s6", "displayName", "Zed"),
	}
	id := make([]string, len(mk))
	for i, r := range mk {
		id[i] = h.create(UserType(), r).ID
	}
	pick := func(is ...int) []string {
		out := []string{}
		for _, i := range is {
			out = append(out, id[i])
		}
		return out
	}
	for _, tc := range []struct {
		path      string
		asc, desc []string
	}{
		{"displayName", pick(1, 3, 0, 4, 6, 5, 2), pick(2, 5, 6, 0, 4, 1, 3)},
		{"DISPLAYNAME", pick(1, 3, 0, 4, 6, 5, 2), pick(2, 5, 6, 0, 4, 1, 3)},
		{"userName", pick(0, 1, 2, 3, 4, 5, 6), pick(6, 5, 4, 3, 2, 1, 0)},
		{"urn:scimkit:params:scim:schemas:extension:storetest:2.0:User:score", pick(1, 4, 0, 3, 2, 5, 6), pick(2, 5, 6, 0, 3, 4, 1)},
		{"ratio", pick(4, 0, 3, 1, 2, 5, 6), pick(2, 5, 6, 1, 3, 0, 4)},
		{"hired", pick(3, 0, 1, 2, 4, 5, 6), pick(2, 4, 5, 6, 1, 0, 3)},
		{"vip", pick(1, 3, 0, 4, 2, 5, 6), pick(2, 5, 6, 0, 4, 1, 3)},
		{"code", pick(1, 3, 0, 2, 4, 5, 6), pick(2, 4, 5, 6, 0, 3, 1)},
		{"tags", pick(3, 0, 1, 2, 4, 5, 6), pick(1, 2, 4, 5, 6, 0, 3)},
		{"emails", pick(0, 2, 1, 3, 4, 5, 6), pick(3, 4, 5, 6, 1, 2, 0)},
		{"emails.value", pick(0, 2, 1, 3, 4, 5, 6), pick(3, 4, 5, 6, 1, 2, 0)},
		{"name.familyName", pick(1, 0, 2, 3, 4, 5, 6), pick(2, 3, 4, 5, 6, 0, 1)},
	} {
		ref := mustRef(UserType(), tc.path)
		p := h.list(UserType(), store.Query{SortBy: ref, Count: 100})
		diff(t, "sortBy "+tc.path+" ascending", tc.asc, ids(p.Resources))
		p = h.list(UserType(), store.Query{SortBy: ref, Descending: true, Count: 100})
		diff(t, "sortBy "+tc.path+" descending", tc.desc, ids(p.Resources))
		p = h.list(UserType(), store.Query{SortBy: ref, StartIndex: 3, Count: 2})
		diff(t, "sortBy "+tc.path+" ascending, startIndex 3 count 2", tc.asc[2:4], ids(p.Resources))
		if p.TotalResults != len(mk) {
			t.Errorf("sortBy %s: total %d", tc.path, p.TotalResults)
		}
	}
}

func testSortMeta(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	var id []string
	for i := range 3 {
		id = append(id, h.create(UserType(), user(fmt.Sprint("m", i))).ID)
		time.Sleep(2 * time.Millisecond)
	}
	h.update(UserType(), id[0], store.Update{Apply: set("title", "x")})
	for _, tc := range []struct {
		path      string
		asc, desc []string
	}{
		{"meta.created", id, []string{id[2], id[1], id[0]}},
		{"meta.lastModified", []string{id[1], id[2], id[0]}, []string{id[0], id[2], id[1]}},
		{"meta.resourceType", id, id},
	} {
		ref := mustRef(UserType(), tc.path)
		diff(t, tc.path+" ascending", tc.asc, ids(h.list(UserType(), store.Query{SortBy: ref, Count: 10}).Resources))
		diff(t, tc.path+" descending", tc.desc, ids(h.list(UserType(), store.Query{SortBy: ref, Count: 10, Descending: true}).Resources))
	}
}

func testSortCommon(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	var id []string
	for i, ext := range []string{"b", "", "A", "a", ""} {
		u := user(fmt.Sprint("c", i))
		u.ExternalID = ext
		id = append(id, h.create(UserType(), u).ID)
	}
	byID := slices.Clone(id)
	slices.Sort(byID)
	diff(t, "sortBy id", byID, ids(h.list(UserType(), store.Query{SortBy: mustRef(UserType(), "id"), Count: 10}).Resources))
	diff(t, "sortBy externalId (caseExact)", []string{id[2], id[3], id[0], id[1], id[4]},
		ids(h.list(UserType(), store.Query{SortBy: mustRef(UserType(), "externalId"), Count: 10}).Resources))
	diff(t, "sortBy externalId descending", []string{id[1], id[4], id[0], id[3], id[2]},
		ids(h.list(UserType(), store.Query{SortBy: mustRef(UserType(), "externalId"), Descending: true, Count: 10}).Resources))
}

func testDescendingWithoutSortBy(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	all := h.users("d", 5)
	diff(t, "descending without sortBy", all, ids(h.list(UserType(), store.Query{Descending: true, Count: 10}).Resources))
	var got []string
	cur := ""
	for {
		p := h.list(UserType(), store.Query{Descending: true, Count: 2, UseCursor: true, Cursor: cur})
		got = append(got, ids(p.Resources)...)
		if cur = p.NextCursor; cur == "" {
			break
		}
	}
	diff(t, "descending without sortBy, cursor pages", all, got)
}

// testIndexPagingEveryStart pages from every startIndex with several
// counts, with and without a filter, after deletes: each page is the
// matching slice of the whole list (backends may count from either end).
func testIndexPagingEveryStart(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	all := h.users("e", 13)
	for _, id := range []string{all[0], all[6], all[12]} {
		if err := h.s.Delete(h.ctx, h.ten, UserType(), id, ""); err != nil {
			t.Fatal(err)
		}
	}
	h.users("x", 4)
	f, err := filter.Parse(`userName sw "e"`)
	if err == nil {
		f, err = filter.Bind(UserType(), f)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, fl := range []filter.Expr{nil, f} {
		whole := ids(h.list(UserType(), store.Query{Filter: fl, Count: 100}).Resources)
		for start := 1; start <= len(whole)+2; start++ {
			for _, count := range []int{1, 2, 5} {
				p := h.list(UserType(), store.Query{Filter: fl, StartIndex: start, Count: count})
				want := whole[min(start-1, len(whole)):min(start-1+count, len(whole))]
				if p.TotalResults != len(whole) {
					t.Errorf("filter %v start %d count %d: total %d, want %d", fl, start, count, p.TotalResults, len(whole))
				}
				diff(t, fmt.Sprintf("filter %v start %d count %d", fl, start, count), append([]string{}, want...), ids(p.Resources))
			}
		}
	}
}
