package scim

import (
	"net/http"

	"github.com/scimkit/scimkit/store"
)

// rootQuery serves GET / with query parameters: a query across every
// resource type (RFC 7644 §3.4.2.1).
func (h *Handler) rootQuery(w http.ResponseWriter, r *http.Request) {
	lp, err := paramsFromQuery(r.URL.Query())
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	h.rootList(w, r, lp)
}

// rootSearch serves POST /.search (RFC 7644 §3.4.3).
func (h *Handler) rootSearch(w http.ResponseWriter, r *http.Request) {
	body, err := h.readBody(r)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	lp, err := paramsFromBody(body)
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
	var parts []rootPart
	var firstErr error
	for _, ti := range h.types {
		q, err := h.query(ti, lp)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		count := q
		count.Count, count.StartIndex = 0, 1
		page, err := h.cfg.Store.List(r.Context(), tenant, ti.rt, count)
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
		page, err := h.cfg.Store.List(r.Context(), tenant, p.ti.rt, q)
		if err != nil {
			WriteError(w, r, h.log, err)
			return
		}
		skip = 0
		count -= len(page.Resources)
		for _, res := range page.Resources {
			out.Resources = append(out.Resources, h.present(r, p.ti, res, lp.attrs, lp.excl))
		}
	}
	out.ItemsPerPage = len(out.Resources)
	h.writeJSON(w, r, http.StatusOK, out)
}
