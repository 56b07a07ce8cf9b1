package scim

import (
	"net/http"
	"strings"

	"github.com/scimkit/scimkit/patch"
	"github.com/scimkit/scimkit/schema"
)

// serviceProviderConfig serves GET /ServiceProviderConfig (RFC 7644 §4,
// RFC 7643 §5, RFC 9865 §4), describing what this handler really does.
func (h *Handler) serviceProviderConfig(w http.ResponseWriter, r *http.Request) {
	if h.refuseFilter(w, r) {
		return
	}
	spc := h.spc // built once by New; meta.location and changePassword depend on the request
	spc.ChangePassword = schema.Supported{Supported: h.passwordType != nil && h.discoveryTenant(r).Password != nil}
	spc.Meta = &schema.DiscoveryMeta{ResourceType: "ServiceProviderConfig", Location: info(r).base + "/ServiceProviderConfig"}
	h.writeJSON(w, r, http.StatusOK, spc)
}

// serviceProviderConfigOf describes what a handler with cfg really does,
// without meta. Every member RFC 7643 §5 marks REQUIRED is present with
// its JSON type, so strict parsers (authentik's pydantic model) accept it.
// bulk.maxOperations is the smaller of the /Bulk and the PATCH operation
// limits: authentik splits a group's member PATCHes into requests of
// bulk.maxOperations operations, so advertising more than a PATCH may
// carry would make them fail with 413.
func serviceProviderConfigOf(cfg Config) schema.ServiceProviderConfig {
	patchOps := cfg.MaxPatchOperations
	if patchOps <= 0 {
		patchOps = patch.DefaultMaxOperations
	}
	return schema.ServiceProviderConfig{
		DocumentationURI: cfg.DocumentationURI,
		Patch:            schema.Supported{Supported: true},
		Bulk: schema.BulkConfig{Supported: true, MaxOperations: min(cfg.MaxBulkOperations, patchOps),
			MaxPayloadSize: int(cfg.MaxBulkPayloadBytes)},
		Filter:         schema.FilterConfig{Supported: true, MaxResults: cfg.MaxPageSize},
		ChangePassword: schema.Supported{Supported: false},
		Sort:           schema.Supported{Supported: true},
		ETag:           schema.Supported{Supported: true},
		Pagination: &schema.PaginationConfig{Cursor: true, Index: true, DefaultPaginationMethod: "index",
			DefaultPageSize: cfg.DefaultPageSize, MaxPageSize: cfg.MaxPageSize, CursorTimeout: DefaultCursorTimeout},
		AuthenticationSchemes: []schema.AuthenticationScheme{{
			Type: "oauthbearertoken", Name: "OAuth Bearer Token",
			Description: "Authentication with a bearer token in the Authorization header.",
			SpecURI:     "https://www.rfc-editor.org/info/rfc6750", DocumentationURI: cfg.DocumentationURI, Primary: true,
		}},
	}
}

// refuseFilter answers 403 when a discovery request carries a filter:
// RFC 7644 §4 says the service provider SHOULD, so that clients do not
// believe the filter was applied.
func (h *Handler) refuseFilter(w http.ResponseWriter, r *http.Request) bool {
	if queryValue(r.URL.Query(), "filter") == "" {
		return false
	}
	WriteError(w, r, h.log, ErrForbidden.WithDetail("Filtering is not supported on discovery endpoints (RFC 7644 §4)."))
	return true
}

// schemasOf returns the distinct schemas of rts, in order.
func schemasOf(rts []*schema.ResourceType) []*schema.Schema {
	var out []*schema.Schema
	seen := map[string]bool{}
	add := func(s *schema.Schema) {
		if k := strings.ToLower(s.ID); !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	for _, rt := range rts {
		add(rt.Schema)
		for _, e := range rt.Extensions {
			add(e.Schema)
		}
	}
	return out
}

// schemas serves GET /Schemas (RFC 7644 §4, RFC 7643 §7) as a ListResponse.
func (h *Handler) schemas(w http.ResponseWriter, r *http.Request) {
	if h.refuseFilter(w, r) {
		return
	}
	all := h.schemaList
	out := newListResponse(len(all))
	tc := h.discoveryTenant(r)
	for _, s := range all {
		out.Resources = append(out.Resources, schema.SchemaRepresentation(withPasswordDescription(s, tc), info(r).base))
	}
	out.ItemsPerPage, out.StartIndex = len(all), 1
	h.writeJSON(w, r, http.StatusOK, out)
}

// schemaByID serves GET /Schemas/{id}; the URN compares case-insensitively.
func (h *Handler) schemaByID(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	for _, s := range h.schemaList {
		if strings.EqualFold(s.ID, id) {
			h.writeJSON(w, r, http.StatusOK, schema.SchemaRepresentation(withPasswordDescription(s, h.discoveryTenant(r)), info(r).base))
			return
		}
	}
	WriteError(w, r, h.log, ErrNotFound.WithDetail("Schema %q is not supported by this service provider.", id))
}

// resourceTypes serves GET /ResourceTypes (RFC 7644 §4, RFC 7643 §6).
func (h *Handler) resourceTypes(w http.ResponseWriter, r *http.Request) {
	if h.refuseFilter(w, r) {
		return
	}
	out := newListResponse(len(h.types))
	for _, ti := range h.types {
		out.Resources = append(out.Resources, schema.ResourceTypeRepresentation(ti.rt, info(r).base))
	}
	out.ItemsPerPage, out.StartIndex = len(h.types), 1
	h.writeJSON(w, r, http.StatusOK, out)
}

// resourceTypeByName serves GET /ResourceTypes/{name} (id or name, any case).
func (h *Handler) resourceTypeByName(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	for _, ti := range h.types {
		if strings.EqualFold(ti.rt.ID, name) || strings.EqualFold(ti.rt.Name, name) {
			h.writeJSON(w, r, http.StatusOK, schema.ResourceTypeRepresentation(ti.rt, info(r).base))
			return
		}
	}
	WriteError(w, r, h.log, ErrNotFound.WithDetail("Resource type %q is not supported by this service provider.", name))
}
