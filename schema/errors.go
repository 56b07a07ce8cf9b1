package schema

import (
	"fmt"
	"net/http"
)

// ErrorSchema is the URN of the SCIM error response message (RFC 7644 §3.12).
const ErrorSchema = "urn:ietf:params:scim:api:messages:2.0:Error"

// Error is a SCIM protocol error (RFC 7644 §3.12): an HTTP status, an optional
// scimType keyword (RFC 7644 Table 9) and a human-readable detail.
//
// It lives in package schema, the lowest package of scimkit, so that filter,
// patch, schema, store and the HTTP layer all return the same type without
// import cycles; package scim re-exports it as scim.Error.
//
// The package-level Err* values are prototypes. Callers compare with
// errors.Is, which matches on Status and ScimType and ignores Detail:
//
//	if errors.Is(err, schema.ErrInvalidFilter) { ... }
//
// Derive a specific error with the With* methods, which return copies and
// never modify the prototype.
type Error struct {
	// Status is the HTTP status code, e.g. 400.
	Status int
	// ScimType is the RFC 7644 Table 9 keyword, e.g. "invalidFilter"; empty
	// when the status alone describes the error (404, 412, 500...).
	ScimType string
	// Detail is a human-readable message that tells the client what to fix.
	Detail string
	// RetryAfter, when positive, is the number of seconds a client should
	// wait before retrying (used with 429 and 503).
	RetryAfter int

	cause error
}

// Error returns a one-line description: status, scimType and detail.
func (e *Error) Error() string {
	if e.ScimType != "" {
		return fmt.Sprintf("scim: %d %s: %s", e.Status, e.ScimType, e.Detail)
	}
	return fmt.Sprintf("scim: %d: %s", e.Status, e.Detail)
}

// Is reports whether target is an *Error with the same Status and ScimType.
// It makes errors.Is(err, ErrUniqueness) work for any derived error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	return e.Status == t.Status && e.ScimType == t.ScimType
}

// Unwrap returns the underlying cause recorded by WithCause, if any.
func (e *Error) Unwrap() error { return e.cause }

// WithDetail returns a copy of e whose Detail is the formatted message.
func (e *Error) WithDetail(format string, args ...any) *Error {
	c := *e
	c.Detail = fmt.Sprintf(format, args...)
	return &c
}

// WithCause returns a copy of e that wraps cause, so errors.Is and errors.As
// also see the cause. The cause is never written to the client.
func (e *Error) WithCause(cause error) *Error {
	c := *e
	c.cause = cause
	return &c
}

// WithRetryAfter returns a copy of e that asks clients to wait seconds
// before retrying.
func (e *Error) WithRetryAfter(seconds int) *Error {
	c := *e
	c.RetryAfter = seconds
	return &c
}

// Prototype errors for RFC 7644 Table 9 and the status codes of RFC 7644
// §3.12. Compare with errors.Is; derive with WithDetail.
var (
	// ErrInvalidFilter: the filter syntax was invalid or the operator is not
	// allowed for the attribute's type.
	ErrInvalidFilter = &Error{Status: http.StatusBadRequest, ScimType: "invalidFilter", Detail: "The specified filter syntax was invalid or the specified attribute and filter comparison combination is not supported."}
	// ErrTooMany: the filter would return more results than the server allows.
	ErrTooMany = &Error{Status: http.StatusBadRequest, ScimType: "tooMany", Detail: "The specified filter yields many more results than the server is willing to calculate or process."}
	// ErrUniqueness: one or more attribute values are already in use (409).
	ErrUniqueness = &Error{Status: http.StatusConflict, ScimType: "uniqueness", Detail: "One or more of the attribute values are already in use or are reserved."}
	// ErrMutability: the request tried to modify an immutable or readOnly attribute.
	ErrMutability = &Error{Status: http.StatusBadRequest, ScimType: "mutability", Detail: "The attempted modification is not compatible with the target attribute's mutability or current state."}
	// ErrInvalidSyntax: the request body was not valid SCIM JSON.
	ErrInvalidSyntax = &Error{Status: http.StatusBadRequest, ScimType: "invalidSyntax", Detail: "The request body message structure was invalid or did not conform to the request schema."}
	// ErrInvalidPath: a PATCH path was invalid.
	ErrInvalidPath = &Error{Status: http.StatusBadRequest, ScimType: "invalidPath", Detail: "The path attribute was invalid or malformed."}
	// ErrNoTarget: a PATCH path filter matched nothing where a match was required.
	ErrNoTarget = &Error{Status: http.StatusBadRequest, ScimType: "noTarget", Detail: "The specified path did not yield an attribute or attribute value that could be operated on."}
	// ErrInvalidValue: a required value was missing or a value was not compatible with the attribute.
	ErrInvalidValue = &Error{Status: http.StatusBadRequest, ScimType: "invalidValue", Detail: "A required value was missing, or the value specified was not compatible with the operation or attribute type."}
	// ErrInvalidVersion: the requested SCIM protocol version is not supported.
	ErrInvalidVersion = &Error{Status: http.StatusBadRequest, ScimType: "invalidVers", Detail: "The specified SCIM protocol version is not supported."}
	// ErrSensitive: the request cannot be completed because sensitive data was in the URI.
	ErrSensitive = &Error{Status: http.StatusForbidden, ScimType: "sensitive", Detail: "The specified request cannot be completed, due to the passing of sensitive information in a request URI."}

	// ErrBadRequest: a 400 that fits no more specific scimType.
	ErrBadRequest = &Error{Status: http.StatusBadRequest, Detail: "The request could not be understood."}
	// ErrUnauthorized: authorization failure (401).
	ErrUnauthorized = &Error{Status: http.StatusUnauthorized, Detail: "Authorization failure: the bearer token is missing, malformed or not valid."}
	// ErrForbidden: the authenticated client may not perform the operation (403).
	ErrForbidden = &Error{Status: http.StatusForbidden, Detail: "The operation is not permitted for this client."}
	// ErrNotFound: the resource or endpoint does not exist (404).
	ErrNotFound = &Error{Status: http.StatusNotFound, Detail: "Resource not found."}
	// ErrConflict: the request conflicts with the resource's state (409).
	ErrConflict = &Error{Status: http.StatusConflict, Detail: "The request conflicts with the current state of the resource."}
	// ErrPreconditionFailed: the If-Match version did not match (412).
	ErrPreconditionFailed = &Error{Status: http.StatusPreconditionFailed, Detail: "The resource has changed on the server: its version does not match If-Match."}
	// ErrPayloadTooLarge: the request body exceeds the server's limit (413).
	ErrPayloadTooLarge = &Error{Status: http.StatusRequestEntityTooLarge, Detail: "The request body is larger than the server accepts."}
	// ErrTooManyRequests: the client is being rate limited (429).
	ErrTooManyRequests = &Error{Status: http.StatusTooManyRequests, Detail: "Too many requests; retry later."}
	// ErrInternal: an unexpected server error (500). Its detail never echoes internals.
	ErrInternal = &Error{Status: http.StatusInternalServerError, Detail: "An internal error occurred."}
	// ErrNotImplemented: the operation is not supported by this service provider (501).
	ErrNotImplemented = &Error{Status: http.StatusNotImplemented, Detail: "The requested operation is not supported."}
	// ErrUnavailable: the service, usually its store, is temporarily unavailable (503).
	ErrUnavailable = &Error{Status: http.StatusServiceUnavailable, Detail: "The service is temporarily unavailable; retry later."}
)
