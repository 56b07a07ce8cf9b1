package memory_test

import (
	"errors"
	"testing"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/storetest"
)

// A cursor is valid only for the query it was issued for (store.Query:
// "a Page.NextCursor from an earlier call with the same filter and sort";
// RFC 9865 invalidCursor): sent with another resource type or another
// filter it is ErrInvalidCursor, not a position that silently ends the
// walk with an empty page.
func TestCursorBoundToQuery(t *testing.T) {
	ctx := t.Context()
	s := newStore(t)
	users, groups := storetest.UserType(), storetest.GroupType()
	for i := range 3 {
		if _, err := s.Create(ctx, "t", users, storetest.TypicalUser(i)); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{"g1", "g2"} {
		g := &schema.Resource{Schemas: []string{schema.GroupSchema}, Attrs: map[string]any{"displayName": n}}
		if _, err := s.Create(ctx, "t", groups, g); err != nil {
			t.Fatal(err)
		}
	}
	bind := func(rt *schema.ResourceType, f string) filter.Expr {
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
		p, err := s.List(ctx, "t", rt, store.Query{UseCursor: true, Count: 1, Filter: f})
		if err != nil || p.NextCursor == "" {
			t.Fatalf("first page: %v, %+v", err, p)
		}
		return p.NextCursor
	}
	active := bind(users, "active eq true")
	cases := []struct {
		name   string
		rt     *schema.ResourceType
		cursor string
		filter filter.Expr
		ok     bool
	}{
		{"same type, no filter", users, first(users, nil), nil, true},
		{"same filter", users, first(users, active), active, true},
		{"group cursor on users", users, first(groups, nil), nil, false},
		{"user cursor on groups", groups, first(users, nil), nil, false},
		{"unfiltered cursor with a filter", users, first(users, nil), active, false},
		{"filtered cursor without a filter", users, first(users, active), nil, false},
		{"other filter", users, first(users, active), bind(users, `userName sw "b"`), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.List(ctx, "t", c.rt, store.Query{UseCursor: true, Cursor: c.cursor, Count: 1, Filter: c.filter})
			if got := err == nil; got != c.ok {
				t.Errorf("err = %v, want ok=%v", err, c.ok)
			}
			if err != nil && !errors.Is(err, store.ErrInvalidCursor) {
				t.Errorf("err = %v, want ErrInvalidCursor", err)
			}
		})
	}
}
