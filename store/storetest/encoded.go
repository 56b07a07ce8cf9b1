package storetest

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

var encodedTests = []testCase{
	{"SameAsList", testEncodedSameAsList},
}

// testEncodedSameAsList checks store.EncodedLister against List: for many
// queries (filters, sorts, index and cursor pages, groups with and without
// members) the default projection written from ListEncoded equals, as
// JSON, the one written from List, with the same totals and cursors. The
// corpus has users whose stored attributes the projection must drop
// (password, an extension's returned:never and returned:request
// attributes), trim (a returned:never sub-attribute) or escape.
func testEncodedSameAsList(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	el, ok := h.s.(store.EncodedLister)
	if !ok {
		t.Skip("the store does not implement store.EncodedLister (optional)")
	}
	l := h.load(newCorpus(1, 200, 30))
	x := TestExtensionSchema
	specials := []*schema.Resource{
		user("hidden-password", "password", phc, "displayName", "t0p-Secret"), // stored: a hash (Shape.Password)
		user("hidden-ext", x, map[string]any{"pin": "1234", "note": "only on request", "code": "only on request"}),
		user("hidden-all-ext", x, map[string]any{"pin": "9999", "note": "n"}),
		user("trimmed-sub", x, map[string]any{"key": map[string]any{"id": "k1", "secret": "s3cret"}}),
		user("escapes <&> \"q\" \\ \u2028 \u00e9 \U0001F600", "displayName", "tab\tnew\nline\x01", "title", "<script>",
			"emails", []any{map[string]any{"value": "o'brien+tag@exa\"mple.com", "type": "work"}, map[string]any{"value": "o'brien+tag@exa\"mple.com"}}),
		user("refs-and-numbers@example.com", "displayName", "refs-and-numbers@example.com", "nickName", "refs-and-numbers@example.com",
			x, map[string]any{"score": int64(-9007199254740993), "ratio": 1e-7, "vip": false, "tags": []any{"a", "a", "bbbb", "bbbb"}}),
	}
	for _, u := range specials {
		u.Schemas = append(u.Schemas, x)
		h.create(UserType(), u)
	}
	sub := substitutions(l)
	var queries []struct {
		rt *schema.ResourceType
		q  store.Query
	}
	add := func(rt *schema.ResourceType, q store.Query) {
		queries = append(queries, struct {
			rt *schema.ResourceType
			q  store.Query
		}{rt, q})
	}
	for _, start := range []int{0, 1, 7, 150, 199, 205, 400} {
		add(UserType(), store.Query{StartIndex: start, Count: 25})
	}
	add(UserType(), store.Query{Count: 1000})
	add(UserType(), store.Query{Count: 0})
	add(UserType(), store.Query{Count: 1000, Read: store.ReadOptions{OmitGroups: true}})
	add(GroupType(), store.Query{Count: 1000})
	add(GroupType(), store.Query{Count: 1000, Read: store.ReadOptions{OmitMembers: true}})
	for _, text := range append(userFilters, `userName sw "hidden"`, `userName sw "escapes"`, `pin pr`, `key.secret eq "s3cret"`) {
		e, err := filter.Parse(sub.Replace(text))
		if err != nil {
			t.Fatalf("suite bug: Parse(%s): %v", text, err)
		}
		b, err := filter.Bind(UserType(), e)
		if err != nil {
			continue
		}
		add(UserType(), store.Query{Filter: b, Count: 1000})
	}
	for _, by := range []string{"userName", "displayName", "emails.value", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"} {
		ref, ok := UserType().LookupPath(by)
		if !ok {
			t.Fatalf("suite bug: path %s", by)
		}
		add(UserType(), store.Query{SortBy: ref, Descending: by == "displayName", StartIndex: 3, Count: 40})
		add(UserType(), store.Query{SortBy: ref, UseCursor: true, Count: 40})
	}
	add(UserType(), store.Query{UseCursor: true, Count: 30})

	for i, tc := range queries {
		want, err := h.s.List(h.ctx, h.ten, tc.rt, tc.q)
		if err != nil {
			t.Fatalf("query %d: List: %v", i, err)
		}
		got, err := el.ListEncoded(h.ctx, h.ten, tc.rt, tc.q, nil)
		if err != nil {
			t.Fatalf("query %d: ListEncoded: %v", i, err)
		}
		what := fmt.Sprintf("query %d (%s, filter %v, sort %v, start %d, count %d, cursor %v)", i, tc.rt.Name, tc.q.Filter, tc.q.SortBy, tc.q.StartIndex, tc.q.Count, tc.q.UseCursor)
		if got.TotalResults != want.TotalResults || got.NextCursor != want.NextCursor {
			t.Errorf("%s: ListEncoded totalResults %d, nextCursor %q; List %d, %q", what, got.TotalResults, got.NextCursor, want.TotalResults, want.NextCursor)
		}
		if len(got.Members) != len(got.Resources) {
			t.Fatalf("%s: %d Members for %d Resources", what, len(got.Members), len(got.Resources))
		}
		diff(t, what, jsonOf(t, tc.rt, want.Resources, nil), jsonOf(t, tc.rt, got.Resources, got.Members))
	}
}

// jsonOf writes each resource in the default projection, as a handler
// would, and decodes it again.
func jsonOf(t *testing.T, rt *schema.ResourceType, rs []*schema.Resource, members [][]byte) []any {
	t.Helper()
	out := make([]any, len(rs))
	for i, r := range rs {
		var m []byte
		if members != nil {
			m = members[i]
		}
		data, err := rt.Project(r, nil, nil).AppendJSONWith(nil, m)
		if err != nil {
			t.Fatalf("AppendJSONWith %s: %v", r.ID, err)
		}
		if err := json.Unmarshal(data, &out[i]); err != nil {
			t.Fatalf("resource %s is not valid JSON: %v\n%s", r.ID, err, data)
		}
	}
	return out
}

// RunEncodedRenders checks what a store.EncodedLister is for: a page of
// typical users (TypicalUser), in index and cursor mode and filtered by
// userName, comes back rendered by the store (every Members entry set, the
// Attrs of each resource without stored attributes), not left to the
// caller to decode. SameAsList (in Run) checks what it renders.
func RunEncodedRenders(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Helper()
	h := newH(t, newStore)
	el, ok := h.s.(store.EncodedLister)
	if !ok {
		t.Skip("the store does not implement store.EncodedLister (optional)")
	}
	var names []string
	for i := range 30 {
		u := h.create(UserType(), TypicalUser(i))
		names = append(names, u.Attrs["userName"].(string))
	}
	f, err := filter.Parse(fmt.Sprintf("userName eq %q", names[7]))
	if err != nil {
		t.Fatal(err)
	}
	eq, err := filter.Bind(UserType(), f)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []store.Query{
		{StartIndex: 3, Count: 20},
		{UseCursor: true, Count: 20},
		{Filter: eq, Count: 10},
	} {
		p, err := el.ListEncoded(h.ctx, h.ten, UserType(), q, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Resources) == 0 || len(p.Members) != len(p.Resources) {
			t.Fatalf("query %+v: %d resources, %d members", q, len(p.Resources), len(p.Members))
		}
		for i, m := range p.Members {
			if m == nil {
				t.Errorf("query %+v: resource %d (%s) left to the caller", q, i, p.Resources[i].ID)
			}
			for k := range p.Resources[i].Attrs {
				if k != "groups" {
					t.Errorf("query %+v: resource %d rendered, yet Attrs holds %q", q, i, k)
				}
			}
		}
	}
}
