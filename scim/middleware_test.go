package scim

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestRequestID(t *testing.T) {
	var seen string
	h := RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = RequestIDFrom(r.Context()) }))
	for _, tt := range []struct{ in, want string }{
		{"abc-123", "abc-123"},
		{"", ""},
		{"has space", ""},
		{strings.Repeat("x", 129), ""},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if tt.in != "" {
			r.Header.Set(RequestIDHeader, tt.in)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		got := w.Header().Get(RequestIDHeader)
		if got != seen || got == "" {
			t.Errorf("%q: header %q, context %q", tt.in, got, seen)
		}
		if tt.want != "" && got != tt.want {
			t.Errorf("%q: id = %q, want echo", tt.in, got)
		}
		if tt.want == "" && got == tt.in {
			t.Errorf("%q: invalid id echoed", tt.in)
		}
	}
}

func TestRecover(t *testing.T) {
	var logs strings.Builder
	h := Recover(slog.New(slog.NewTextHandler(&logs, nil)))(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("db password is hunter2")
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != 500 || strings.Contains(w.Body.String(), "hunter2") {
		t.Errorf("got %d %s", w.Code, w.Body)
	}
	if !strings.Contains(logs.String(), "hunter2") {
		t.Errorf("panic not logged")
	}
}

func TestLimitBody(t *testing.T) {
	h := LimitBody(10)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			WriteError(w, r, nil, err)
			return
		}
		w.WriteHeader(204)
	}))
	for body, want := range map[string]int{"short": 204, "0123456789": 204, "01234567890": 413} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("POST", "/", strings.NewReader(body)))
		if w.Code != want {
			t.Errorf("%q: %d, want %d", body, w.Code, want)
		}
		// Without Content-Length, the limit applies while reading.
		r := httptest.NewRequest("POST", "/", io.NopCloser(strings.NewReader(body)))
		r.ContentLength = -1
		w = httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("%q (chunked): %d, want %d", body, w.Code, want)
		}
	}
}

func TestRateLimit(t *testing.T) {
	l := LimiterFunc(func(_ context.Context, key string) (bool, time.Duration) {
		return key != "blocked", 1500 * time.Millisecond
	})
	h := RateLimit(l)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	for tenant, want := range map[string]int{"ok": 204, "blocked": 429} {
		r := httptest.NewRequest("GET", "/", nil)
		r = r.WithContext(withPrincipal(r.Context(), Principal{Tenant: tenant}))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("%s: %d, want %d", tenant, w.Code, want)
		}
		if want == 429 && w.Header().Get("Retry-After") != "2" {
			t.Errorf("Retry-After = %q, want 2", w.Header().Get("Retry-After"))
		}
	}
}
