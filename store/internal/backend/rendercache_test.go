package backend_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// TestRenderCacheStamps: an entry is served only to a read with its exact
// stamp (tenant, type pointer, version); a read of an older version never
// replaces a newer entry, a newer one does.
func TestRenderCacheStamps(t *testing.T) {
	rt, other := &schema.ResourceType{Name: "User"}, &schema.ResourceType{Name: "User"}
	c := backend.NewRenderCache(1 << 20)
	st := backend.RenderStamp{Tenant: "a", Type: rt, Version: 2}
	c.Put(7, st, backend.Rendered{Members: []byte(`"v":2`), Schemas: []string{"s"}})
	for _, tc := range []struct {
		name  string
		seq   int64
		stamp backend.RenderStamp
		want  string // "" for a miss
	}{
		{"same", 7, st, `"v":2`},
		{"other seq", 8, st, ""},
		{"other tenant", 7, backend.RenderStamp{Tenant: "b", Type: rt, Version: 2}, ""},
		{"other type pointer", 7, backend.RenderStamp{Tenant: "a", Type: other, Version: 2}, ""},
		{"older version", 7, backend.RenderStamp{Tenant: "a", Type: rt, Version: 1}, ""},
		{"newer version", 7, backend.RenderStamp{Tenant: "a", Type: rt, Version: 3}, ""},
	} {
		r, ok := c.Get(tc.seq, tc.stamp)
		if got := string(r.Members); ok != (tc.want != "") || got != tc.want {
			t.Errorf("%s: Get = %q, %v; want %q", tc.name, got, ok, tc.want)
		}
	}
	c.Put(7, backend.RenderStamp{Tenant: "a", Type: rt, Version: 1}, backend.Rendered{Members: []byte(`"v":1`)})
	if r, ok := c.Get(7, st); !ok || string(r.Members) != `"v":2` {
		t.Errorf("an older version replaced the entry: Get = %q, %v", r.Members, ok)
	}
	v3 := backend.RenderStamp{Tenant: "a", Type: rt, Version: 3}
	c.Put(7, v3, backend.Rendered{Members: []byte(`"v":3`)})
	if r, ok := c.Get(7, v3); !ok || string(r.Members) != `"v":3` {
		t.Errorf("after Put of version 3: Get = %q, %v", r.Members, ok)
	}
	if _, ok := c.Get(7, st); ok {
		t.Error("version 2 still served after version 3 was kept")
	}
	if n, _ := c.Len(); n != 1 {
		t.Errorf("Len = %d entries, want 1", n)
	}
	head := &schema.Resource{ID: "x"}
	c.Put(7, v3, backend.Rendered{Members: []byte(`"v":3`), Head: head})
	if r, ok := c.Get(7, v3); !ok || r.Head != head {
		t.Errorf("the same version with a head did not complete the entry: Get = %+v, %v", r, ok)
	}
	c.Put(7, v3, backend.Rendered{Members: []byte(`"v":3`)})
	if r, _ := c.Get(7, v3); r.Head != head {
		t.Error("the same version without a head replaced the entry with one")
	}
}

// TestRenderCacheCopies: Put keeps a copy, so the caller may reuse its
// buffer.
func TestRenderCacheCopies(t *testing.T) {
	c := backend.NewRenderCache(1 << 20)
	st := backend.RenderStamp{Version: 1}
	buf := []byte(`"a":1`)
	schemas := []string{"s"}
	c.Put(1, st, backend.Rendered{Members: buf, Schemas: schemas})
	copy(buf, `"b":2`)
	schemas[0] = "changed"
	r, _ := c.Get(1, st)
	if string(r.Members) != `"a":1` || r.Schemas[0] != "s" {
		t.Errorf("Get = %q %v after the caller reused its buffers; want a copy", r.Members, r.Schemas)
	}
}

