package scim

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// Handler is the SCIM service provider (RFC 7644) as an http.Handler. It
// can be mounted under any prefix (see Config.Prefix and BaseURL) and is
// safe for concurrent use.
type Handler struct {
	cfg    Config
	types  []*typeInfo          // in Config order
	byName map[string]*typeInfo // lower-cased name → type
	// groupType is the type a user's "groups" name (see groupTypeOf).
	groupType *typeInfo
	// passwordType is the first type with a password attribute, the one
	// VerifyPassword reads.
	passwordType *typeInfo
	canon        map[string]string // lower-cased first path segment → canonical
	mux          *http.ServeMux
	chain        http.Handler
	log          *slog.Logger
	store        timedStore // Config.Store, measured (storetime.go)
	tel          *telemetry // metrics and traces (observe.go)
	// Discovery documents that depend only on the configuration.
	spc        schema.ServiceProviderConfig // without meta
	schemaList []*schema.Schema             // distinct schemas of the types
}

// typeInfo is a configured resource type and what the handler needs to
// know about it.
type typeInfo struct {
	rt *schema.ResourceType
	// members: the core schema has a multi-valued complex "members" with a
	// "value" sub-attribute (the store keeps it as a membership index).
	members bool
	// groups: the core schema has the readOnly derived "groups" attribute.
	groups bool
	// password is the core schema's password attribute (passwordAttr), or nil.
	password *schema.Attribute
}

func newTypeInfo(rt *schema.ResourceType) *typeInfo {
	ti := &typeInfo{rt: rt, password: rt.PasswordAttribute()}
	if a := rt.Schema.Attribute("members"); a != nil && a.MultiValued && a.IsComplex() && a.Sub("value") != nil {
		ti.members = true
	}
	if a := rt.Schema.Attribute("groups"); a != nil && a.MultiValued && a.EffectiveMutability() == schema.ReadOnly {
		ti.groups = true
	}
	return ti
}

// New validates cfg, applies its defaults and returns the Handler.
//
// Authentication fails closed: with a nil Config.Authenticator every
// request is answered 401 (New logs a warning). Errors name the offending
// Config field.
func New(cfg Config) (*Handler, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	h := &Handler{cfg: cfg, byName: map[string]*typeInfo{}, log: cfg.Logger,
		canon: map[string]string{}, mux: http.NewServeMux(),
		spc: serviceProviderConfigOf(cfg), schemaList: schemasOf(cfg.ResourceTypes)}
	for _, seg := range []string{"ServiceProviderConfig", "Schemas", "ResourceTypes", "Bulk", "Me", ".search"} {
		h.canon[strings.ToLower(seg)] = seg
	}
	h.canon["serviceproviderconfigs"] = "ServiceProviderConfig" // SCIM 1.1 spelling
	for _, rt := range cfg.ResourceTypes {
		ti := newTypeInfo(rt)
		h.types = append(h.types, ti)
		h.byName[strings.ToLower(rt.Name)] = ti
		h.canon[strings.ToLower(rt.Endpoint[1:])] = rt.Endpoint[1:]
		h.routeType(ti)
		if ti.password != nil && h.passwordType == nil {
			h.passwordType = ti
		}
	}
	if h.tel, err = newTelemetry(cfg); err != nil {
		return nil, fmt.Errorf("scim: telemetry: %w", err)
	}
	h.store = timedStore{st: cfg.Store, tel: h.tel}
	h.groupType = groupTypeOf(h.types)
	h.routeService()
	if cfg.Authenticator == nil {
		cfg.Logger.Warn("scim: Config.Authenticator is nil: every request will be answered 401")
	}
	if _, ok := cfg.Store.(store.Tombstones); !ok && cfg.Tenant != nil {
		cfg.Logger.Warn("scim: Config.Store does not implement store.Tombstones: a tenant whose delete policy is soft gets hard deletes")
	}
	var next http.Handler = http.HandlerFunc(h.serveAuthenticated)
	next = h.limitBody(next) // MaxBodyBytes, or MaxBulkPayloadBytes for /Bulk
	public := next           // public discovery: no rate limit, no log
	if cfg.Limiter != nil {
		next = RateLimit(newThrottleCounter(cfg.Limiter, h.tel.throttled))(next) // runs after authentication (serve)
	}
	next = h.recordWrites(next) // Config.ProvisioningLog (provlog.go)
	// observe recovers panics as Recover(cfg.Logger) would, inside its
	// measurement, with the one response writer it wraps.
	h.chain = RequestID(h.observe(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.serve(w, r, next, public)
	})))
	return h, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.chain.ServeHTTP(w, r) }

