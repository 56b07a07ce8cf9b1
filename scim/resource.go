package scim

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/scimkit/scimkit/patch"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// tenant returns the tenant id and settings of an authenticated request.
func (h *Handler) tenant(r *http.Request) (string, TenantConfig, error) {
	t := info(r).principal.Tenant
	if h.cfg.Tenant == nil {
		return t, h.cfg.Defaults, nil
	}
	tc, err := h.cfg.Tenant(r.Context(), t)
	return t, tc, err
}

// writeCtx returns ctx, the request's context or one derived from it,
// carrying the store.RequestInfo of its events.
func writeCtx(ctx context.Context, r *http.Request) context.Context {
	return store.WithRequestInfo(ctx, store.RequestInfo{
		Actor: info(r).principal.Actor, RequestID: RequestIDFrom(r.Context())})
}

// checkWritable refuses writes from read-only principals (403).
func checkWritable(r *http.Request, method string) error {
	if info(r).principal.ReadOnly {
		return ErrForbidden.WithDetail("This credential is read-only; %s is not allowed.", method)
	}
	return nil
}

// get serves GET /{type}/{id} (RFC 7644 §3.4.1), with If-None-Match
// (RFC 7644 §3.14: 304 when the version is unchanged).
func (h *Handler) get(w http.ResponseWriter, r *http.Request, ti *typeInfo) {
	id := r.PathValue("id")
	attrs, excl, err := projection(r.URL.Query())
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	res, err := h.read(r, ti, id, ti.readOptions(attrs, excl))
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, res.Meta.Version) {
		w.Header().Set("ETag", res.Meta.Version)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.writeResource(w, r, http.StatusOK, ti, res, attrs, excl)
}

// read gets one resource, answering 404 with a detail naming it.
func (h *Handler) read(r *http.Request, ti *typeInfo, id string, opts store.ReadOptions) (*schema.Resource, error) {
	if !validID(id) {
		return nil, notFound(ti, id)
	}
	tenant, _, err := h.tenant(r)
	if err != nil {
		return nil, err
	}
	res, err := h.store.Get(r.Context(), tenant, ti.rt, id, opts)
	return res, h.storeErr(err, ti, id)
}

func notFound(ti *typeInfo, id string) error {
	return ErrNotFound.WithDetail("%s %q not found.", ti.rt.Name, id)
}

// storeErr gives store errors about one resource a detail naming it.
func (h *Handler) storeErr(err error, ti *typeInfo, id string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return notFound(ti, id)
	case errors.Is(err, store.ErrPrecondition):
		return ErrPreconditionFailed.WithDetail("%s %q has changed: If-Match does not match its current version.", ti.rt.Name, id)
	}
	return unresolvedErr(err, ti)
}

// write is a write request on one resource (RFC 7644 §3.3, §3.5, §3.6),
// from a single HTTP request or from one operation of a bulk request
// (§3.7): both are executed by Handler.do.
type write struct {
	method      string // POST, PUT, PATCH or DELETE
	ti          *typeInfo
	id          string   // the resource's id; "" for POST
	body        []byte   // JSON body checked by checkBody; nil for DELETE
	ifMatch     string   // If-Match header, or the bulk operation's "version"
	attrs, excl []string // attributes/excludedAttributes (RFC 7644 §3.9); none in bulk
}

// writeRequest builds the write of a single request on ti: read-only
// principals and bad attributes/excludedAttributes are refused before
// the body is read.
func (h *Handler) writeRequest(r *http.Request, ti *typeInfo, id string) (write, error) {
	wr := write{method: r.Method, ti: ti, id: id, ifMatch: r.Header.Get("If-Match")}
	if err := checkWritable(r, r.Method); err != nil {
		return wr, err
	}
	if r.Method == http.MethodDelete {
		return wr, nil
	}
	var err error
	if wr.attrs, wr.excl, err = projection(r.URL.Query()); err != nil {
		return wr, err
	}
	wr.body, err = h.readBody(r)
	return wr, err
}

