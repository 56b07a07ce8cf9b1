package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

var encodedTests = []testCase{
	{"SameAsList", testEncodedSameAsList},
	{"AfterUpdate", testEncodedAfterUpdate},
	{"AfterRecreate", testEncodedAfterRecreate},
	{"AfterFailedWrite", testEncodedAfterFailedWrite},
	{"WhileWriting", testEncodedWhileWriting},
	{"CopiesOut", testEncodedCopiesOut},
}

// testEncodedCopiesOut: the resources of a page are the caller's, even
// those a store serves from what it keeps rendered: changing their
// schemas and meta, and appending to their schemas, changes nothing the
// next page shows.
func testEncodedCopiesOut(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	el := encodedLister(t, h.s)
	for i := range 5 {
		u := user(fmt.Sprintf("user%d", i), "displayName", "D")
		u.Schemas = append(u.Schemas, TestExtensionSchema)
		h.create(UserType(), u)
	}
	want := encodedPage(h, el)
	for range 2 {
		p, err := el.ListEncoded(h.ctx, h.ten, UserType(), store.Query{Count: 1000}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Resources {
			if len(r.Schemas) > 0 {
				r.Schemas[0] = "urn:changed"
			}
			r.Schemas = append(r.Schemas[:min(1, len(r.Schemas))], "urn:appended")
			r.ID, r.Meta.Version, r.Meta.ResourceType = "changed", `W/"changed"`, "Changed"
		}
	}
	diff(t, "page after changing an earlier page's resources", want, encodedPage(h, el))
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
		// Twice: a store that keeps renderings (a cache) serves the
		// second from them.
		for _, pass := range []string{"first", "second"} {
			got, err := el.ListEncoded(h.ctx, h.ten, tc.rt, tc.q, nil)
			if err != nil {
				t.Fatalf("query %d: ListEncoded: %v", i, err)
			}
			what := fmt.Sprintf("query %d (%s, filter %v, sort %v, start %d, count %d, cursor %v), %s ListEncoded", i, tc.rt.Name, tc.q.Filter, tc.q.SortBy, tc.q.StartIndex, tc.q.Count, tc.q.UseCursor, pass)
			if got.TotalResults != want.TotalResults || got.NextCursor != want.NextCursor {
				t.Errorf("%s: totalResults %d, nextCursor %q; List %d, %q", what, got.TotalResults, got.NextCursor, want.TotalResults, want.NextCursor)
			}
			if len(got.Members) != len(got.Resources) {
				t.Fatalf("%s: %d Members for %d Resources", what, len(got.Members), len(got.Resources))
			}
			checkHeads(t, what, tc.rt, got)
			diff(t, what, jsonOf(t, tc.rt, want.Resources, nil), jsonOf(t, tc.rt, got.Resources, got.Members))
		}
	}
}

// encodedPage lists every user with ListEncoded and returns them as JSON
// objects (as a handler writes them) by userName, after checking that
// List agrees.
func encodedPage(h *h, el store.EncodedLister) map[string]map[string]any {
	h.t.Helper()
	q := store.Query{Count: 1000}
	got, err := el.ListEncoded(h.ctx, h.ten, UserType(), q, nil)
	if err != nil {
		h.t.Fatalf("ListEncoded: %v", err)
	}
	checkHeads(h.t, "ListEncoded", UserType(), got)
	docs := jsonOf(h.t, UserType(), got.Resources, got.Members)
	diff(h.t, "ListEncoded against List", jsonOf(h.t, UserType(), h.list(UserType(), q).Resources, nil), docs)
	out := map[string]map[string]any{}
	for _, d := range docs {
		m := d.(map[string]any)
		out[m["userName"].(string)] = m
	}
	return out
}

func encodedLister(t *testing.T, s store.Store) store.EncodedLister {
	t.Helper()
	el, ok := s.(store.EncodedLister)
	if !ok {
		t.Skip("the store does not implement store.EncodedLister (optional)")
	}
	return el
}