// TestRenderCacheBound: the bytes held never exceed the bound however many
// entries are added; an entry bigger than a shard's share is not kept;
// entries read since the clock hand last passed survive eviction rounds
// that remove those never read.
func TestRenderCacheBound(t *testing.T) {
	const bound = 64 << 10
	c := backend.NewRenderCache(bound)
	st := backend.RenderStamp{Version: 1}
	data := []byte(strings.Repeat("x", 900))
	for seq := range int64(5000) {
		c.Put(seq, st, backend.Rendered{Members: data})
		if _, b := c.Len(); b > bound {
			t.Fatalf("after %d puts: %d bytes held, bound %d", seq+1, b, bound)
		}
	}
	if n, _ := c.Len(); n == 0 {
		t.Fatal("nothing kept")
	}
	c.Put(-1, st, backend.Rendered{Members: make([]byte, bound)})
	if _, ok := c.Get(-1, st); ok {
		t.Error("an entry bigger than the bound was kept")
	}

	// Hot entries: read between every put, they outlive cold ones.
	c = backend.NewRenderCache(bound)
	hot := []int64{0, 16, 32} // one shard (seq mod 16)
	for _, seq := range hot {
		c.Put(seq, st, backend.Rendered{Members: data})
	}
	for seq := int64(48); seq < 48+16*200; seq += 16 {
		for _, h := range hot {
			if _, ok := c.Get(h, st); !ok {
				t.Fatalf("hot entry %d evicted after cold puts up to %d", h, seq)
			}
		}
		c.Put(seq, st, backend.Rendered{Members: data})
	}
}

// TestRenderCacheAdmission: while the cache has room it admits every
// row; once full, only a row offered before (Admits), so that rows read
// once (random pages over a working set larger than the bound) do not
// evict rows read again, and cost no copy.
func TestRenderCacheAdmission(t *testing.T) {
	const bound = 64 << 10
	c := backend.NewRenderCache(bound)
	st := backend.RenderStamp{Version: 1}
	data := []byte(strings.Repeat("x", 900))
	var seq int64
	for ; c.Admits(seq); seq += 16 { // one shard: fill it
		c.Put(seq, st, backend.Rendered{Members: data})
		if seq > 16*1000 {
			t.Fatal("a full shard still admits every row")
		}
	}
	if !c.Admits(seq) {
		t.Fatal("a row offered twice to a full cache was not admitted")
	}
	c.Put(seq, st, backend.Rendered{Members: data})
	if _, ok := c.Get(seq, st); !ok {
		t.Fatal("an admitted row was not kept")
	}
	if !c.Admits(seq) {
		t.Error("a row the cache holds (another version) was not admitted")
	}
	held, _ := c.Len()
	for once := seq + 16; once < seq+16*500; once += 16 { // rows read once
		if c.Admits(once) {
			t.Fatalf("row %d, offered once to a full cache, admitted", once)
		}
	}
	if _, ok := c.Get(seq, st); !ok {
		t.Error("rows offered once evicted a row admitted before them")
	}
	if n, _ := c.Len(); n != held {
		t.Errorf("%d entries after rows offered once, want %d", n, held)
	}
	var none *backend.RenderCache
	if none.Admits(1) {
		t.Error("a nil cache admits")
	}
}

// TestRenderCacheWarm: Warm follows the recent lookups' hit ratio, once
// enough were made to judge.
func TestRenderCacheWarm(t *testing.T) {
	c := backend.NewRenderCache(8 << 20)
	st := backend.RenderStamp{Version: 1}
	if !c.Warm() {
		t.Error("a new cache is not warm")
	}
	for seq := range int64(100) {
		c.Get(seq, st)
	}
	if !c.Warm() {
		t.Error("cold after 100 misses, too few to judge")
	}
	for seq := range int64(1000) {
		c.Get(seq, st)
	}
	if c.Warm() {
		t.Error("warm after 1100 misses")
	}
	for seq := range int64(1000) {
		c.Put(seq, st, backend.Rendered{Members: []byte("m")})
	}
	for range 2 {
		for seq := range int64(1000) {
			c.Get(seq, st)
		}
	}
	if !c.Warm() {
		t.Error("not warm after 2000 hits")
	}
	for seq := int64(1000); seq < 1000+10*4096; seq++ { // a long run of misses outweighs old hits
		c.Get(seq, st)
	}
	if c.Warm() {
		t.Error("still warm after a long run of misses")
	}
	var none *backend.RenderCache
	if none.Warm() {
		t.Error("a nil cache is warm")
	}
}