// serveWrite runs the write of a single request on ti (writeRequest, then
// do). On failure it writes the error and returns ok false.
func (h *Handler) serveWrite(w http.ResponseWriter, r *http.Request, ti *typeInfo, id string) (wr write, status int, res *schema.Resource, ok bool) {
	wr, err := h.writeRequest(r, ti, id)
	if err == nil {
		status, res, err = h.do(r, wr)
	}
	if err != nil {
		WriteError(w, r, h.log, err)
		return wr, 0, nil, false
	}
	return wr, status, res, true
}

// do executes wr for the request's principal, in its tenant, with its
// store.RequestInfo. It returns the status a single request answers
// (201 for POST, 200 or 204 for PATCH, 200 for PUT, 204 for DELETE) and
// the stored resource (nil for DELETE).
func (h *Handler) do(r *http.Request, wr write) (status int, res *schema.Resource, err error) {
	if err := checkWritable(r, wr.method); err != nil {
		return 0, nil, err
	}
	tenant, tc, err := h.tenant(r)
	if err != nil {
		return 0, nil, err
	}
	// The context of the write (the request is not copied to carry it).
	refs := &store.RefReport{}
	ctx := writeCtx(store.WithRefPolicy(r.Context(), tc.refPolicy(), refs), r)
	defer func() {
		if err == nil && res != nil {
			info(r).noteDropped(res.ID, refs.Dropped)
		}
	}()
	switch wr.method {
	case http.MethodPost:
		res, err = h.doCreate(ctx, tenant, tc, wr)
		status = http.StatusCreated
	case http.MethodPut:
		res, err = h.doReplace(ctx, tenant, tc, wr)
		status = http.StatusOK
	case http.MethodPatch:
		res, err = h.doPatch(ctx, tenant, tc, wr)
		status = http.StatusOK
		if h.patchNoContent(r, wr.ti, tc, wr.attrs) {
			status = http.StatusNoContent
		}
	case http.MethodDelete:
		err, status = h.doDelete(ctx, tenant, tc, wr), http.StatusNoContent
	default:
		err = ErrMethodNotAllowed.WithDetail("%s is not a write method.", wr.method)
	}
	if err != nil {
		return 0, nil, err
	}
	return status, res, nil
}

// create serves POST /{type} (RFC 7644 §3.3): 201 with Location and ETag.
func (h *Handler) create(w http.ResponseWriter, r *http.Request, ti *typeInfo) {
	if wr, status, res, ok := h.serveWrite(w, r, ti, ""); ok {
		w.Header().Set("Location", h.location(r, ti, res.ID))
		h.writeResource(w, r, status, ti, res, wr.attrs, wr.excl)
	}
}

func (h *Handler) doCreate(ctx context.Context, tenant string, tc TenantConfig, wr write) (*schema.Resource, error) {
	opts := h.decodeOptions(tc)
	res, err := wr.ti.rt.Decode(wr.body, opts)
	if err != nil {
		return nil, err
	}
	if err := h.checkMembers(wr.ti, res); err != nil {
		return nil, err
	}
	if res, err = wr.ti.rt.Validate(schema.ModeCreate, nil, res, opts); err != nil {
		return nil, err
	}
	// After validation: a body that is refused costs no (memory-hard) hash.
	if err := applyPasswordPolicy(tc, wr.ti, res); err != nil {
		return nil, err
	}
	res, err = h.store.Create(ctx, tenant, wr.ti.rt, res)
	return res, unresolvedErr(err, wr.ti)
}

// replace serves PUT /{type}/{id} (RFC 7644 §3.5.1) with If-Match.
func (h *Handler) replace(w http.ResponseWriter, r *http.Request, ti *typeInfo) {
	if wr, status, res, ok := h.serveWrite(w, r, ti, r.PathValue("id")); ok {
		h.writeResource(w, r, status, ti, res, wr.attrs, wr.excl)
	}
}

