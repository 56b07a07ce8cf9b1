package storetest

import (
	"errors"
	"testing"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

var versionTests = []testCase{
	{"Monotonic", testVersionMonotonic},
	{"NoOpKeepsVersion", testNoOpKeepsVersion},
	{"IfMatch", testIfMatch},
}

func testVersionMonotonic(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.create(UserType(), user("v"))
	prev := u
	for i, title := range []string{"a", "b", "c"} {
		got, _ := h.update(UserType(), u.ID, store.Update{Apply: set("title", title)})
		if want := backend.FormatVersion(int64(i + 2)); got.Meta.Version != want {
			t.Errorf("version after update %d = %s, want %s", i+1, got.Meta.Version, want)
		}
		if !got.Meta.Created.Equal(u.Meta.Created) || got.Meta.LastModified.Before(prev.Meta.LastModified) {
			t.Errorf("meta after update %d = %+v; created must stay %v and lastModified not go back from %v", i+1, got.Meta, u.Meta.Created, prev.Meta.LastModified)
		}
		prev = got
	}
}

func testNoOpKeepsVersion(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.create(UserType(), TypicalUser(7))
	got, ch := h.update(UserType(), u.ID, store.Update{Apply: func(cur *schema.Resource) (*schema.Resource, error) { return cur.Clone(), nil }})
	diff(t, "resource after no-op update", u, got)
	if len(ch.MembersAdded)+len(ch.MembersRemoved) != 0 {
		t.Errorf("no-op update reported member changes %+v", ch)
	}
	g := h.create(GroupType(), group("G", u.ID))
	got, _ = h.update(GroupType(), g.ID, store.Update{Apply: set(), MemberDeltas: addDelta(u.ID)})
	if got.Meta.Version != `W/"1"` {
		t.Errorf("version after re-adding a present member = %s, want W/\"1\"", got.Meta.Version)
	}
	got, _ = h.update(GroupType(), g.ID, store.Update{Apply: set(), MemberDeltas: removeDelta("absent")})
	if got.Meta.Version != `W/"1"` {
		t.Errorf("version after removing an absent member = %s, want W/\"1\"", got.Meta.Version)
	}
}

func testIfMatch(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.create(UserType(), user("etag"))
	h.update(UserType(), u.ID, store.Update{Apply: set("title", "v2")}) // now W/"2"
	n := 0
	for _, tc := range []struct {
		ifMatch string
		ok      bool
	}{
		{`W/"1"`, false}, {`W/"3"`, false}, {`"1"`, false}, {"garbage", false}, {`W/"-2"`, false},
		{`W/"2"`, true}, {`"3"`, true}, {`4`, true}, {"*", true}, {"", true},
	} {
		got, _, err := h.s.Update(h.ctx, h.ten, UserType(), u.ID, store.Update{IfMatch: tc.ifMatch, Apply: set("title", tc.ifMatch+"!")})
		switch {
		case tc.ok && err != nil:
			t.Errorf("Update with If-Match %s: %v", tc.ifMatch, err)
		case tc.ok:
			n++
			if want := backend.FormatVersion(int64(2 + n)); got.Meta.Version != want {
				t.Errorf("Update with If-Match %s: version %s, want %s", tc.ifMatch, got.Meta.Version, want)
			}
		case !errors.Is(err, store.ErrPrecondition):
			t.Errorf("Update with If-Match %s on version 2: %v, want ErrPrecondition", tc.ifMatch, err)
		}
	}
	if got := h.get(UserType(), u.ID, store.ReadOptions{}); got.Meta.Version != backend.FormatVersion(int64(2+n)) {
		t.Errorf("final version %s, want %s", got.Meta.Version, backend.FormatVersion(int64(2+n)))
	}
}
