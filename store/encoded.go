package store

import (
	"context"

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
	// Heads, when not nil, has one entry per resource: Heads[i], when not
	// zero, is Resources[i]'s common attributes encoded as
	// Resources[i].EncodeHead() would (everything but meta.location), for
	// schema.Resource.AppendJSONHead to copy instead of encoding them
	// again. It holds only when what the caller writes has the same
	// schemas, id, externalId and meta, location aside. Heads are shared:
	// callers must not modify them.
	Heads []schema.EncodedHead
	// Buffer is the buffer Members alias (those not shared with a cache
	// the store keeps, which it never modifies): the caller's buf, grown.
	// Once done with Members, the caller may reuse it.
	Buffer []byte
}