func (h *Handler) doReplace(ctx context.Context, tenant string, tc TenantConfig, wr write) (*schema.Resource, error) {
	ti, id := wr.ti, wr.id
	if !validID(id) {
		return nil, notFound(ti, id)
	}
	opts := h.decodeOptions(tc)
	next, err := ti.rt.Decode(wr.body, opts)
	if err != nil {
		return nil, err
	}
	if err := h.checkMembers(ti, next); err != nil {
		return nil, err
	}
	hashPassword, err := h.putPassword(ctx, tenant, tc, ti, id, next)
	if err != nil {
		return nil, err
	}
	u := store.Update{
		IfMatch:     wr.ifMatch,
		LoadMembers: ti.members,
		Apply: func(cur *schema.Resource) (*schema.Resource, error) {
			res, err := ti.rt.Validate(schema.ModeReplace, cur, next.Clone(), opts)
			if err != nil {
				return nil, err
			}
			if err := hashPassword(cur, res); err != nil { // after validation: a refused body costs no hash
				return nil, err
			}
			return res, nil
		},
	}
	res, _, err := h.store.Update(ctx, tenant, ti.rt, id, u)
	return res, h.storeErr(err, ti, id)
}

// patch serves PATCH /{type}/{id} (RFC 7644 §3.5.2). The body is parsed and
// checked before the store is touched; member operations on groups become
// deltas when possible, so the member list is neither read nor rewritten.
func (h *Handler) patch(w http.ResponseWriter, r *http.Request, ti *typeInfo) {
	id := r.PathValue("id")
	wr, status, res, ok := h.serveWrite(w, r, ti, id)
	if !ok {
		return
	}
	w.Header().Set("ETag", res.Meta.Version)
	if status == http.StatusNoContent {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	attrs, excl := wr.attrs, wr.excl
	if ti.members && !explicitlyWants(ti.rt, "members", attrs) && res.Attrs["members"] != nil {
		res = res.Clone()
		delete(res.Attrs, "members")
	}
	h.writeResource(w, r, status, ti, res, attrs, excl)
}

func (h *Handler) doPatch(ctx context.Context, tenant string, tc TenantConfig, wr write) (*schema.Resource, error) {
	ti, id := wr.ti, wr.id
	if !validID(id) {
		return nil, notFound(ti, id)
	}
	pc := patch.Config{Dialect: tc.Dialect, MaxOperations: h.cfg.MaxPatchOperations,
		MaxMembersPerOp: h.cfg.MaxMembersPerOp, MaxReferences: max(h.cfg.MaxMembersPerRequest, 0), Decode: h.decodeOptions(tc)}
	check := func(cur, next *schema.Resource) error { return nil }
	if ti.password != nil {
		pc.Password, check = h.patchPassword(ctx, tenant, tc, ti, id)
	}
	p, err := patch.Parse(ti.rt, wr.body, pc)
	if err != nil {
		return nil, err
	}
	// A response that asks for members gets them as of this update, read in
	// its transaction.
	u := store.Update{IfMatch: wr.ifMatch, Apply: applyPatch(p, check), ReturnMembers: ti.members && explicitlyWants(ti.rt, "members", wr.attrs)}
	if ti.members {
		if rest, deltas, ok := p.Members("members"); ok {
			u.Apply, u.MemberDeltas = applyPatch(rest, check), deltas
		} else {
			u.LoadMembers = true
		}
	}
	res, _, err := h.store.Update(ctx, tenant, ti.rt, id, u)
	return res, h.storeErr(err, ti, id)
}

// applyPatch applies p to the current resource, then check(cur, next).
func applyPatch(p *patch.Patch, check func(cur, next *schema.Resource) error) func(*schema.Resource) (*schema.Resource, error) {
	return func(cur *schema.Resource) (*schema.Resource, error) {
		next, _, err := p.Apply(cur)
		if err != nil {
			return nil, err
		}
		return next, check(cur, next)
	}
}

// patchNoContent decides between 204 and 200 for a successful PATCH.
func (h *Handler) patchNoContent(r *http.Request, ti *typeInfo, tc TenantConfig, attrs []string) bool {
	switch tc.PatchResponse {
	case PatchResponseNoContent:
		return true
	case PatchResponseResource:
		return false
	}
	if !ti.members || len(attrs) > 0 {
		return false
	}
	return !strings.Contains(strings.ToLower(r.Header.Get("User-Agent")), "okta")
}

// delete serves DELETE /{type}/{id} (RFC 7644 §3.6): 204, with If-Match.
func (h *Handler) delete(w http.ResponseWriter, r *http.Request, ti *typeInfo) {
	if _, _, _, ok := h.serveWrite(w, r, ti, r.PathValue("id")); ok {
		w.WriteHeader(http.StatusNoContent)
	}
}

func (h *Handler) doDelete(ctx context.Context, tenant string, tc TenantConfig, wr write) error {
	ti, id := wr.ti, wr.id
	if !validID(id) {
		return notFound(ti, id)
	}
	if ts, ok := h.cfg.Store.(store.Tombstones); ok && tc.Delete == DeleteSoft {
		return h.storeErr(ts.DeleteWithTombstone(ctx, tenant, ti.rt, id, wr.ifMatch), ti, id)
	}
	return h.storeErr(h.store.Delete(ctx, tenant, ti.rt, id, wr.ifMatch), ti, id)
}

// writeResource fills meta.location, sets ETag and writes the projection
// of res asked for by attributes/excludedAttributes (RFC 7644 §3.9). The
// ETag header is set even when the projection leaves meta out (RFC 7644
// §3.14: "SCIM ETags MUST be specified as an HTTP header").
func (h *Handler) writeResource(w http.ResponseWriter, r *http.Request, status int, ti *typeInfo, res *schema.Resource, attrs, excl []string) {
	if res.Meta.Version != "" {
		w.Header().Set("ETag", res.Meta.Version)
	}
	h.writeJSON(w, r, status, h.present(r, ti, res, attrs, excl))
}

// present returns the projection of res to send, with meta.location and
// the "$ref" of groups and members (addRefs) set.
func (h *Handler) present(r *http.Request, ti *typeInfo, res *schema.Resource, attrs, excl []string) *schema.Resource {
	c := *res
	return h.presentOwned(r, ti, &c, attrs, excl)
}

// presentOwned is present for a resource the caller owns, such as one of a
// list page (stores return copies): res is completed in place rather than
// copied first.
func (h *Handler) presentOwned(r *http.Request, ti *typeInfo, res *schema.Resource, attrs, excl []string) *schema.Resource {
	return h.presentAt(r, ti, res, h.location(r, ti, res.ID), attrs, excl)
}

// presentAt is presentOwned with the resource's location already built.
func (h *Handler) presentAt(r *http.Request, ti *typeInfo, res *schema.Resource, location string, attrs, excl []string) *schema.Resource {
	res.Meta.Location = location
	if res.Meta.ResourceType == "" {
		res.Meta.ResourceType = ti.rt.Name
	}
	h.addRefs(r, ti, res)
	if len(res.Attrs) == 0 && len(attrs) == 0 && len(excl) == 0 {
		return res // nothing the default projection could change
	}
	return ti.rt.Project(res, attrs, excl)
}

// location is the absolute URI of a resource (RFC 7644 §3.1 meta.location).
func (h *Handler) location(r *http.Request, ti *typeInfo, id string) string {
	return info(r).base + ti.rt.Endpoint + "/" + url.PathEscape(id)
}

// presentPage appends the resources of a list page, presented in place
// (presentOwned), to out. Their locations are built as location does,
// into one string they share, instead of one allocation each.
func (h *Handler) presentPage(r *http.Request, ti *typeInfo, rs []*schema.Resource, attrs, excl []string, out []any) []any {
	prefix := info(r).base + ti.rt.Endpoint + "/"
	var b strings.Builder
	b.Grow(len(rs) * (len(prefix) + 36)) // ids are UUIDs, typically
	ends := make([]int, len(rs))
	for i, res := range rs {
		b.WriteString(prefix)
		b.WriteString(url.PathEscape(res.ID))
		ends[i] = b.Len()
	}
	all, start := b.String(), 0
	for i, res := range rs {
		out = append(out, h.presentAt(r, ti, res, all[start:ends[i]], attrs, excl))
		start = ends[i]
	}
	return out
}

// etagMatches reports whether an If-None-Match or If-Match header value
// matches version, by weak comparison (RFC 9110 §8.8.3.2).
func etagMatches(header, version string) bool {
	if version == "" {
		return false
	}
	want := strings.TrimPrefix(version, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}
