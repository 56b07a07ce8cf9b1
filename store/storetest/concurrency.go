package storetest

import (
	"errors"
	"fmt"
	"math/rand"
	"slices"
	"sync"
	"testing"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

var concurrencyTests = []testCase{
	{"MemberWriters", testConcurrentMemberWriters},
	{"DistinctAttributes", testConcurrentAttributes},
	{"IfMatchRace", testIfMatchRace},
	{"ReadersAndWriters", testReadersAndWriters},
}

// testConcurrentMemberWriters: 32 writers add and remove their own members
// of one group at the same time (Entra sends parallel PATCHes to a group);
// the final member set equals the model, so no update was lost.
func testConcurrentMemberWriters(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	g := h.create(GroupType(), group("Hot")).ID
	const writers, perWriter, steps = 32, 6, 10
	ids := map[string]string{} // "wNN-mK" → the id of that user (members must resolve)
	for w := range writers {
		for k, id := range h.users(fmt.Sprintf("w%02d-m", w), perWriter) {
			ids[fmt.Sprintf("w%02d-m%d", w, k)] = id
		}
	}
	models := make([]map[string]bool, writers)
	changes := make([]int, writers)
	var wg sync.WaitGroup
	for w := range writers {
		models[w] = map[string]bool{}
		wg.Go(func() {
			rng := rand.New(rand.NewSource(int64(w)))
			for range steps {
				var d schema.MemberDelta
				d.Kind = schema.DeltaAdd
				if rng.Intn(3) == 0 {
					d.Kind = schema.DeltaRemove
				}
				for range 1 + rng.Intn(3) {
					d.Members = append(d.Members, schema.Member{Value: ids[fmt.Sprintf("w%02d-m%d", w, rng.Intn(perWriter))], Type: "User"})
				}
				_, ch, err := h.s.Update(h.ctx, h.ten, GroupType(), g, store.Update{Apply: set(), MemberDeltas: []schema.MemberDelta{d}})
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
				if len(ch.MembersAdded)+len(ch.MembersRemoved) > 0 {
					changes[w]++
				}
				for _, m := range d.Members {
					models[w][m.Value] = d.Kind == schema.DeltaAdd
				}
			}
		})
	}
	wg.Wait()
	var want []string
	total := 1
	for w, m := range models {
		for v, in := range m {
			if in {
				want = append(want, v)
			}
		}
		total += changes[w]
	}
	diff(t, "final members", sorted(want), sorted(h.members(g)))
	if v := h.get(GroupType(), g, store.ReadOptions{OmitMembers: true}).Meta.Version; v != backend.FormatVersion(int64(total)) {
		t.Errorf("version %s, want %s (1 + number of changing updates)", v, backend.FormatVersion(int64(total)))
	}
}

var distinctAttrs = []string{"nickName", "title", "userType", "preferredLanguage", "locale", "timezone", "displayName", "profileUrl"}

// testConcurrentAttributes: writers each PATCH their own attribute of one
// user at the same time; every last write survives.
func testConcurrentAttributes(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.create(UserType(), user("busy")).ID
	const rounds = 5
	var wg sync.WaitGroup
	for _, a := range distinctAttrs {
		wg.Go(func() {
			for r := range rounds {
				if _, _, err := h.s.Update(h.ctx, h.ten, UserType(), u, store.Update{Apply: set(a, fmt.Sprint(a, r))}); err != nil {
					t.Errorf("update %s: %v", a, err)
				}
			}
		})
	}
	wg.Wait()
	got := h.get(UserType(), u, store.ReadOptions{})
	want := map[string]any{"userName": "busy"}
	for _, a := range distinctAttrs {
		want[a] = fmt.Sprint(a, rounds-1)
	}
	diff(t, "attributes after concurrent updates", want, got.Attrs)
	if v := backend.FormatVersion(int64(1 + rounds*len(distinctAttrs))); got.Meta.Version != v {
		t.Errorf("version %s, want %s", got.Meta.Version, v)
	}
}

// testIfMatchRace: of several updates sent with the same If-Match, exactly
// one wins.
func testIfMatchRace(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.create(UserType(), user("etag-race"))
	const n = 12
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, _, errs[i] = h.s.Update(h.ctx, h.ten, UserType(), u.ID, store.Update{IfMatch: u.Meta.Version, Apply: set("title", fmt.Sprint(i))})
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrPrecondition):
			t.Errorf("update: %v, want nil or ErrPrecondition", err)
		}
	}
	if won != 1 {
		t.Errorf("%d updates with If-Match %s succeeded, want 1", won, u.Meta.Version)
	}
}

// testReadersAndWriters runs reads during writes; with -race it finds
// shared mutable state, and reads must always see whole resources.
func testReadersAndWriters(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	ids := h.users("rw", 10)
	g := h.create(GroupType(), group("RW", ids[:5]...)).ID
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 15 {
				id := ids[(w*15+i)%len(ids)]
				if _, _, err := h.s.Update(h.ctx, h.ten, UserType(), id, store.Update{Apply: set("title", fmt.Sprint(i))}); err != nil {
					t.Error(err)
				}
				d := addDelta(id)
				if i%2 == 1 {
					d = removeDelta(id)
				}
				if _, _, err := h.s.Update(h.ctx, h.ten, GroupType(), g, store.Update{Apply: set(), MemberDeltas: d}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			for i := range 15 {
				r, err := h.s.Get(h.ctx, h.ten, UserType(), ids[i%len(ids)], store.ReadOptions{})
				if err != nil || r.Attrs["userName"] == nil {
					t.Errorf("Get during writes: %v %v", r, err)
					continue
				}
				r.Attrs["title"] = "mine" // results are the caller's
				p, err := h.s.List(h.ctx, h.ten, UserType(), store.Query{Count: 5, SortBy: mustRef(UserType(), "title")})
				if err != nil || p.TotalResults != len(ids) {
					t.Errorf("List during writes: %v", err)
				}
				gr, err := h.s.Get(h.ctx, h.ten, GroupType(), g, store.ReadOptions{})
				if err != nil || slices.ContainsFunc(memberValues(gr, "members"), func(s string) bool { return s == "" }) {
					t.Errorf("Get group during writes: %v", err)
				}
			}
		})
	}
	wg.Wait()
}
