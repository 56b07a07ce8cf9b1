package main

import (
	"net/http"
	"strings"
)

// baseSlashes lets requests through whose path repeats the '/' after the
// SCIM base path ("/scim/v2//Users"), as an IdP configured with the base
// URL plus a trailing '/' sends them (JumpCloud does not trim it). Without
// it, http.ServeMux answers such a path with a redirect to the cleaned
// one, which clients follow for a POST by sending a GET.
func baseSlashes(base string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rest, ok := strings.CutPrefix(r.URL.Path, base+"//"); ok {
			r2 := r.Clone(r.Context())
			r2.URL.Path = base + "/" + strings.TrimLeft(rest, "/")
			r2.URL.RawPath = ""
			next.ServeHTTP(w, r2)
			return
		}
		next.ServeHTTP(w, r)
	})
}
