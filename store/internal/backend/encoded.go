package backend

import (
	"slices"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// EncodedPageBuilder helps a Store implement EncodedLister: it collects the
// rendered attributes of a page's resources, in the order they are read,
// in one buffer. Use one per ListEncoded call.
type EncodedPageBuilder struct {
	buf    []byte
	bounds []built
	puts   []pendingPut
	cache  *RenderCache
	tenant string
	// warm is the cache's Warm when the page began: one decision per page
	// of whether the cache is consulted for every row or a sample.
	warm  bool
	start int // len of the caller's buf
}

// built is what the builder recorded of one resource.
type built struct {
	start, end int // members in buf; end -1 for a resource not rendered
	// cached, when not nil, is the members, shared with the cache
	// (start is then -1).
	cached []byte
	// head is the resource's encoded head when the cache held one.
	head schema.EncodedHead
	// put, when not 0, is 1 + the index in puts of what Page gives the
	// cache for a rendering it does not hold (or holds without an encoded
	// head).
	put int
}

// pendingPut is a rendering Page adds to the cache as seq at stamp, with
// the resource's encoded head: rest holds its schemas and Head, its
// members come from the page.
type pendingPut struct {
	seq   int64
	stamp RenderStamp
	rest  Rendered
}

// NewEncodedPageBuilder returns a builder appending to buf (ListEncoded's
// buf argument, which may be nil).
func NewEncodedPageBuilder(buf []byte) *EncodedPageBuilder {
	return &EncodedPageBuilder{buf: buf, start: len(buf)}
}

// Grow makes room for n more resources of typical size, so that a page
// is rendered into one allocation.
func (b *EncodedPageBuilder) Grow(n int) {
	b.buf = slices.Grow(b.buf, n*typicalRenderedSize)
	b.bounds = slices.Grow(b.bounds, n)
}

// typicalRenderedSize is the JSON size of a typical user's attributes,
// rounded up.
const typicalRenderedSize = 1024

// WithCache makes Cached and RenderAt go through c for rows of tenant,
// and returns b. A nil c caches nothing.
func (b *EncodedPageBuilder) WithCache(c *RenderCache, tenant string) *EncodedPageBuilder {
	b.cache, b.tenant, b.warm = c, tenant, c.Warm()
	return b
}

// Admits reports whether the builder's cache would keep a rendering of
// the row seq (RenderCache.Admits, which remembers the offer): ask once
// per rendering, before building the head RenderAt keeps with it, and
// pass the answer to RenderAt.
func (b *EncodedPageBuilder) Admits(seq int64) bool {
	return b.cache != nil && (b.warm || coldSampled(seq)) && b.cache.Admits(seq)
}

// While the cache is cold (RenderCache.Warm false: most lookups miss, a
// working set larger than the cache, such as random pages over 100,000
// users), the builder consults it for about one row in coldSample (by a
// hash of seq), counting each lookup for coldSample rows: few lookups and
// offers are made, and the sampled rows still tell when it turns warm.
const coldSample = 8

// coldSampled reports whether the row seq is consulted while the cache is
// cold.
func coldSampled(seq int64) bool { return uint64(seq)*0x9E3779B97F4A7C15>>61 == 0 }

// Warm reports whether the builder has a cache that was warm when the
// page began (RenderCache.Warm): most recent lookups hit, so a store may
// read a page's documents only for the resources Cached misses, with a
// second statement.
func (b *EncodedPageBuilder) Warm() bool { return b.cache != nil && b.warm }

// Cached records the next resource from the cache when it holds the
// rendering of the row seq at version for rt (with a Head, if needHead),
// and returns what the cache kept with it: Schemas a copy the caller
// owns, Head and Members shared (copy them before changing anything).
// Else it records nothing and reports false.
func (b *EncodedPageBuilder) Cached(seq int64, rt *schema.ResourceType, version int64, needHead bool) (Rendered, bool) {
	if b.cache == nil {
		return Rendered{}, false
	}
	weight := int64(1)
	if !b.warm { // cold: one row in coldSample is looked up, and stands for them all
		if !coldSampled(seq) {
			return Rendered{}, false
		}
		weight = coldSample
	}
	stamp := RenderStamp{Tenant: b.tenant, Type: rt, Version: version}
	r, ok := b.cache.lookup(seq, stamp, weight)
	if !ok || (needHead && r.Head == nil) {
		return Rendered{}, false
	}
	// The cache never modifies what it keeps: the page shares it.
	e := built{start: -1, end: len(r.Members), cached: r.Members[:len(r.Members):len(r.Members)], head: r.Encoded}
	if r.Encoded.IsZero() {
		b.puts = append(b.puts, pendingPut{seq: seq, stamp: stamp, rest: Rendered{Schemas: r.Schemas, Head: r.Head}})
		e.put = len(b.puts)
	}
	b.bounds = append(b.bounds, e)
	r.Members, r.Schemas = e.cached, slices.Clone(r.Schemas)
	return r, true
}

// Skip records the next resource as not rendered (yet) and returns its
// index for RenderAt: a store that reads the documents of a page's cache
// misses with a second statement renders them there.
func (b *EncodedPageBuilder) Skip() int {
	b.bounds = append(b.bounds, built{start: -1, end: -1})
	return len(b.bounds) - 1
}

// RenderAt records the rendering of the resource Skip recorded as i (a
// row Cached missed): render appends its members and returns them with,
// for stores that read them from the rendered document, the resource's
// schemas (RenderAt returns them; the cache keeps its own copy), or ok
// false when it leaves the
// resource to the caller. When keep (Admits), the cache keeps a copy,
// with head (see Rendered; nil for none), which the caller must not
// modify afterwards; it gets them when Page is called, with the
// resource's encoded head. Call it only for rows read outside a write
// transaction (see RenderCache).
func (b *EncodedPageBuilder) RenderAt(i int, seq int64, rt *schema.ResourceType, version int64, keep bool, head *schema.Resource, render func(dst []byte) ([]byte, []string, bool)) ([]string, bool) {
	start := len(b.buf)
	buf, schemas, ok := render(b.buf)
	if !ok {
		b.buf = buf[:start]
		return nil, false
	}
	b.buf = buf
	b.bounds[i] = built{start: start, end: len(buf)}
	if b.cache != nil && keep {
		b.puts = append(b.puts, pendingPut{seq: seq, stamp: RenderStamp{Tenant: b.tenant, Type: rt, Version: version},
			rest: Rendered{Schemas: slices.Clone(schemas), Head: head}}) // the caller owns schemas
		b.bounds[i].put = len(b.puts)
	}
	return schemas, true
}

// Reset forgets every resource recorded, keeping the caller's buffer
// contents (a store starting a page over).
func (b *EncodedPageBuilder) Reset() {
	b.buf, b.bounds, b.puts = b.buf[:b.start], b.bounds[:0], b.puts[:0]
}

// Page returns p as an EncodedPage: Members[i] is what was recorded for
// the i-th resource read, and, with a cache, Heads[i] that resource's
// encoded head when the cache held it or keeps it now (else zero).
// Resources recorded beyond len(p.Resources) (a cursor page reads one
// more) are ignored; when fewer were recorded than p holds (resources
// decoded on another path), Members are all nil. Page gives the cache the
// renderings RenderAt made for it, with the encoded heads of p's
// resources.
func (b *EncodedPageBuilder) Page(p *store.Page) *store.EncodedPage {
	n := len(p.Resources)
	out := &store.EncodedPage{Page: *p, Members: make([][]byte, n), Buffer: b.buf}
	if len(b.bounds) < n {
		return out
	}
	if b.cache != nil {
		out.Heads = make([]schema.EncodedHead, n)
	}
	for i := range b.bounds {
		e := &b.bounds[i]
		if e.end < 0 {
			continue
		}
		members := e.members(b.buf)
		if i < n {
			if e.head.IsZero() && e.put > 0 { // encoded for the cache; a rendering it does not keep is written as before
				e.head = p.Resources[i].EncodeHead()
			}
			out.Members[i] = members
			if out.Heads != nil {
				out.Heads[i] = e.head
			}
		}
		if e.put > 0 {
			put := &b.puts[e.put-1]
			r := put.rest
			r.Members, r.Encoded = members, e.head
			b.cache.Put(put.seq, put.stamp, r)
		}
	}
	return out
}

// members returns the members recorded for e, in buf or shared with the
// cache.
func (e *built) members(buf []byte) []byte {
	if e.cached != nil {
		return e.cached
	}
	return buf[e.start:e.end:e.end]
}
