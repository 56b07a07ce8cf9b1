package scim

import (
	"errors"
	"net/http"
	"strings"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// rootQuery serves GET / with query parameters: a query across every
// resource type (RFC 7644 §3.4.2.1).
func (h *Handler) rootQuery(w http.ResponseWriter, r *http.Request) {
	lp, err := paramsFromRequest(r)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	h.rootList(w, r, lp)
}

// rootSearch serves POST /.search (RFC 7644 §3.4.3).
func (h *Handler) rootSearch(w http.ResponseWriter, r *http.Request) {
	lp, err := h.searchParams(r)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	h.rootList(w, r, lp)
}

// rootList lists across resource types in configuration order: a filter
// that does not bind to a type (an attribute it lacks) matches nothing of
// that type, and only when it binds to none is it an error. Sorting
// applies within each type; cursor paging is not offered at the root
// (400 invalidValue), as a cursor is issued per resource type.
func (h *Handler) rootList(w http.ResponseWriter, r *http.Request, lp listParams) {
	if lp.useCursor {
		WriteError(w, r, h.log, ErrInvalidValue.WithDetail("Cursor pagination is not supported for queries at the root; query a resource type endpoint."))
		return
	}
	tenant, _, err := h.tenant(r)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	e, err := h.rootFilter(lp.filter)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	var parts []rootPart
	var firstErr error
	for _, ti := range h.types {
		q, err := h.rootQueryFor(ti, lp, e)
		if errors.Is(err, errNoMatch) {
			continue
		}
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		count := q
		count.Count, count.StartIndex = 0, 1
		page, err := h.store.List(r.Context(), tenant, ti.rt, count)
		if err != nil {
			WriteError(w, r, h.log, err)
			return
		}
		parts = append(parts, rootPart{ti, q, page.TotalResults})
	}
	if len(parts) == 0 && firstErr != nil {
		WriteError(w, r, h.log, firstErr)
		return
	}
	h.rootPage(w, r, tenant, lp, parts)
}

// rootFilter parses a root query's filter once for every type (nil when
// there is none) and rejects (400 invalidFilter) one naming an attribute
// that no configured resource type has.
func (h *Handler) rootFilter(f string) (filter.Expr, error) {
	if strings.TrimSpace(f) == "" {
		return nil, nil
	}
	e, err := h.cfg.Filter.Parse(f)
	if err != nil {
		return nil, err
	}
	filter.Walk(e, func(x filter.Expr) bool {
		var p filter.AttrPath
		switch x := x.(type) {
		case *filter.Compare:
			p = x.Path
		case *filter.ValuePath:
			p = x.Path
		default:
			return true
		}
		for _, ti := range h.types {
			if _, ok := ti.rt.Lookup(p.URI, p.Name, p.Sub); ok {
				return true
			}
		}
		err = ErrInvalidFilter.WithDetail("No resource type has the attribute %q.", pathString(p))
		return false
	})
	return e, err
}

func pathString(p filter.AttrPath) string {
	s := p.Name
	if p.URI != "" {
		s = p.URI + ":" + s
	}
	if p.Sub != "" {
		s += "." + p.Sub
	}
	return s
}

// errNoMatch means a root query's filter matches nothing of a type.
var errNoMatch = errors.New("filter matches nothing of this type")

// rootQueryFor builds the query of lp for one type of a root query, after
// pruning the comparisons of the parsed filter e (nil: none) on attributes
// the type lacks.
func (h *Handler) rootQueryFor(ti *typeInfo, lp listParams, e filter.Expr) (store.Query, error) {
	if e == nil {
		return h.query(ti, lp)
	}
	e, t := pruneUnknown(ti.rt, e)
	switch t {
	case truthFalse:
		return store.Query{}, errNoMatch
	case truthTrue:
		lp.filter, lp.expr = "", nil
	default:
		lp.expr = e
	}
	return h.query(ti, lp)
}

// rootPart is the query of one resource type in a root query and its total.
type rootPart struct {
	ti    *typeInfo
	q     store.Query
	total int
}

// rootPage fetches the window [start, start+count) of the concatenation of
// the per-type results.
func (h *Handler) rootPage(w http.ResponseWriter, r *http.Request, tenant string, lp listParams, parts []rootPart) {
	total := 0
	for _, p := range parts {
		total += p.total
	}
	out := newListResponse(total)
	start, count := 1, h.cfg.DefaultPageSize
	if len(parts) > 0 {
		start, count = parts[0].q.StartIndex, parts[0].q.Count
	}
	out.StartIndex = start
	skip := start - 1
	for _, p := range parts {
		if count <= 0 {
			break
		}
		if skip >= p.total {
			skip -= p.total
			continue
		}
		q := p.q
		q.StartIndex, q.Count = skip+1, count
		page, err := h.store.List(r.Context(), tenant, p.ti.rt, q)
		if err != nil {
			WriteError(w, r, h.log, err)
			return
		}
		skip = 0
		count -= len(page.Resources)
		for _, res := range page.Resources {
			out.Resources = append(out.Resources, h.presentOwned(r, p.ti, res, lp.attrs, lp.excl))
		}
	}
	out.ItemsPerPage = len(out.Resources)
	h.writeJSON(w, r, http.StatusOK, out)
}

// truth is the value of a filter after pruning comparisons on attributes a
// resource type does not have.
type truth int

const (
	truthExpr  truth = iota // depends on the resource
	truthFalse              // matches nothing
	truthTrue               // matches everything
)

// pruneUnknown rewrites e for a root query against rt: a comparison or
// value path on an attribute rt lacks is false for every resource of rt
// (RFC 7644 §3.4.2.2: the attribute is unassigned), and the and/or/not
// around it are simplified, so that "displayName eq x or userName eq y"
// finds groups by displayName and users by userName.
func pruneUnknown(rt *schema.ResourceType, e filter.Expr) (filter.Expr, truth) {
	switch x := e.(type) {
	case *filter.Compare:
		if _, ok := rt.Lookup(x.Path.URI, x.Path.Name, x.Path.Sub); !ok {
			return nil, truthFalse
		}
	case *filter.ValuePath:
		if _, ok := rt.Lookup(x.Path.URI, x.Path.Name, x.Path.Sub); !ok {
			return nil, truthFalse
		}
	case *filter.Not:
		in, t := pruneUnknown(rt, x.X)
		switch t {
		case truthFalse:
			return nil, truthTrue
		case truthTrue:
			return nil, truthFalse
		}
		return &filter.Not{X: in}, truthExpr
	case *filter.Logical:
		l, lt := pruneUnknown(rt, x.Left)
		r, rt2 := pruneUnknown(rt, x.Right)
		return combine(x.Op, l, lt, r, rt2)
	}
	return e, truthExpr
}

func combine(op string, l filter.Expr, lt truth, r filter.Expr, rt truth) (filter.Expr, truth) {
	absorb, neutral := truthFalse, truthTrue // "and"
	if op == "or" {
		absorb, neutral = truthTrue, truthFalse
	}
	switch {
	case lt == absorb || rt == absorb:
		return nil, absorb
	case lt == neutral && rt == neutral:
		return nil, neutral
	case lt == neutral:
		return r, truthExpr
	case rt == neutral:
		return l, truthExpr
	}
	return &filter.Logical{Op: op, Left: l, Right: r}, truthExpr
}
