package backend

import (
	"slices"

	"github.com/scimkit/scimkit/store"
)

// EncodedPageBuilder helps a Store implement EncodedLister: it collects the
// rendered attributes of a page's resources, in the order they are read,
// in one buffer. Use one per ListEncoded call.
type EncodedPageBuilder struct {
	buf    []byte
	bounds [][2]int // start, end in buf; end -1 for a resource not rendered
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