// metaVersion returns the meta.version of a resource written as JSON.
func metaVersion(doc map[string]any) any {
	meta, _ := doc["meta"].(map[string]any)
	return meta["version"]
}

// testEncodedAfterUpdate: a user listed (and so possibly kept rendered),
// then updated, is listed with its new attributes and version; a
// membership change of its group changes the group's page too.
func testEncodedAfterUpdate(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	el := encodedLister(t, h.s)
	u := h.create(UserType(), user("bjensen", "displayName", "Babs", "title", "Tour Guide"))
	h.create(UserType(), user("jsmith", "displayName", "Jim"))
	before := encodedPage(h, el)
	encodedPage(h, el)
	after, _ := h.update(UserType(), u.ID, store.Update{Apply: func(cur *schema.Resource) (*schema.Resource, error) {
		next := cur.Clone()
		next.Attrs["displayName"] = "Barbara"
		delete(next.Attrs, "title")
		return next, nil
	}})
	for _, pass := range []string{"first", "second"} {
		got := encodedPage(h, el)["bjensen"]
		if got["displayName"] != "Barbara" || got["title"] != nil || metaVersion(got) != after.Meta.Version {
			t.Errorf("%s page after the update: displayName %v, title %v, version %v; want Barbara, none, %s (before: version %v)",
				pass, got["displayName"], got["title"], metaVersion(got), after.Meta.Version, metaVersion(before["bjensen"]))
		}
	}
}

// testEncodedAfterRecreate: a user listed, deleted and created again
// (same userName, other attributes, a new id) is listed as created again,
// never as it was.
func testEncodedAfterRecreate(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	el := encodedLister(t, h.s)
	u := h.create(UserType(), user("bjensen", "displayName", "Babs"))
	encodedPage(h, el)
	encodedPage(h, el)
	if err := h.s.Delete(h.ctx, h.ten, UserType(), u.ID, ""); err != nil {
		t.Fatal(err)
	}
	if got := encodedPage(h, el); len(got) != 0 {
		t.Errorf("after the delete, the page holds %v", got)
	}
	again := h.create(UserType(), user("bjensen", "nickName", "B"))
	for _, pass := range []string{"first", "second"} {
		got := encodedPage(h, el)["bjensen"]
		if got["id"] != again.ID || got["displayName"] != nil || got["nickName"] != "B" || metaVersion(got) != again.Meta.Version {
			t.Errorf("%s page after recreating: %v; want id %s, nickName B, no displayName, version %s", pass, got, again.ID, again.Meta.Version)
		}
	}
}

// testEncodedAfterFailedWrite: updates that fail (a uniqueness conflict
// found by the store, an Apply error) change nothing a page shows, listed
// before and after them.
func testEncodedAfterFailedWrite(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	el := encodedLister(t, h.s)
	u := h.create(UserType(), user("bjensen", "displayName", "Babs"))
	h.create(UserType(), user("jsmith"))
	want := encodedPage(h, el)
	for _, apply := range []func(cur *schema.Resource) (*schema.Resource, error){
		func(cur *schema.Resource) (*schema.Resource, error) {
			next := cur.Clone()
			next.Attrs["userName"] = "jsmith"
			next.Attrs["displayName"] = "Rolled Back"
			return next, nil
		},
		func(*schema.Resource) (*schema.Resource, error) { return nil, errors.New("refused") },
	} {
		if _, _, err := h.s.Update(h.ctx, h.ten, UserType(), u.ID, store.Update{Apply: apply}); err == nil {
			t.Fatal("the update succeeded; want it to fail")
		}
		for _, pass := range []string{"first", "second"} {
			diff(t, pass+" page after a failed update", want, encodedPage(h, el))
		}
	}
}