// TestRenderCacheNil: a nil cache (RenderCacheSize negative) keeps
// nothing; sizes map as documented.
func TestRenderCacheNil(t *testing.T) {
	var c *backend.RenderCache = backend.NewRenderCache(backend.RenderCacheSize(-1))
	if c != nil {
		t.Fatal("negative size: want no cache")
	}
	c.Put(1, backend.RenderStamp{}, backend.Rendered{Members: []byte("x")})
	if _, ok := c.Get(1, backend.RenderStamp{}); ok {
		t.Error("nil cache served an entry")
	}
	if got := backend.RenderCacheSize(0); got != backend.DefaultRenderCacheSize {
		t.Errorf("RenderCacheSize(0) = %d, want the default", got)
	}
	if got := backend.RenderCacheSize(5); got != 5 {
		t.Errorf("RenderCacheSize(5) = %d", got)
	}
}

// renderCached records the row seq at version as a store does: from the
// cache (Cached), else rendered (Skip, RenderAt, kept when Admits).
func renderCached(b *backend.EncodedPageBuilder, seq int64, rt *schema.ResourceType, version int64, render func([]byte) ([]byte, []string, bool)) ([]string, bool) {
	if r, ok := b.Cached(seq, rt, version, false); ok {
		return r.Schemas, true
	}
	return b.RenderAt(b.Skip(), seq, rt, version, b.Admits(seq), nil, render)
}

// TestRenderCached: the first read of a row renders it and the cache keeps
// it; the next read of the same version copies it without rendering; a new
// version renders again; a refused rendering is not kept; schemas come
// back as copies.
func TestRenderCached(t *testing.T) {
	rt := &schema.ResourceType{Name: "User"}
	c := backend.NewRenderCache(1 << 20)
	calls := 0
	render := func(s string, ok bool) func([]byte) ([]byte, []string, bool) {
		return func(dst []byte) ([]byte, []string, bool) {
			calls++
			return append(dst, s...), []string{"urn:s"}, ok
		}
	}
	for i, step := range []struct {
		seq, version int64
		body         string
		ok           bool
		wantCalls    int
		want         string // the page's members, "" for none
	}{
		{1, 1, `"a":1`, true, 1, `"a":1`},
		{1, 1, `"not":"called"`, true, 1, `"a":1`},
		{1, 2, `"a":2`, true, 2, `"a":2`},
		{2, 1, `"refused"`, false, 3, ""},
		{2, 1, `"b":1`, true, 4, `"b":1`},
		{2, 1, `"not":"called"`, true, 4, `"b":1`},
	} {
		b := backend.NewEncodedPageBuilder(nil).WithCache(c, "t")
		schemas, ok := renderCached(b, step.seq, rt, step.version, render(step.body, step.ok))
		if ok != step.ok || calls != step.wantCalls {
			t.Errorf("step %d: ok %v after %d renders; want %v after %d", i, ok, calls, step.ok, step.wantCalls)
		}
		if ok {
			if diff := cmp.Diff([]string{"urn:s"}, schemas); diff != "" {
				t.Errorf("step %d: schemas (-want +got):\n%s", i, diff)
			}
			schemas[0] = "modified by the caller"
		}
		p := b.Page(&store.Page{Resources: []*schema.Resource{{ID: "x"}}})
		if got := string(p.Members[0]); got != step.want {
			t.Errorf("step %d: page members %q, want %q", i, got, step.want)
		}
	}
}

// TestRenderCacheConcurrent races readers and writers of the same rows
// (run with -race): whatever is served was put with that exact stamp.
func TestRenderCacheConcurrent(t *testing.T) {
	c := backend.NewRenderCache(16 << 10)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				seq, v := int64(i%50), int64(i%7+g)
				st := backend.RenderStamp{Version: v}
				want := fmt.Sprintf("%d@%d", seq, v)
				if r, ok := c.Get(seq, st); ok && string(r.Members) != want {
					t.Errorf("Get(%d, v%d) = %q", seq, v, r.Members)
					return
				}
				c.Put(seq, st, backend.Rendered{Members: []byte(want)})
			}
		}()
	}
	wg.Wait()
}
