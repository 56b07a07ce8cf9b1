package store

import (
	"context"
	"slices"

	"github.com/scimkit/scimkit/schema"
)

// EncodedLister is an optional capability of a Store that keeps resources
// in an encoded form: it lists resources that will only be written out as
// JSON in the default projection (no attributes or excludedAttributes
// parameter), rendering their stored attributes straight from its own
// encoding instead of building them as Go values and encoding those again,
// which is most of what a page of resources costs.
//
// The scim Handler uses it, when present, for such list responses.
type EncodedLister interface {
	// ListEncoded answers q as List does, with the same matches, order,
	// totals, cursors and errors, but returns each resource's stored
	// attributes already rendered (see EncodedPage). It renders by
	// appending to buf (which may be nil), so that callers can reuse
	// buffers: EncodedPage.Buffer is buf grown.
	ListEncoded(ctx context.Context, tenant string, rt *schema.ResourceType, q Query, buf []byte) (*EncodedPage, error)
}

// EncodedPage is a page of ListEncoded.
type EncodedPage struct {
	// Page is the page as List returns it, except that the Attrs of
	// Resources[i] hold only what Members[i] does not: the derived
	// members and groups attributes (as q.Read asks), or every attribute
	// when Members[i] is nil.
	Page
	// Members[i] is the rest of Resources[i]'s attributes in rt's default
	// projection (schema.ResourceType.DefaultTreatment: nothing returned
	// "never" or "request"), as JSON object members without the braces,
	// for schema.Resource.AppendJSONWith; nil when the store left the
	// resource to the caller (all attributes in Attrs, to project as
	// usual). Callers must still project Resources[i] with
	// ResourceType.Project(res, nil, nil) and must not modify Members.
	Members [][]byte
	// Buffer is the buffer Members alias: the caller's buf, grown. Once
	// done with Members, the caller may reuse it.
	Buffer []byte
}

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
func (b *EncodedPageBuilder) Page(p *Page) *EncodedPage {
	out := &EncodedPage{Page: *p, Members: make([][]byte, len(p.Resources)), Buffer: b.buf}
	if len(b.bounds) >= len(p.Resources) {
		for i := range p.Resources {
			if s, e := b.bounds[i][0], b.bounds[i][1]; e >= 0 {
				out.Members[i] = b.buf[s:e:e]
			}
		}
	}
	return out
}
