package scim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// Error is the SCIM protocol error of RFC 7644 §3.12. It is an alias of
// schema.Error so that every package of scimkit returns the same type;
// compare with errors.Is against the prototypes below and derive specific
// errors with WithDetail.
type Error = schema.Error

// Prototype errors (RFC 7644 §3.12, Table 9), re-exported from package
// schema. Compare with errors.Is; derive with WithDetail.
var (
	ErrInvalidFilter      = schema.ErrInvalidFilter
	ErrTooMany            = schema.ErrTooMany
	ErrUniqueness         = schema.ErrUniqueness
	ErrMutability         = schema.ErrMutability
	ErrInvalidSyntax      = schema.ErrInvalidSyntax
	ErrInvalidPath        = schema.ErrInvalidPath
	ErrNoTarget           = schema.ErrNoTarget
	ErrInvalidValue       = schema.ErrInvalidValue
	ErrInvalidVersion     = schema.ErrInvalidVersion
	ErrSensitive          = schema.ErrSensitive
	ErrBadRequest         = schema.ErrBadRequest
	ErrUnauthorized       = schema.ErrUnauthorized
	ErrForbidden          = schema.ErrForbidden
	ErrNotFound           = schema.ErrNotFound
	ErrConflict           = schema.ErrConflict
	ErrPreconditionFailed = schema.ErrPreconditionFailed
	ErrPayloadTooLarge    = schema.ErrPayloadTooLarge
	ErrTooManyRequests    = schema.ErrTooManyRequests
	ErrInternal           = schema.ErrInternal
	ErrNotImplemented     = schema.ErrNotImplemented
	ErrUnavailable        = schema.ErrUnavailable

	// ErrInvalidCursor: the cursor is malformed, was not issued for this
	// query, or has expired (RFC 9865 §3, scimType "invalidCursor").
	ErrInvalidCursor = &Error{Status: http.StatusBadRequest, ScimType: "invalidCursor", Detail: "The cursor is not valid for this query or has expired; restart without a cursor value."}
	// ErrUnsupportedMediaType: the request body's Content-Type is not JSON
	// (415). RFC 7644 §3.8 requires application/scim+json and lets servers
	// accept application/json; anything else is refused before decoding.
	ErrUnsupportedMediaType = &Error{Status: http.StatusUnsupportedMediaType, Detail: "The request Content-Type must be application/scim+json or application/json."}
	// ErrMethodNotAllowed: the endpoint exists but not with this method (405).
	ErrMethodNotAllowed = &Error{Status: http.StatusMethodNotAllowed, Detail: "The HTTP method is not allowed on this endpoint."}
)

// errorBody is the JSON error response of RFC 7644 §3.12: status is a
// string, as in the RFC's examples.
type errorBody struct {
	Schemas  []string `json:"schemas"`
	Status   string   `json:"status"`
	ScimType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail,omitempty"`
}

// WriteError writes err as a SCIM error response (RFC 7644 §3.12). It is
// the only function that writes errors: a *Error anywhere in err's chain is
// written as is; the store sentinels are mapped (ErrNotFound → 404,
// ErrConflict → 409 uniqueness, ErrPrecondition → 412, ErrUnavailable →
// 503 with Retry-After, ErrInvalidCursor → 400 invalidCursor); a body over
// the limit is 413; anything else is a 500 whose detail is generic and
// whose cause is logged with the request id, never echoed. logger may be
// nil (slog.Default).
func WriteError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	e := toError(err)
	if logger == nil {
		logger = slog.Default()
	}
	if e.Status >= 500 {
		logger.LogAttrs(r.Context(), slog.LevelError, "scim: request failed",
			slog.String("request_id", RequestIDFrom(r.Context())),
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", e.Status), slog.Any("error", err))
	}
	h := w.Header()
	h.Set("Content-Type", contentType(r))
	h.Set("Cache-Control", "no-store")
	if e.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	if e.Status == http.StatusUnauthorized && h.Get("WWW-Authenticate") == "" {
		h.Set("WWW-Authenticate", `Bearer realm="scim"`)
	}
	body, _ := json.Marshal(errorBody{
		Schemas:  []string{schema.ErrorSchema},
		Status:   strconv.Itoa(e.Status),
		ScimType: e.ScimType,
		Detail:   e.Detail,
	})
	w.WriteHeader(e.Status)
	w.Write(body)
}

// toError maps any error to the *Error to send. Internal errors keep a
// generic detail so nothing about the server leaks to the client.
func toError(err error) *Error {
	var e *Error
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &e):
		if e.Status < 400 || e.Status > 599 {
			return ErrInternal
		}
		if e.Status == http.StatusInternalServerError {
			return ErrInternal
		}
		if e.Status == http.StatusServiceUnavailable && e.RetryAfter <= 0 {
			return e.WithRetryAfter(defaultRetryAfter)
		}
		return e
	case errors.As(err, &tooLarge):
		return ErrPayloadTooLarge.WithDetail("The request body is larger than the limit of %d bytes.", tooLarge.Limit)
	case errors.Is(err, store.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, store.ErrConflict):
		return ErrUniqueness.WithDetail("%s", conflictDetail(err))
	case errors.Is(err, store.ErrPrecondition):
		return ErrPreconditionFailed
	case errors.Is(err, store.ErrInvalidCursor):
		return ErrInvalidCursor
	case errors.Is(err, store.ErrUnresolved):
		return ErrInvalidValue.WithDetail("One or more member values name no resource of this tenant.")
	case errors.Is(err, store.ErrInvalidSort):
		return ErrInvalidValue.WithDetail("sortBy names an attribute kept in the membership index (members, groups or their sub-attributes); resources cannot be sorted by it.")
	case errors.Is(err, store.ErrUnavailable), errors.Is(err, store.ErrClosed),
		errors.Is(err, context.DeadlineExceeded):
		return ErrUnavailable.WithRetryAfter(defaultRetryAfter)
	}
	return ErrInternal
}

// defaultRetryAfter is the Retry-After, in seconds, of a 503 caused by the
// store when the handler has no better value.
const defaultRetryAfter = 5

// conflictDetail turns a store conflict into a detail a client can act on,
// the same whichever backend answered: the attribute the store's
// *store.ConflictError names (never anything of another tenant).
func conflictDetail(err error) string {
	var ce *store.ConflictError
	switch {
	case !errors.As(err, &ce):
		return "One or more attribute values are already in use or are reserved."
	case ce.Reserved:
		return fmt.Sprintf("This %s belonged to a deleted resource and is never reused; choose another %s.", ce.Attr, ce.Attr)
	}
	return fmt.Sprintf("The value of %q is already in use by another resource; uniqueness is checked case-insensitively unless the attribute is caseExact.", ce.Attr)
}
