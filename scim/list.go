package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// listParams are the query parameters of a list or search request
// (RFC 7644 §3.4.2, §3.4.3; RFC 9865 for cursor).
type listParams struct {
	filter            string
	sortBy, sortOrder string
	startIndex        int
	count             int
	countSet          bool
	cursor            string
	useCursor         bool
	attrs, excl       []string
	// expr, when not nil, is filter already parsed (root queries parse
	// once for every type).
	expr filter.Expr
}

// listResponse is the ListResponse message (RFC 7644 §3.4.2; RFC 9865 §3
// adds nextCursor), encoded by its appendJSON with the ListResponse
// schema. startIndex is omitted in cursor mode. Resources holds presented
// *schema.Resource values or discovery representations.
type listResponse struct {
	TotalResults int
	ItemsPerPage int
	StartIndex   int // omitted when 0
	NextCursor   string
	Resources    []any
	// Encoded, when set, has one entry per resource: the members a store
	// rendered (store.EncodedLister), written after those of the
	// *schema.Resource at the same index; nil entries have none.
	Encoded [][]byte
	// Heads, when set, has one entry per resource: the common attributes
	// the store encoded (store.EncodedPage.Heads), copied instead of
	// encoding those of the *schema.Resource at the same index; zero
	// entries have none.
	Heads []schema.EncodedHead
}

// paramsFromQuery reads list parameters from a GET query string.
func paramsFromQuery(q url.Values) (listParams, error) {
	var lp listParams
	var err error
	if lp.attrs, lp.excl, err = projection(q); err != nil {
		return lp, err
	}
	lp.filter = queryValue(q, "filter")
	lp.sortBy, lp.sortOrder = queryValue(q, "sortBy"), queryValue(q, "sortOrder")
	if lp.startIndex, err = intParam("startIndex", queryValue(q, "startIndex"), 1); err != nil {
		return lp, err
	}
	if s := queryValue(q, "count"); s != "" {
		lp.countSet = true
		if lp.count, err = intParam("count", s, 0); err != nil {
			return lp, err
		}
	}
	lp.useCursor = queryHas(q, "cursor")
	lp.cursor = queryValue(q, "cursor")
	return lp, nil
}

// paramsFromRequest reads list parameters from the request's query
// string. Malformed percent-encoding (RFC 3986 §2.1) is a 400 naming the
// parameter, where url.URL.Query would silently drop the pair: a dropped
// filter would turn a lookup ("does this user exist?") into a listing of
// every resource.
func paramsFromRequest(r *http.Request) (listParams, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		for _, pair := range strings.Split(r.URL.RawQuery, "&") {
			key, val, _ := strings.Cut(pair, "=")
			_, kerr := url.QueryUnescape(key)
			if _, verr := url.QueryUnescape(val); kerr == nil && verr == nil {
				continue
			}
			if strings.EqualFold(key, "filter") {
				return listParams{}, ErrInvalidFilter.WithDetail("The filter parameter is not valid URL encoding (RFC 3986 §2.1): %q.", abbreviate(val))
			}
			return listParams{}, ErrInvalidValue.WithDetail("The query parameter %q is not valid URL encoding (RFC 3986 §2.1).", abbreviate(pair))
		}
		return listParams{}, ErrInvalidValue.WithDetail("The query string is not valid: %v.", err)
	}
	return paramsFromQuery(q)
}

func abbreviate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// intParam parses an integer parameter; out-of-range values are clamped.
func intParam(name, s string, def int) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if errors.Is(err, strconv.ErrRange) {
		if strings.HasPrefix(s, "-") {
			return math.MinInt32, nil
		}
		return math.MaxInt32, nil
	}
	if err != nil {
		return 0, ErrInvalidValue.WithDetail("The %s parameter must be an integer, got %q.", name, s)
	}
	return int(max(min(n, math.MaxInt32), math.MinInt32)), nil
}

// paramsFromBody reads a SearchRequest (RFC 7644 §3.4.3). Member names are
// matched case-insensitively; attributes may be an array or a
// comma-separated string; numbers may be JSON strings.
func paramsFromBody(body []byte) (listParams, error) {
	var lp listParams
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&m); err != nil || m == nil {
		return lp, ErrInvalidSyntax.WithDetail("The SearchRequest body must be a JSON object.")
	}
	q := url.Values{}
	for k, raw := range m {
		key := strings.ToLower(k)
		if key == "schemas" {
			continue
		}
		v, err := searchMember(k, key, raw)
		if err != nil {
			return lp, err
		}
		if v != nil {
			q.Set(key, *v)
		}
	}
	q2 := url.Values{}
	for _, name := range []string{"filter", "sortBy", "sortOrder", "startIndex", "count", "cursor", "attributes", "excludedAttributes"} {
		if v, ok := q[strings.ToLower(name)]; ok {
			q2[name] = v
		}
	}
	return paramsFromQuery(q2)
}

