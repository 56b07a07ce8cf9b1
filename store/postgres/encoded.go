package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

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
	res := &schema.Resource{ID: rw.id, Meta: schema.Meta{ResourceType: rt.Name, Created: rw.created.UTC(),
		LastModified: rw.changed.UTC(), Version: backend.FormatVersion(rw.version)}}
	if rw.externalID != nil {
		res.ExternalID = *rw.externalID
	}
	if err := rw.derived(rt, res); err != nil {
		return nil, err
	}
	if c, ok := enc.Cached(rw.seq, rt, rw.version, false); ok {
		res.Schemas = c.Schemas
		return res, nil
	}
	if err := renderAt(enc, enc.Skip(), rt, rw, res); err != nil {
		return nil, err
	}
	return res, nil
}

// renderAt renders the attributes of rw (with its document) into slot of
// enc and sets the schemas of res, which has the row's other fields and
// its derived attributes; when the default projection would change the
// attributes, it sets res to the whole decoded resource instead.
func renderAt(enc *backend.EncodedPageBuilder, slot int, rt *schema.ResourceType, rw *row, res *schema.Resource) error {
	var bad error
	schemas, ok := enc.RenderAt(slot, rw.seq, rt, rw.version, enc.Admits(rw.seq), nil, func(dst []byte) ([]byte, []string, bool) {
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
		return fmt.Errorf("decode schemas of %s %s: %w", rt.Name, rw.id, bad)
	}
	if !ok {
		full, err := rw.resource(rt)
		if err != nil {
			return err
		}
		*res = *full
		return nil
	}
	res.Schemas = schemas
	return nil
}

// errStalePage is fillMisses' answer when a resource of a lean page
// changed or went away after the page's statement: List then reads the
// page again with its documents, so that it shows one snapshot.
var errStalePage = errors.New("a resource of the page changed while it was read")

// miss is a row of a lean page the render cache missed: res (in the page
// already, without attributes or schemas) is completed by fillMisses.
type miss struct {
	res  *schema.Resource
	rw   row
	slot int
}

// querier runs a query: the pool, or the transaction of a page.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// renderLean returns the resource of rw, a row of a lean page (no
// document), with only its derived attributes: its schemas and rendering
// come from enc's cache. On a miss the rendering is left to fillMisses:
// slot is the resource's index in enc, else -1.
func renderLean(enc *backend.EncodedPageBuilder, rt *schema.ResourceType, rw *row) (*schema.Resource, int, error) {
	res := &schema.Resource{ID: rw.id, Meta: schema.Meta{ResourceType: rt.Name, Created: rw.created.UTC(),
		LastModified: rw.changed.UTC(), Version: backend.FormatVersion(rw.version)}}
	if rw.externalID != nil {
		res.ExternalID = *rw.externalID
	}
	if err := rw.derived(rt, res); err != nil {
		return nil, -1, err
	}
	c, ok := enc.Cached(rw.seq, rt, rw.version, false)
	if ok {
		res.Schemas = c.Schemas
		return res, -1, nil
	}
	return res, enc.Skip(), nil
}

// fillMisses reads the documents of a lean page's misses with one
// statement and renders them into their slots of enc (or decodes them,
// when the default projection would change them). A miss that changed
// or went away since the page's statement returns errStalePage.
func (s *Store) fillMisses(ctx context.Context, q querier, tenant string, rt *schema.ResourceType, enc *backend.EncodedPageBuilder, misses []miss) error {
	if len(misses) == 0 {
		return nil
	}
	if s.beforeMisses != nil {
		s.beforeMisses()
	}
	seqs := make([]int64, len(misses))
	for i, m := range misses {
		seqs[i] = m.rw.seq
	}
	rows, err := q.Query(ctx, s.q(`SELECT r.seq, r.version, r.data FROM {s}.resources r
		WHERE r.tenant = $1 AND r.type = $2 AND r.seq = ANY($3)`), tenant, rt.Name, seqs)
	if err != nil {
		return err
	}
	type doc struct {
		version int64
		data    []byte
	}
	docs := make(map[int64]doc, len(misses))
	for rows.Next() {
		var seq int64
		var d doc
		if err := rows.Scan(&seq, &d.version, &d.data); err != nil {
			rows.Close()
			return err
		}
		docs[seq] = d
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, m := range misses {
		if d, ok := docs[m.rw.seq]; !ok || d.version != m.rw.version {
			return errStalePage
		}
	}
	for _, m := range misses {
		rw := m.rw
		rw.data = docs[rw.seq].data
		if err := renderAt(enc, m.slot, rt, &rw, m.res); err != nil {
			return err
		}
	}
	return nil
}
