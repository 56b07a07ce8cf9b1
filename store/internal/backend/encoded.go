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
	bounds [][2]int // start, end in buf; end -1 for a resource not rendered
	cache  *RenderCache
	tenant string
}

// NewEncodedPageBuilder returns a builder appending to buf (ListEncoded's
// buf argument, which may be nil).
func NewEncodedPageBuilder(buf []byte) *EncodedPageBuilder {
	return &EncodedPageBuilder{buf: buf}
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

// Render records the next resource: render appends its members to dst and
// returns the extended buffer, or ok false (and dst unchanged in content)
// when it leaves the resource to the caller. Render reports ok.
func (b *EncodedPageBuilder) Render(render func(dst []byte) ([]byte, bool)) bool {
	start := len(b.buf)
	buf, ok := render(b.buf)
	if !ok {
		b.buf = buf[:start]
		b.bounds = append(b.bounds, [2]int{-1, -1})
		return false
	}
	b.buf = buf
	b.bounds = append(b.bounds, [2]int{start, len(buf)})
	return true
}

// WithCache makes RenderCached go through c for rows of tenant, and
// returns b. A nil c caches nothing.
func (b *EncodedPageBuilder) WithCache(c *RenderCache, tenant string) *EncodedPageBuilder {
	b.cache, b.tenant = c, tenant
	return b
}

// RenderCached is Render through the builder's cache (WithCache): when
// it holds the rendering of the row seq at version for rt, that is
// recorded without calling render; else render runs and the cache keeps a
// copy of what it rendered. render may return the resource's schemas too
// (for stores that read them from the rendered document), which the cache
// keeps with the rendering; RenderCached returns them, a copy the caller
// owns, when it reports ok. Call it only for rows read outside a write
// transaction (see RenderCache).
func (b *EncodedPageBuilder) RenderCached(seq int64, rt *schema.ResourceType, version int64, render func(dst []byte) ([]byte, []string, bool)) ([]string, bool) {
	stamp := RenderStamp{Tenant: b.tenant, Type: rt, Version: version}
	if r, ok := b.cache.Get(seq, stamp); ok {
		start := len(b.buf)
		b.buf = append(b.buf, r.Members...)
		b.bounds = append(b.bounds, [2]int{start, len(b.buf)})
		return slices.Clone(r.Schemas), true
	}
	var schemas []string
	if !b.Render(func(dst []byte) (out []byte, ok bool) {
		out, schemas, ok = render(dst)
		return out, ok
	}) {
		return nil, false
	}
	if b.cache != nil {
		last := b.bounds[len(b.bounds)-1]
		b.cache.Put(seq, stamp, Rendered{Members: b.buf[last[0]:last[1]], Schemas: schemas})
	}
	return schemas, true
}

// Page returns p as an EncodedPage: Members[i] is what Render recorded for
// the i-th resource read. Resources recorded beyond len(p.Resources) (a
// cursor page reads one more) are ignored; when fewer were recorded than
// p holds (resources decoded on another path), Members are all nil.
func (b *EncodedPageBuilder) Page(p *store.Page) *store.EncodedPage {
	out := &store.EncodedPage{Page: *p, Members: make([][]byte, len(p.Resources)), Buffer: b.buf}
	if len(b.bounds) >= len(p.Resources) {
		for i := range p.Resources {
			if s, e := b.bounds[i][0], b.bounds[i][1]; e >= 0 {
				out.Members[i] = b.buf[s:e:e]
			}
		}
	}
	return out
}