// searchMember converts one SearchRequest member to its query-string form;
// nil means absent (JSON null), except for cursor where null means "".
func searchMember(k, key string, raw json.RawMessage) (*string, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, ErrInvalidSyntax.WithDetail("SearchRequest member %q is not valid JSON.", k)
	}
	var s string
	switch x := v.(type) {
	case nil:
		if key != "cursor" {
			return nil, nil
		}
	case string:
		s = x
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			es, ok := e.(string)
			if !ok {
				return nil, ErrInvalidValue.WithDetail("SearchRequest member %q must list strings.", k)
			}
			parts = append(parts, es)
		}
		s = strings.Join(parts, ",")
	default:
		return nil, ErrInvalidValue.WithDetail("SearchRequest member %q has an unexpected type.", k)
	}
	return &s, nil
}

// query builds the store query of lp for one resource type.
func (h *Handler) query(ti *typeInfo, lp listParams) (store.Query, error) {
	q := store.Query{StartIndex: max(lp.startIndex, 1), Read: ti.readOptions(lp.attrs, lp.excl)}
	q.Count = h.cfg.DefaultPageSize
	if lp.countSet {
		q.Count = min(max(lp.count, 0), h.cfg.MaxPageSize)
	}
	e := lp.expr
	if f := strings.TrimSpace(lp.filter); e == nil && f != "" {
		var err error
		if e, err = h.cfg.Filter.Parse(f); err != nil {
			return q, err
		}
	}
	if e != nil {
		var err error
		if q.Filter, err = filter.Bind(ti.rt, e); err != nil {
			return q, err
		}
	}
	if lp.sortBy != "" {
		ref, ok := ti.rt.LookupPath(strings.TrimSpace(lp.sortBy))
		if !ok {
			return q, ErrInvalidValue.WithDetail("sortBy %q is not an attribute of %s.", lp.sortBy, ti.rt.Name)
		}
		q.SortBy = ref
	}
	switch strings.ToLower(strings.TrimSpace(lp.sortOrder)) {
	case "", "ascending":
	case "descending":
		q.Descending = true
	default:
		return q, ErrInvalidValue.WithDetail("sortOrder must be \"ascending\" or \"descending\", got %q.", lp.sortOrder)
	}
	if lp.useCursor {
		q.UseCursor, q.Cursor, q.StartIndex = true, lp.cursor, 1
	}
	return q, nil
}

// listQuery serves GET /{type} (RFC 7644 §3.4.2).
func (h *Handler) listQuery(w http.ResponseWriter, r *http.Request, ti *typeInfo) {
	lp, err := paramsFromRequest(r)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	h.list(w, r, ti, lp)
}

// searchBody serves POST /{type}/.search (RFC 7644 §3.4.3).
func (h *Handler) searchBody(w http.ResponseWriter, r *http.Request, ti *typeInfo) {
	lp, err := h.searchParams(r)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	h.list(w, r, ti, lp)
}

// searchParams reads the list parameters of a POST .search request from
// its SearchRequest body.
func (h *Handler) searchParams(r *http.Request) (listParams, error) {
	body, err := h.readBody(r)
	if err != nil {
		return listParams{}, err
	}
	return paramsFromBody(body)
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request, ti *typeInfo, lp listParams) {
	q, err := h.query(ti, lp)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	tenant, _, err := h.tenant(r)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	var page *store.Page
	var members [][]byte
	var heads []schema.EncodedHead
	if el, ok := h.cfg.Store.(store.EncodedLister); ok && len(lp.attrs) == 0 && len(lp.excl) == 0 {
		bp := bufPool.Get().(*[]byte)
		defer func() {
			if cap(*bp) <= maxPooledBuffer {
				bufPool.Put(bp)
			}
		}()
		var ep *store.EncodedPage
		ctx, op := h.store.start(r.Context(), "list")
		ep, err = el.ListEncoded(ctx, tenant, ti.rt, q, (*bp)[:0])
		op.done(ctx, err)
		if err == nil {
			page, members, heads, *bp = &ep.Page, ep.Members, ep.Heads, ep.Buffer[:0]
		}
	} else {
		page, err = h.store.List(r.Context(), tenant, ti.rt, q)
	}
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	out := newListResponse(page.TotalResults)
	out.Resources = make([]any, 0, len(page.Resources))
	if lp.useCursor {
		out.NextCursor = page.NextCursor
	} else {
		out.StartIndex = q.StartIndex
	}
	if len(members) == len(page.Resources) {
		out.Encoded = members
		out.Heads = usableHeads(heads, page.Resources)
	}
	out.Resources = h.presentPage(r, ti, page.Resources, lp.attrs, lp.excl, out.Resources) // a store's copies: presented in place
	out.ItemsPerPage = len(out.Resources)
	h.writeJSON(w, r, http.StatusOK, out)
}

func newListResponse(total int) *listResponse {
	return &listResponse{TotalResults: total, Resources: []any{}}
}

// usableHeads returns heads, the store's encoded heads of rs, without
// those presentation would make stale: presentAt fills in a missing
// meta.resourceType. It returns nil when heads are not one per resource.
func usableHeads(heads []schema.EncodedHead, rs []*schema.Resource) []schema.EncodedHead {
	if len(heads) != len(rs) {
		return nil
	}
	for i, res := range rs {
		if res.Meta.ResourceType == "" {
			heads[i] = schema.EncodedHead{}
		}
	}
	return heads
}
