package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime/pprof"
)

// startCeiling starts the trivial handler every result is compared with: on
// 127.0.0.1, it drains the request body and answers the fixed user payload,
// a user of the size the server under test returns. What a workload reaches
// against it is what this machine, client and concurrency can do at all.
func startCeiling(payload []byte) *httptest.Server {
	return httptest.NewServer(labelled("ceiling", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/scim+json")
		w.Write(payload)
	})))
}

// pagePayload is the page ceiling's answer: a ListResponse (RFC 7644
// §3.4.2) of n copies of user, the user the server returned, so that it is
// as big as a page of n of the server's users and a page is compared with a
// page rather than with one user.
func pagePayload(user []byte, n int) []byte {
	user = bytes.TrimSpace(user)
	var b bytes.Buffer
	b.Grow(n*(len(user)+1) + 200)
	fmt.Fprintf(&b, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":%d,"itemsPerPage":%d,"startIndex":1,"Resources":[`, n, n)
	for k := range n {
		if k > 0 {
			b.WriteByte(',')
		}
		b.Write(user)
	}
	b.WriteString("]}")
	return b.Bytes()
}

// labelled marks the goroutine serving a connection in CPU profiles with
// role, the workload of its latest request (X-Bench-Workload) and both as
// at=role/workload (pprof's -tagfocus keeps only its last value, so one
// label must carry both). The labels
// are left on the goroutine on purpose: net/http serves a connection on one
// goroutine, so its later request parsing and response writing are
// attributed too (to the previous request's workload at a switch).
func labelled(role string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wl := r.Header.Get(workloadHeader)
		ctx := pprof.WithLabels(r.Context(), pprof.Labels("role", role, "workload", wl, "at", role+"/"+wl))
		pprof.SetGoroutineLabels(ctx)
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}