// testEncodedWhileWriting races a writer updating users against pagers:
// every user a page shows has exactly the attributes its update with that
// version wrote (each update writes the version it makes into title).
func testEncodedWhileWriting(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	el := encodedLister(t, h.s)
	var ids []string
	for i := range 5 {
		ids = append(ids, h.create(UserType(), user(fmt.Sprintf("user%d", i), "title", "v1")).ID)
	}
	const updates = 40
	var wg sync.WaitGroup
	done := make(chan struct{})
	errs := make(chan error, 3)
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(done)
		for i := range updates {
			_, _, err := h.s.Update(h.ctx, h.ten, UserType(), ids[i%len(ids)], store.Update{Apply: func(cur *schema.Resource) (*schema.Resource, error) {
				next := cur.Clone()
				v, ok := backendVersion(cur.Meta.Version)
				if !ok {
					return nil, fmt.Errorf("version %q", cur.Meta.Version)
				}
				next.Attrs["title"] = fmt.Sprintf("v%d", v+1)
				return next, nil
			}})
			if err != nil {
				errs <- err
				return
			}
		}
	}()
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				p, err := el.ListEncoded(h.ctx, h.ten, UserType(), store.Query{Count: 100}, nil)
				if err != nil {
					errs <- err
					return
				}
				for i, r := range p.Resources {
					var m map[string]any
					data, err := UserType().Project(r, nil, nil).AppendJSONWith(nil, p.Members[i])
					if err == nil {
						err = json.Unmarshal(data, &m)
					}
					if err != nil {
						errs <- err
						return
					}
					if v, ok := backendVersion(r.Meta.Version); !ok || m["title"] != fmt.Sprintf("v%d", v) {
						errs <- fmt.Errorf("%s at version %s shows title %v", r.ID, r.Meta.Version, m["title"])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// backendVersion reads the number of a meta.version of the form W/"n",
// the form every scimkit store writes.
func backendVersion(v string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(v, `W/"`), `"`), 10, 64)
	return n, err == nil
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

// checkHeads checks p's encoded heads (EncodedPage.Heads): one per
// resource when set, and each that is not zero writes, with
// AppendJSONHead, byte for byte what AppendJSONWith writes of the
// resource as a handler presents it (a location added).
func checkHeads(t *testing.T, what string, rt *schema.ResourceType, p *store.EncodedPage) {
	t.Helper()
	if p.Heads == nil {
		return
	}
	if len(p.Heads) != len(p.Resources) {
		t.Fatalf("%s: %d Heads for %d Resources", what, len(p.Heads), len(p.Resources))
	}
	for i, r := range p.Resources {
		if p.Heads[i].IsZero() {
			continue
		}
		res := rt.Project(r, nil, nil)
		res.Meta.Location = "https://example.com/scim/v2/Users/" + res.ID + "?<&>"
		want, err := res.AppendJSONWith(nil, p.Members[i])
		if err != nil {
			t.Fatalf("%s: AppendJSONWith %s: %v", what, r.ID, err)
		}
		got, err := res.AppendJSONHead(nil, p.Heads[i], p.Members[i])
		if err != nil {
			t.Fatalf("%s: AppendJSONHead %s: %v", what, r.ID, err)
		}
		if string(got) != string(want) {
			t.Errorf("%s: resource %d (%s) written with its encoded head:\n%s\nwithout:\n%s", what, i, r.ID, got, want)
		}
	}
}

// RunEncodedRenders checks what a store.EncodedLister is for: a page of
// typical users (TypicalUser), in index and cursor mode and filtered by
// userName, comes back rendered by the store (every Members entry set, the
// Attrs of each resource without stored attributes), not left to the
// caller to decode, and read again, with every resource's common
// attributes encoded (EncodedPage.Heads). SameAsList (in Run) checks
// what it renders.
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
		if _, err := el.ListEncoded(h.ctx, h.ten, UserType(), q, nil); err != nil {
			t.Fatal(err)
		}
		p, err := el.ListEncoded(h.ctx, h.ten, UserType(), q, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Heads) != len(p.Resources) {
			t.Fatalf("query %+v read again: %d heads for %d resources", q, len(p.Heads), len(p.Resources))
		}
		for i, hd := range p.Heads {
			if hd.IsZero() {
				t.Errorf("query %+v read again: resource %d (%s) without an encoded head", q, i, p.Resources[i].ID)
			}
		}
		checkHeads(t, fmt.Sprintf("query %+v", q), UserType(), p)
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
