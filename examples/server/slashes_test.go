package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestBaseSlashes: "/scim/v2//Users" reaches the handler of "/scim/v2/"
// as "/scim/v2/Users" (a POST is not redirected), other paths are as sent.
func TestBaseSlashes(t *testing.T) {
	var got string
	mux := http.NewServeMux()
	mux.HandleFunc(basePath+"/", func(w http.ResponseWriter, r *http.Request) { got = r.Method + " " + r.URL.Path })
	h := baseSlashes(basePath, mux)
	for target, want := range map[string]string{
		"/scim/v2//Users":     "POST /scim/v2/Users",
		"/scim/v2///Groups/1": "POST /scim/v2/Groups/1",
		"/scim/v2/Users":      "POST /scim/v2/Users",
	} {
		got = ""
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, target, nil))
		if rec.Code != http.StatusOK || got != want {
			t.Errorf("POST %s: status %d, handler saw %q; want 200 and %q", target, rec.Code, got, want)
		}
	}
}
