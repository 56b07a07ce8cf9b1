package scim

import "net/http"

// bulkSupported is advertised in ServiceProviderConfig.bulk.supported.
const bulkSupported = false

func bulkMaxOperations() int { return 0 }

// bulk serves /Bulk (RFC 7644 §3.7), which this service provider does not
// implement: 501 Not Implemented, as advertised by bulk.supported=false.
func (h *Handler) bulk(w http.ResponseWriter, r *http.Request) {
	WriteError(w, r, h.log, ErrNotImplemented.WithDetail("Bulk operations are not supported (see /ServiceProviderConfig)."))
}