func (h *Handler) routeType(ti *typeInfo) {
	ep := ti.rt.Endpoint
	h.mux.HandleFunc("GET "+ep, h.typed(ti, h.listQuery))
	h.mux.HandleFunc("POST "+ep, h.typed(ti, h.create))
	h.mux.HandleFunc("POST "+ep+"/.search", h.typed(ti, h.searchBody))
	h.mux.HandleFunc("GET "+ep+"/{id}", h.typed(ti, h.get))
	h.mux.HandleFunc("PUT "+ep+"/{id}", h.typed(ti, h.replace))
	h.mux.HandleFunc("PATCH "+ep+"/{id}", h.typed(ti, h.patch))
	h.mux.HandleFunc("DELETE "+ep+"/{id}", h.typed(ti, h.delete))
}

func (h *Handler) routeService() {
	h.mux.HandleFunc("GET /{$}", h.rootQuery)
	h.mux.HandleFunc("POST /.search", h.rootSearch)
	h.mux.HandleFunc("GET /ServiceProviderConfig", h.serviceProviderConfig)
	h.mux.HandleFunc("GET /Schemas", h.schemas)
	h.mux.HandleFunc("GET /Schemas/{id}", h.schemaByID)
	h.mux.HandleFunc("GET /ResourceTypes", h.resourceTypes)
	h.mux.HandleFunc("GET /ResourceTypes/{name}", h.resourceTypeByName)
	h.mux.HandleFunc("/Bulk", h.bulk)
	h.mux.HandleFunc("/Me", h.me)
	h.mux.HandleFunc("/", h.fallback)
}

// typed adapts a per-type handler to http.HandlerFunc.
func (h *Handler) typed(ti *typeInfo, f func(http.ResponseWriter, *http.Request, *typeInfo)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { f(w, r, ti) }
}

// reqInfo is the per-request state the handler keeps in the context.
type reqInfo struct {
	base      string // absolute URL of the handler's root, no trailing slash
	principal Principal
	authed    bool
	// slashes is set when the client's path repeated the '/' after the
	// mount point ("/scim/v2//Users"); the provisioning log keeps that
	// form so that a grade of the log sees it (Q-JUMPCLOUD-TRAILING-SLASH).
	slashes bool
	// dropped are the member values the request's writes left out
	// (store.DropUnresolved), for the provisioning log; droppedBy the
	// same by the id of the group written (the operations of a /Bulk).
	mu           sync.Mutex
	dropped      []string
	droppedBy    map[string][]string
	droppedTotal int // all the values left out, recorded or not
}

// maxDroppedRecorded bounds the member values left out that the
// provisioning log records for one request (and for one group of a
// /Bulk): a request may leave out thousands, and the entry and its log
// line stay small. The log line gives the total.
const maxDroppedRecorded = 100

// noteDropped adds member values a write of group id left out, keeping at
// most maxDroppedRecorded of them (and of each group's) and counting all.
func (ri *reqInfo) noteDropped(id string, values []string) {
	if len(values) == 0 {
		return
	}
	ri.mu.Lock()
	defer ri.mu.Unlock()
	ri.droppedTotal += len(values)
	ri.dropped = appendUpTo(ri.dropped, values, maxDroppedRecorded)
	if ri.droppedBy == nil {
		ri.droppedBy = map[string][]string{}
	}
	ri.droppedBy[id] = appendUpTo(ri.droppedBy[id], values, maxDroppedRecorded)
}

// appendUpTo appends to list as many of values as keep it at most n long.
func appendUpTo(list, values []string, n int) []string {
	if room := n - len(list); room < len(values) {
		values = values[:max(room, 0)]
	}
	return append(list, values...)
}

// droppedMembers returns the member values the request's writes left out
// (at most maxDroppedRecorded) and how many they left out in all.
func (ri *reqInfo) droppedMembers() ([]string, int) {
	ri.mu.Lock()
	defer ri.mu.Unlock()
	return slices.Clone(ri.dropped), ri.droppedTotal
}

// droppedOf returns the member values the request's writes of group id
// left out.
func (ri *reqInfo) droppedOf(id string) []string {
	ri.mu.Lock()
	defer ri.mu.Unlock()
	return slices.Clone(ri.droppedBy[id])
}

type reqInfoKey struct{}

// servedCtx is what serve gives a request, in one allocation: a context
// carrying the request's reqInfo (under reqInfoKey) and its normalised URL.
type servedCtx struct {
	context.Context
	ri  reqInfo
	url url.URL
}

