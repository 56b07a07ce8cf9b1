package storetest

import (
	"errors"
	"testing"

	"github.com/scimkit/scimkit/store"
)

// errInvalidSort is List's answer to a sortBy it refuses.
var errInvalidSort = store.ErrInvalidSort

// membershipSorts are the sortBy paths on attributes kept in the
// membership index: the members of groups and the derived groups of users.
var membershipSorts = map[string][]string{
	"Group": {"members", "members.value", "members.display", "members.type"},
	"User":  {"groups", "groups.display", "groups.value"},
}

// testAgreeMembershipSort: List refuses sortBy on attributes kept in the
// membership index, in index and cursor paging, with or without a filter
// that mentions them, with an error wrapping store.ErrInvalidSort.
func testAgreeMembershipSort(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.users("ms", 2)
	h.create(GroupType(), group("B", u[1], u[0]))
	h.create(GroupType(), group("A", u[0]))
	for typ, paths := range membershipSorts {
		rt := UserType()
		f := h.bind(rt, `groups pr`)
		if typ == "Group" {
			rt, f = GroupType(), h.bind(GroupType(), `members pr`)
		}
		for _, path := range paths {
			for _, q := range []store.Query{
				{SortBy: mustRef(rt, path), Count: 10},
				{SortBy: mustRef(rt, path), Count: 10, Descending: true, Filter: f},
				{SortBy: mustRef(rt, path), Count: 1, UseCursor: true},
			} {
				if _, err := h.s.List(h.ctx, h.ten, rt, q); !errors.Is(err, errInvalidSort) {
					t.Errorf("List %s sortBy %s (filter %v, cursor %t): %v, want an error wrapping store.ErrInvalidSort", typ, path, q.Filter != nil, q.UseCursor, err)
				}
			}
		}
	}
}
