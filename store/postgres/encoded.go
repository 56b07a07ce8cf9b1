package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

var _ store.EncodedLister = (*Store)(nil)

// ListEncoded implements store.EncodedLister: List, with each row's data
// document written out as it is stored (schema.AppendDefaultMembers) when
// the default projection keeps all of it, instead of being decoded into
// Go values to be encoded again. Pages that filter.Match decides are
// decoded as by List.
func (s *Store) ListEncoded(ctx context.Context, tenant string, rt *schema.ResourceType, q store.Query, buf []byte) (*store.EncodedPage, error) {
	enc := backend.NewEncodedPageBuilder(buf).WithCache(s.renders, tenant)
	page, err := s.list(ctx, tenant, rt, q, enc)
	if err != nil {
		return nil, err
	}
	return enc.Page(page), nil
}

// renderRow returns the resource of rw with only its derived attributes,
// its stored ones rendered into enc; or, when the default projection
// would change them, the whole decoded resource.
func renderRow(enc *backend.EncodedPageBuilder, rt *schema.ResourceType, rw *row) (*schema.Resource, error) {
	var bad error
	schemas, ok := enc.RenderCached(rw.seq, rt, rw.version, func(dst []byte) ([]byte, []string, bool) {
		var rawSchemas []byte
		out, ok := rt.AppendDefaultMembers(dst, rw.data, func(k string, v []byte) bool {
			if k == "schemas" {
				rawSchemas = v
				return true
			}
			return false
		})
		if !ok || rawSchemas == nil {
			return out, nil, ok
		}
		var schemas []string
		if bad = json.Unmarshal(rawSchemas, &schemas); bad != nil {
			return out, nil, false
		}
		return out, schemas, true
	})
	if bad != nil {
		return nil, fmt.Errorf("decode schemas of %s %s: %w", rt.Name, rw.id, bad)
	}
	if !ok {
		return rw.resource(rt)
	}
	res := &schema.Resource{ID: rw.id, Schemas: schemas, Meta: schema.Meta{ResourceType: rt.Name, Created: rw.created.UTC(),
		LastModified: rw.changed.UTC(), Version: backend.FormatVersion(rw.version)}}
	if rw.externalID != nil {
		res.ExternalID = *rw.externalID
	}
	if err := rw.derived(rt, res); err != nil {
		return nil, err
	}
	return res, nil
}