// Value returns the reqInfo for reqInfoKey, else the parent's value.
func (c *servedCtx) Value(key any) any {
	if _, ok := key.(reqInfoKey); ok {
		return &c.ri
	}
	return c.Context.Value(key)
}

func info(r *http.Request) *reqInfo {
	if ri, ok := r.Context().Value(reqInfoKey{}).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{}
}

// serve normalises the path (mount prefix, endpoint case, trailing slash),
// computes the base URL, and authenticates unless the endpoint is public.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, next, public http.Handler) {
	r, pathTenant := h.tenantPath(r) // Config.TenantInPath (tenants.go)
	rel, mount := h.relPath(r)
	sc := &servedCtx{Context: r.Context(), ri: reqInfo{base: h.baseURL(r, mount), slashes: h.repeatsSlash(r)}, url: *r.URL}
	ri := &sc.ri
	if pathTenant != "" && h.cfg.BaseURL != "" {
		ri.base += "/tenants/" + url.PathEscape(pathTenant)
	}
	// One copy of the request carries the normalised path and ri; the
	// principal is filled into ri by authenticate (PrincipalFrom reads it).
	r2 := r.WithContext(sc)
	sc.url.Path, sc.url.RawPath = rel, ""
	r2.URL = &sc.url
	noteRequest(r, h.resourceLabel(rel), nil)
	if h.cfg.PublicDiscovery && isDiscovery(rel) {
		public.ServeHTTP(w, r2)
		return
	}
	if !h.authenticate(w, r2, ri) {
		return
	}
	if pathTenant != "" && pathTenant != ri.principal.Tenant {
		WriteError(w, r2, h.log, ErrNotFound.WithDetail("No SCIM endpoint at %s for this credential.", r.URL.Path))
		return
	}
	next.ServeHTTP(w, r2)
}

func isDiscovery(rel string) bool {
	seg, _, _ := strings.Cut(strings.TrimPrefix(rel, "/"), "/")
	return seg == "ServiceProviderConfig" || seg == "Schemas" || seg == "ResourceTypes"
}

// serveAuthenticated dispatches a normalised request.
func (h *Handler) serveAuthenticated(w http.ResponseWriter, r *http.Request) {
	h.mux.ServeHTTP(w, r)
}

// relPath returns the request path relative to the mount point, with the
// first segment in its canonical case and no trailing slash, and the mount
// prefix as seen by the client (escaped; only needed, and only computed,
// when Config.BaseURL is empty).
func (h *Handler) relPath(r *http.Request) (rel, mount string) {
	p := r.URL.Path
	if pre := h.cfg.Prefix; pre != "" && (p == pre || strings.HasPrefix(p, pre+"/")) {
		p = p[len(pre):]
	}
	for strings.HasPrefix(p, "//") {
		p = p[1:] // a base URL configured with a trailing slash (JumpCloud sends ".../v2//Users")
	}
	if h.cfg.BaseURL == "" {
		mount = h.mountPrefix(r, p)
	}
	if len(p) > 1 {
		p = strings.TrimRight(p, "/")
	}
	if p == "" {
		p = "/"
	}
	seg, rest, _ := strings.Cut(p[1:], "/")
	if c, ok := h.canon[strings.ToLower(seg)]; ok {
		seg = c
	}
	if rest != "" {
		return "/" + seg + "/" + rest, mount
	}
	return "/" + seg, mount
}

// repeatsSlash reports whether r's path repeats the '/' after the mount
// prefix, as relPath forgives.
func (h *Handler) repeatsSlash(r *http.Request) bool {
	p := r.URL.Path
	if pre := h.cfg.Prefix; pre != "" && strings.HasPrefix(p, pre+"/") {
		p = p[len(pre):]
	}
	return strings.HasPrefix(p, "//")
}

// mountPrefix returns the part of the client's request path in front of
// rel: Config.Prefix, or what http.StripPrefix (or any router) removed.
func (h *Handler) mountPrefix(r *http.Request, rel string) string {
	reqPath := r.RequestURI
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
		reqPath = u.EscapedPath()
	}
	relEsc := (&url.URL{Path: rel}).EscapedPath()
	if rel != "" && rel != "/" && strings.HasSuffix(reqPath, relEsc) {
		return strings.TrimSuffix(reqPath[:len(reqPath)-len(relEsc)], "/")
	}
	if rel == "" || rel == "/" {
		return strings.TrimSuffix(reqPath, "/")
	}
	return h.cfg.Prefix
}

