package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

var _ store.EncodedLister = (*Store)(nil)

// ListEncoded implements store.EncodedLister: List, with each row's data
// document written out as it is stored (schema.AppendDefaultMembers) when
// the default projection keeps all of it, instead of being decoded into
// Go values to be encoded again. Pages that filter.Match decides are
// decoded as by List.
func (s *Store) ListEncoded(ctx context.Context, tenant string, rt *schema.ResourceType, q store.Query, buf []byte) (*store.EncodedPage, error) {
	enc := &encoding{buf: buf}
	page, err := s.list(ctx, tenant, rt, q, enc)
	if err != nil {
		return nil, err
	}
	out := &store.EncodedPage{Page: *page, Members: make([][]byte, len(page.Resources)), Buffer: enc.buf}
	if len(enc.bounds) >= len(page.Resources) { // else filter.Match decided: all decoded
		for i := range page.Resources {
			if b := enc.bounds[i]; b.end >= 0 {
				out.Members[i] = enc.buf[b.start:b.end:b.end]
			}
		}
	}
	return out, nil
}

// encoding collects the rendered attributes of ListEncoded's rows:
// bounds[i] locates those of the i-th row read in buf, end -1 when the row
// was decoded instead.
type encoding struct {
	buf    []byte
	bounds []struct{ start, end int }
}

// render returns the resource of rw with only its derived attributes,
// its stored ones appended to enc.buf; or, when the default projection
// would change them, the whole decoded resource.
func (enc *encoding) render(rt *schema.ResourceType, rw *row) (*schema.Resource, error) {
	var rawSchemas []byte
	start := len(enc.buf)
	buf, ok := rt.AppendDefaultMembers(enc.buf, rw.data, func(k string, v []byte) bool {
		if k == "schemas" {
			rawSchemas = v
			return true
		}
		return false
	})
	if !ok {
		enc.bounds = append(enc.bounds, struct{ start, end int }{-1, -1})
		return rw.resource(rt)
	}
	enc.buf = buf
	enc.bounds = append(enc.bounds, struct{ start, end int }{start, len(buf)})
	res := &schema.Resource{ID: rw.id, Meta: schema.Meta{ResourceType: rt.Name, Created: rw.created.UTC(),
		LastModified: rw.changed.UTC(), Version: store.FormatVersion(rw.version)}}
	if rw.externalID != nil {
		res.ExternalID = *rw.externalID
	}
	if rawSchemas != nil {
		if err := json.Unmarshal(rawSchemas, &res.Schemas); err != nil {
			return nil, fmt.Errorf("decode schemas of %s %s: %w", rt.Name, rw.id, err)
		}
	}
	if err := rw.derived(rt, res); err != nil {
		return nil, err
	}
	return res, nil
}
