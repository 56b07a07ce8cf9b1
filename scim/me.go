package scim

import (
	"net/http"
	"strings"
)

// me serves /Me (RFC 7644 §3.11): with Config.Me set, GET, PUT, PATCH and
// DELETE act on the authenticated subject's own resource; POST and a nil
// Config.Me answer 501 Not Implemented.
func (h *Handler) me(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Me == nil || r.Method == http.MethodPost {
		WriteError(w, r, h.log, ErrNotImplemented.WithDetail("/Me is not supported by this service provider."))
		return
	}
	rtName, id, err := h.cfg.Me(r.Context(), info(r).principal)
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	ti := h.byName[strings.ToLower(rtName)]
	if ti == nil {
		WriteError(w, r, h.log, ErrNotFound.WithDetail("The authenticated subject has no resource here."))
		return
	}
	r.SetPathValue("id", id)
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		h.get(w, r, ti)
	case http.MethodPut:
		h.replace(w, r, ti)
	case http.MethodPatch:
		h.patch(w, r, ti)
	case http.MethodDelete:
		h.delete(w, r, ti)
	default:
		w.Header().Set("Allow", "GET, HEAD, PUT, PATCH, DELETE")
		WriteError(w, r, h.log, ErrMethodNotAllowed.WithDetail("%s is not allowed on /Me.", r.Method))
	}
}
