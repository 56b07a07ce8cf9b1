package memory

import (
	"context"
	"slices"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// List implements store.Store (RFC 7644 §3.4.2): filter, sort, index
// paging and cursor paging (RFC 9865). Without filter and sort, pages come
// straight from the creation-order index in O(log n + count); otherwise
// the candidates (all resources, or those an indexed equality selects) are
// matched with filter.Match and sorted.
func (s *Store) List(ctx context.Context, tenant string, rt *schema.ResourceType, q store.Query) (*store.Page, error) {
	return s.list(ctx, tenant, rt, q, nil)
}

// ListEncoded implements store.EncodedLister: List, with each resource's
// stored attributes rendered to JSON straight from its document (see
// render.go) rather than decoded.
func (s *Store) ListEncoded(ctx context.Context, tenant string, rt *schema.ResourceType, q store.Query, buf []byte) (*store.EncodedPage, error) {
	// No tenant in the cache's stamps: a record's seq is unique in the
	// whole store.
	enc := &encoding{b: backend.NewEncodedPageBuilder(buf).WithCache(s.st.renders, "")}
	page, err := s.list(ctx, tenant, rt, q, enc)
	if err != nil {
		return nil, err
	}
	return enc.b.Page(page), nil
}

// encoding is the state of one ListEncoded: the page being built and the
// writer rendering documents into it.
type encoding struct {
	b *backend.EncodedPageBuilder
	w jsonWriter
	// heads and schemas are where the page's resources served from the
	// cache are copied: a few allocations for a page rather than two per
	// resource.
	heads   []schema.Resource
	schemas []string
}

// reserve makes room for rendering n resources: one allocation for a page
// of typical ones.
func (enc *encoding) reserve(n int) {
	if enc != nil {
		enc.b.Grow(n)
		enc.heads = make([]schema.Resource, 0, n)
	}
}

// copyHead returns a copy of a cached resource without attributes that
// the caller owns (its Schemas too), from the page's blocks.
func (enc *encoding) copyHead(h *schema.Resource) *schema.Resource {
	if len(enc.heads) == cap(enc.heads) {
		enc.heads = make([]schema.Resource, 0, 16)
	}
	enc.heads = append(enc.heads, *h)
	res := &enc.heads[len(enc.heads)-1]
	res.Schemas = h.Schemas[:0:0] // nil stays nil; nothing shared to append to
	if n := len(h.Schemas); n > 0 {
		if cap(enc.schemas)-len(enc.schemas) < n {
			enc.schemas = make([]string, 0, max(n, 2*cap(enc.heads)))
		}
		start := len(enc.schemas)
		enc.schemas = append(enc.schemas, h.Schemas...)
		res.Schemas = enc.schemas[start:len(enc.schemas):len(enc.schemas)]
	}
	return res
}

// list is List, and ListEncoded when enc is set.
func (s *Store) list(ctx context.Context, tenant string, rt *schema.ResourceType, q store.Query, enc *encoding) (*store.Page, error) {
	var page *store.Page
	err := s.txOn(ctx, false, opName("list", rt, ""), func(st *state) ([]store.Event, error) {
		if err := backend.CheckQuery(rt, q); err != nil {
			return nil, err
		}
		var cur *cursor
		if q.UseCursor && q.Cursor != "" {
			c, err := decodeCursor(q.Cursor, queryID(rt, q), sortID(q))
			if err != nil {
				return nil, err
			}
			cur = c
		}
		td, t := st.table(tenant, rt, false)
		if t == nil {
			page = &store.Page{Resources: []*schema.Resource{}}
			return nil, nil
		}
		var err error
		if q.Filter == nil && q.SortBy.Attr == nil {
			page, err = st.listOrdered(td, t, q, cur, queryID(rt, q), enc)
		} else {
			page, err = st.listMatched(td, t, q, cur, queryID(rt, q), enc)
		}
		return nil, err
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

// listOrdered pages through all resources in creation order.
func (st *state) listOrdered(td *tenantData, t *table, q store.Query, cur *cursor, qid string, enc *encoding) (*store.Page, error) {
	o := &t.order
	page := &store.Page{TotalResults: o.live}
	var slot int
	switch {
	case q.UseCursor && cur != nil:
		slot = o.after(cur.Seq)
	case q.UseCursor:
		slot = 0
	default:
		slot = o.kth(max(q.StartIndex, 1))
		if slot < 0 {
			slot = len(o.recs)
		}
	}
	recs, next := o.collect(slot, max(q.Count, 0), nil)
	var err error
	if page.Resources, err = st.render(td, t, recs, q.Read, enc); err != nil {
		return nil, err
	}
	if q.UseCursor && len(recs) > 0 && o.prefix(next) < o.live {
		page.NextCursor = encodeCursor(&cursor{Query: qid, Seq: recs[len(recs)-1].seq})
	}
	return page, nil
}

// row is one match of a filtered or sorted list.
type row struct {
	rec *record
	key sortKey
	// attrs are rec's decoded attributes, kept when the row may be on the
	// requested page and they can be rendered as they are, else nil.
	attrs map[string]any
}

// matchRows decodes each candidate once and returns those matching q's
// filter, with their sort keys. A match's attributes are kept for
// rendering when, unsorted and index-paged, it falls on the requested page
// and the filter needed no derived attribute (which would have been added
// to them).
func (st *state) matchRows(td *tenantData, t *table, recs []*record, q store.Query) ([]row, error) {
	ti := t.info.Load()
	need := derivedNeeded(ti, q.Filter)
	keepFrom, keepTo := 0, 0
	if q.SortBy.Attr == nil && !q.UseCursor && need.OmitMembers && need.OmitGroups {
		keepFrom = max(q.StartIndex, 1) - 1
		keepTo = keepFrom + max(q.Count, 0)
	}
	rows := make([]row, 0, len(recs))
	for _, rec := range recs {
		attrs, err := st.dict.viewAttrs(rec.doc)
		if err != nil {
			return nil, err
		}
		if q.Filter != nil && !filter.Match(ti.rt, q.Filter, st.resource(td, t, rec, attrs, need)) {
			continue
		}
		rw := row{rec: rec}
		if q.SortBy.Attr != nil {
			rw.key = sortKeyOf(ti, rec, attrs, q.SortBy)
		}
		if n := len(rows); n >= keepFrom && n < keepTo {
			rw.attrs = attrs
		}
		rows = append(rows, rw)
	}
	return rows, nil
}

// listMatched filters and sorts, then pages.
func (st *state) listMatched(td *tenantData, t *table, q store.Query, cur *cursor, qid string, enc *encoding) (*store.Page, error) {
	recs, ok := st.candidates(td, t, q.Filter)
	if !ok {
		recs = t.order.all()
	}
	rows, err := st.matchRows(td, t, recs, q)
	if err != nil {
		return nil, err
	}
	less := func(a, b row) int { return compareRows(a, b, q.Descending) }
	if q.SortBy.Attr != nil {
		slices.SortFunc(rows, less)
	}
	page := &store.Page{TotalResults: len(rows)}
	start := 0
	switch {
	case q.UseCursor && cur != nil:
		c := row{key: cur.key(), rec: &record{seq: cur.Seq}}
		start, _ = slices.BinarySearchFunc(rows, c, func(r, c row) int {
			if less(r, c) <= 0 {
				return -1
			}
			return 1
		})
	case !q.UseCursor:
		start = min(max(q.StartIndex, 1)-1, len(rows))
	}
	end := min(start+max(q.Count, 0), len(rows))
	page.Resources = make([]*schema.Resource, 0, end-start)
	enc.reserve(end - start)
	for _, r := range rows[start:end] {
		res, err := st.present(td, t, r.rec, r.attrs, q.Read, enc)
		if err != nil {
			return nil, err
		}
		page.Resources = append(page.Resources, res)
	}
	if q.UseCursor && end < len(rows) && end > start {
		last := rows[end-1]
		page.NextCursor = encodeCursor(newCursor(qid, sortID(q), last.key, last.rec.seq))
	}
	return page, nil
}

// render builds the representations of recs.
func (st *state) render(td *tenantData, t *table, recs []*record, opts store.ReadOptions, enc *encoding) ([]*schema.Resource, error) {
	out := make([]*schema.Resource, 0, len(recs))
	enc.reserve(len(recs))
	for _, rec := range recs {
		res, err := st.present(td, t, rec, nil, opts, enc)
		if err != nil {
			return nil, err
		}
		out = append(out, res)
	}
	return out, nil
}

// present builds the representation of rec for a List page; attrs are
// rec's decoded attributes when the caller has them. With enc, the stored
// attributes are rendered into enc instead when they can be, and the
// representation carries only the derived ones.
func (st *state) present(td *tenantData, t *table, rec *record, attrs map[string]any, opts store.ReadOptions, enc *encoding) (*schema.Resource, error) {
	if enc != nil {
		ti := t.info.Load()
		if c, ok := enc.b.Cached(int64(rec.seq), ti.rt, rec.version, true); ok {
			res := enc.copyHead(c.Head)
			res.Attrs = st.derived(td, ti, res.ID, nil, opts)
			return res, nil
		}
		// The cache keeps the resource without attributes with the
		// rendering: a hit then formats neither id nor schemas.
		var head *schema.Resource
		keep := enc.b.Admits(int64(rec.seq))
		if keep {
			head = st.resource(td, t, rec, nil, store.ReadOptions{OmitMembers: true, OmitGroups: true})
		}
		enc.w.d, enc.w.ti = &st.dict, ti
		var err error
		_, ok := enc.b.RenderAt(enc.b.Skip(), int64(rec.seq), ti.rt, rec.version, keep, head, func(dst []byte) ([]byte, []string, bool) {
			enc.w.dst = dst
			var ok bool
			ok, err = enc.w.render(rec.doc)
			return enc.w.dst, nil, ok && err == nil
		})
		if err != nil {
			return nil, err
		}
		if ok && head != nil { // the head built for the cache: copied, not formatted again
			res := enc.copyHead(head)
			res.Attrs = st.derived(td, ti, res.ID, nil, opts)
			return res, nil
		}
		if ok {
			return st.resource(td, t, rec, nil, opts), nil
		}
	}
	if attrs == nil {
		var err error
		if attrs, err = st.dict.viewAttrs(rec.doc); err != nil {
			return nil, err
		}
	}
	return st.resource(td, t, rec, attrs, opts), nil
}

// derivedNeeded returns the read options a filter needs: members and
// groups are loaded only when the filter refers to them.
func derivedNeeded(ti *typeInfo, e filter.Expr) store.ReadOptions {
	opts := store.ReadOptions{OmitMembers: true, OmitGroups: true}
	if e == nil {
		return opts
	}
	filter.Walk(e, func(x filter.Expr) bool {
		var ref schema.AttrRef
		switch x := x.(type) {
		case *filter.Compare:
			ref = x.Ref
		case *filter.ValuePath:
			ref = x.Ref
		default:
			return true
		}
		if ref.Attr != nil && ref.Schema == ti.rt.Schema {
			switch ref.Attr.Name {
			case ti.members:
				opts.OmitMembers = false
			case ti.groups:
				opts.OmitGroups = false
			}
		}
		return true
	})
	return opts
}
