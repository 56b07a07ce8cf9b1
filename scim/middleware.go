package scim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"
)

// Middleware wraps an http.Handler; the Handler composes the ones below and
// a gateway may reuse them around its own handlers.
type Middleware = func(http.Handler) http.Handler

// RequestIDHeader is the header that carries the request id both ways.
const RequestIDHeader = "X-Request-Id"

type requestIDKey struct{}

// RequestIDFrom returns the request id set by RequestID, or "".
func RequestIDFrom(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey{}).(string)
	return s
}

// RequestID echoes a well-formed X-Request-Id from the client (at most 128
// printable ASCII characters) or generates one, puts it in the request's
// context (RequestIDFrom) and sets it on the response. A request whose
// context already has an id (a RequestID further out, around a whole
// server) keeps it.
func RequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if RequestIDFrom(r.Context()) != "" {
			next.ServeHTTP(w, r)
			return
		}
		id := r.Header.Get(RequestIDHeader)
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

func validRequestID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Recover turns a panic in next into a logged 500 SCIM error (never echoing
// the panic value), unless the response was already started. A panic with
// http.ErrAbortHandler is re-raised, as net/http expects.
func Recover(logger *slog.Logger) Middleware {
	if logger == nil {
		logger = slog.Default()
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tw := &trackingWriter{ResponseWriter: w}
			defer recoverTo(logger, tw, &tw.wrote, r)
			next.ServeHTTP(tw, r)
		})
	}
}

// recoverTo is Recover's deferred call (it must be the function deferred,
// for recover to stop the panic): w is the response, *wrote tells whether
// it was started. The Handler defers it with the writer observe already
// wraps the response in, rather than wrapping it once more.
func recoverTo(logger *slog.Logger, w http.ResponseWriter, wrote *bool, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	logger.LogAttrs(r.Context(), slog.LevelError, "scim: panic",
		slog.String("request_id", RequestIDFrom(r.Context())),
		slog.String("panic", fmt.Sprint(v)), slog.String("stack", string(debug.Stack())))
	if !*wrote {
		WriteError(w, r, discardLogger, ErrInternal)
	}
}

// discardLogger is used where the error was already logged.
var discardLogger = slog.New(slog.DiscardHandler)

// trackingWriter records whether the header was written.
type trackingWriter struct {
	http.ResponseWriter
	wrote bool
}

func (t *trackingWriter) WriteHeader(code int) {
	t.wrote = true
	t.ResponseWriter.WriteHeader(code)
}

func (t *trackingWriter) Write(b []byte) (int, error) {
	t.wrote = true
	return t.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (t *trackingWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// LimitBody caps request bodies at n bytes with http.MaxBytesReader: a body
// declared larger by Content-Length is refused at once, and reading past
// the limit fails with *http.MaxBytesError, which WriteError answers 413.
func LimitBody(n int64) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > n {
				WriteError(w, r, nil, &http.MaxBytesError{Limit: n})
				return
			}
			if r.Body != nil && r.Body != http.NoBody { // GET and DELETE have nothing to cap
				r.Body = http.MaxBytesReader(w, r.Body, n)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// Limiter decides whether a request may proceed. Allow is called once per
// authenticated request with the tenant as key; when it returns false the
// request is answered 429 with Retry-After (rounded up to whole seconds,
// at least 1). It must be safe for concurrent use.
type Limiter interface {
	// Allow reports whether a request for key may proceed and, if not, when to retry.
	Allow(ctx context.Context, key string) (ok bool, retryAfter time.Duration)
}

// LimiterFunc adapts a function to the Limiter interface.
type LimiterFunc func(ctx context.Context, key string) (bool, time.Duration)

// Allow calls f(ctx, key).
func (f LimiterFunc) Allow(ctx context.Context, key string) (bool, time.Duration) { return f(ctx, key) }

// RateLimit answers 429 Too Many Requests when l refuses the request. The
// key is the tenant of the request's Principal, or the client address when
// the request is not authenticated (place it after authentication for
// per-tenant limits).
func RateLimit(l Limiter) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			key := r.RemoteAddr
			if p, ok := PrincipalFrom(r.Context()); ok {
				key = p.Tenant
			}
			if ok, wait := l.Allow(r.Context(), key); !ok {
				secs := int((wait + time.Second - 1) / time.Second)
				WriteError(w, r, nil, ErrTooManyRequests.WithRetryAfter(max(secs, 1)).
					WithDetail("Too many requests; retry after %s seconds.", strconv.Itoa(max(secs, 1))))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