// baseURL returns the absolute URL of the handler's root.
func (h *Handler) baseURL(r *http.Request, mount string) string {
	if h.cfg.BaseURL != "" {
		return h.cfg.BaseURL
	}
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if h.cfg.TrustForwardedHeaders {
		if p := firstToken(r.Header.Get("X-Forwarded-Proto")); p == "http" || p == "https" {
			scheme = p
		}
		if fh := firstToken(r.Header.Get("X-Forwarded-Host")); fh != "" {
			host = fh
		}
	}
	return scheme + "://" + host + mount
}

func firstToken(s string) string {
	s, _, _ = strings.Cut(s, ",")
	return strings.TrimSpace(s)
}

// authenticate runs the Authenticator; on failure it writes the error and
// returns false.
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request, ri *reqInfo) bool {
	if h.cfg.Authenticator == nil {
		WriteError(w, r, h.log, ErrUnauthorized.WithDetail("No authenticator is configured: the service refuses every request."))
		return false
	}
	p, err := h.cfg.Authenticator.Authenticate(r)
	if err != nil {
		if _, ok := err.(*Error); !ok {
			h.log.LogAttrs(r.Context(), slog.LevelInfo, "scim: authentication failed",
				slog.String("request_id", RequestIDFrom(r.Context())), slog.Any("error", err))
			w.Header().Set("WWW-Authenticate", `Bearer realm="scim", error="invalid_token"`)
			err = ErrUnauthorized
		}
		WriteError(w, r, h.log, err)
		return false
	}
	if p.Tenant == "" {
		p.Tenant = DefaultTenant
	}
	ri.principal, ri.authed = p, true
	noteRequest(r, "", &p)
	return true
}

// fallback answers paths no route matched: 405 for a known endpoint with
// another method, else 404.
func (h *Handler) fallback(w http.ResponseWriter, r *http.Request) {
	seg, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	allow := ""
	switch {
	case seg == "ServiceProviderConfig" && rest == "", seg == "Schemas", seg == "ResourceTypes":
		allow = "GET, HEAD"
	case seg == ".search" && rest == "":
		allow = "POST"
	case h.typeByEndpoint(seg) != nil && rest == "":
		allow = "GET, HEAD, POST"
	case h.typeByEndpoint(seg) != nil && rest == ".search":
		allow = "POST"
	case h.typeByEndpoint(seg) != nil && !strings.Contains(rest, "/"):
		allow = "GET, HEAD, PUT, PATCH, DELETE"
	}
	if allow == "" {
		WriteError(w, r, h.log, ErrNotFound.WithDetail("No SCIM endpoint at %s.", r.URL.Path))
		return
	}
	w.Header().Set("Allow", allow)
	WriteError(w, r, h.log, ErrMethodNotAllowed.WithDetail("%s is not allowed on %s; allowed: %s.", r.Method, r.URL.Path, allow))
}

func (h *Handler) typeByEndpoint(seg string) *typeInfo {
	for _, ti := range h.types {
		if ti.rt.Endpoint[1:] == seg {
			return ti
		}
	}
	return nil
}

// contentType is the media type of responses (RFC 7644 §3.8): clients
// MAY accept application/scim+json or application/json, and responses are
// application/scim+json unless the Accept header accepts application/json
// and not application/scim+json (neither by name nor through application/*
// or */*). Media types compare case-insensitively, a range with q=0 is not
// accepted, and a client accepting neither still gets
// application/scim+json rather than 406.
func contentType(r *http.Request) string {
	const scimJSON = "application/scim+json"
	accepts := r.Header.Values("Accept")
	if len(accepts) == 0 {
		return scimJSON
	}
	scim, plain := false, false
	for _, header := range accepts {
		for rng := range strings.SplitSeq(header, ",") {
			media, params, _ := strings.Cut(rng, ";")
			if refused(params) {
				continue
			}
			switch strings.ToLower(strings.TrimSpace(media)) {
			case scimJSON, "application/*", "*/*":
				scim = true
			case "application/json":
				plain = true
			}
		}
	}
	if plain && !scim {
		return "application/json"
	}
	return scimJSON
}

// refused reports whether the parameters of an Accept media range give it
// the quality value 0 (RFC 9110 §12.4.2: "not acceptable").
func refused(params string) bool {
	for p := range strings.SplitSeq(params, ";") {
		k, v, _ := strings.Cut(p, "=")
		if strings.EqualFold(strings.TrimSpace(k), "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return err == nil && q <= 0
		}
	}
	return false
}
