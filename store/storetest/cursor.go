package storetest

import (
	"encoding/base64"
	"errors"
	"fmt"
	"testing"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

var cursorTests = []testCase{
	{"Pages", testCursorPages},
	{"SortedPagesEqualIndexOrder", testCursorSorted},
	{"StableWhileInserting", testCursorWhileInserting},
	{"DeletedRow", testCursorDeletedRow},
	{"Invalid", testCursorInvalid},
	{"BoundToQuery", testCursorBoundToQuery},
}

// pages follows cursors from the start and returns the ids in order,
// calling between after each page.
func (h *h) pages(rt *schema.ResourceType, q store.Query, between func(page int)) []string {
	h.t.Helper()
	q.UseCursor, q.Cursor = true, ""
	var got []string
	for n := 0; ; n++ {
		if n > 1000 {
			h.t.Fatal("cursor paging does not end")
		}
		p := h.list(rt, q)
		if len(p.Resources) > q.Count {
			h.t.Fatalf("page of %d resources for count %d", len(p.Resources), q.Count)
		}
		got = append(got, ids(p.Resources)...)
		if p.NextCursor == "" {
			return got
		}
		if len(p.Resources) == 0 {
			h.t.Fatal("empty page with a next cursor")
		}
		q.Cursor = p.NextCursor
		if between != nil {
			between(n)
		}
	}
}

func testCursorPages(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	all := h.users("c", 20)
	for _, count := range []int{1, 3, 5, 7, 20, 50} {
		diff(t, fmt.Sprint("cursor pages of ", count), all, h.pages(UserType(), store.Query{Count: count}, nil))
	}
	// The page that ends the results has no next cursor, even when full.
	p := h.list(UserType(), store.Query{Count: 20, UseCursor: true})
	if p.NextCursor != "" || p.TotalResults != 20 {
		t.Errorf("single full page: cursor %q total %d, want no cursor and total 20", p.NextCursor, p.TotalResults)
	}
	p = h.list(UserType(), store.Query{Count: 5, UseCursor: true, StartIndex: 7})
	diff(t, "cursor mode ignores startIndex", all[:5], ids(p.Resources))
}

func testCursorSorted(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	names := []string{"b", "A", "a", "", "c", "B", "", "ä", "b", "Z"}
	for i, n := range names {
		u := user(fmt.Sprint("u", i))
		if n != "" {
			u.Attrs["displayName"] = n
		}
		h.create(UserType(), u)
	}
	for _, desc := range []bool{false, true} {
		q := store.Query{SortBy: mustRef(UserType(), "displayName"), Descending: desc, Count: 100}
		want := ids(h.list(UserType(), q).Resources)
		for _, count := range []int{1, 2, 3, 4} {
			q.Count = count
			diff(t, fmt.Sprintf("descending %v, pages of %d", desc, count), want, h.pages(UserType(), q, nil))
		}
	}
}

// testCursorWhileInserting pages while other users are created and
// deleted between pages: no resource is seen twice, and every resource
// that exists during the whole paging is seen.
func testCursorWhileInserting(t *testing.T, newStore factory) {
	for _, tc := range []struct {
		name string
		q    store.Query
	}{
		{"creation order", store.Query{Count: 4}},
		{"userName", store.Query{Count: 4, SortBy: mustRef(UserType(), "userName")}},
		{"userName descending", store.Query{Count: 4, SortBy: mustRef(UserType(), "userName"), Descending: true}},
		{"displayName with ties", store.Query{Count: 3, SortBy: mustRef(UserType(), "displayName")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newH(t, newStore)
			stable := map[string]bool{}
			var doomed []string
			for i := range 30 {
				u := h.create(UserType(), user(fmt.Sprintf("m%02d", i), "displayName", fmt.Sprint("d", i%4)))
				if i%5 == 4 {
					doomed = append(doomed, u.ID)
				} else {
					stable[u.ID] = true
				}
			}
			got := h.pages(UserType(), tc.q, func(n int) {
				if n >= 6 {
					return
				}
				for j, name := range []string{"a", "m15x", "z", "M00"} {
					h.create(UserType(), user(fmt.Sprintf("%s-%d-%d", name, n, j), "displayName", fmt.Sprint("d", j)))
				}
				if n < len(doomed) {
					if err := h.s.Delete(h.ctx, h.ten, UserType(), doomed[n], ""); err != nil {
						t.Fatal(err)
					}
				}
			})
			seen := map[string]bool{}
			for _, id := range got {
				if seen[id] {
					t.Errorf("resource %s seen twice", id)
				}
				seen[id] = true
			}
			for id := range stable {
				if !seen[id] {
					t.Errorf("resource %s, present throughout, was skipped", id)
				}
			}
		})
	}
}

func testCursorDeletedRow(t *testing.T, newStore factory) {
	for _, q := range []store.Query{{Count: 3}, {Count: 3, SortBy: mustRef(UserType(), "userName")}} {
		h := newH(t, newStore)
		all := h.users("r", 9)
		q.UseCursor = true
		p := h.list(UserType(), q)
		if err := h.s.Delete(h.ctx, h.ten, UserType(), all[2], ""); err != nil {
			t.Fatal(err)
		}
		q.Cursor = p.NextCursor
		p = h.list(UserType(), q)
		diff(t, "page after the cursor's row was deleted", all[3:6], ids(p.Resources))
	}
}

func testCursorInvalid(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	h.users("i", 5)
	byName := store.Query{Count: 2, UseCursor: true, SortBy: mustRef(UserType(), "userName")}
	p := h.list(UserType(), byName)
	if p.NextCursor == "" {
		t.Fatal("no next cursor")
	}
	byDisplay := byName
	byDisplay.SortBy, byDisplay.Cursor = mustRef(UserType(), "displayName"), p.NextCursor
	descending := byName
	descending.Descending, descending.Cursor = true, p.NextCursor
	for name, q := range map[string]store.Query{
		"garbage":             {Count: 2, UseCursor: true, Cursor: "not a cursor!"},
		"base64 junk":         {Count: 2, UseCursor: true, Cursor: base64.RawURLEncoding.EncodeToString([]byte("junk"))},
		"other sort":          byDisplay,
		"other sort order":    descending,
		"sorted cursor, none": {Count: 2, UseCursor: true, Cursor: p.NextCursor},
	} {
		_, err := h.s.List(h.ctx, h.ten, UserType(), q)
		if !errors.Is(err, store.ErrInvalidCursor) {
			t.Errorf("List with cursor %s: %v, want ErrInvalidCursor", name, err)
		}
	}
}

// testCursorBoundToQuery: a cursor is valid only for the resource type and
// filter it was issued for (store.Query: "a Page.NextCursor from an earlier
// call with the same filter and sort"; RFC 9865 invalidCursor). A /Groups
// cursor sent to /Users, or a cursor sent with another filter, must not be
// taken as a bare position that silently ends or skews the walk.
func testCursorBoundToQuery(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	for i := range 3 {
		h.create(UserType(), user(fmt.Sprint("b", i), "active", true))
	}
	h.create(GroupType(), group("g1"))
	h.create(GroupType(), group("g2"))
	bind := func(rt *schema.ResourceType, f string) filter.Expr {
		t.Helper()
		e, err := filter.Parse(f)
		if err == nil {
			e, err = filter.Bind(rt, e)
		}
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	first := func(rt *schema.ResourceType, f filter.Expr) string {
		t.Helper()
		p := h.list(rt, store.Query{UseCursor: true, Count: 1, Filter: f})
		if p.NextCursor == "" {
			t.Fatalf("first page of %s: no next cursor", rt.Name)
		}
		return p.NextCursor
	}
	active := bind(UserType(), "active eq true")
	for _, c := range []struct {
		name   string
		rt     *schema.ResourceType
		cursor string
		filter filter.Expr
		ok     bool
	}{
		{"same type, no filter", UserType(), first(UserType(), nil), nil, true},
		{"same filter", UserType(), first(UserType(), active), active, true},
		{"group cursor on users", UserType(), first(GroupType(), nil), nil, false},
		{"user cursor on groups", GroupType(), first(UserType(), nil), nil, false},
		{"unfiltered cursor with a filter", UserType(), first(UserType(), nil), active, false},
		{"filtered cursor without a filter", UserType(), first(UserType(), active), nil, false},
		{"other filter", UserType(), first(UserType(), active), bind(UserType(), `userName sw "b"`), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := h.s.List(h.ctx, h.ten, c.rt, store.Query{UseCursor: true, Cursor: c.cursor, Count: 1, Filter: c.filter})
			if got := err == nil; got != c.ok {
				t.Errorf("err = %v, want ok=%v", err, c.ok)
			}
			if err != nil && !errors.Is(err, store.ErrInvalidCursor) {
				t.Errorf("err = %v, want ErrInvalidCursor", err)
			}
		})
	}
}
