package store

import (
	"context"
	"time"
)

// Administrative capabilities: tenants, bearer tokens and the provisioning
// log. They are optional interfaces of a Store, found by type assertion
// (st.(store.Tokens)); every scimkit backend implements all three. An
// application whose store lacks one supplies its own implementation (for
// example tokens in a secrets manager) or does without: package scim then
// needs another Authenticator, default tenant settings, or no provisioning
// log.
//
// Like Store, the methods are safe for concurrent use (also from several
// processes sharing a database), values passed in are not retained, values
// returned are the caller's, and times are stored in UTC truncated to whole
// microseconds. Errors wrap the sentinels of this package with the
// operation: ErrNotFound for a missing record, ErrConflict for a duplicate
// key, ErrUnavailable for an unreachable backend, ErrClosed after Close.

// Known values of TenantRecord.DeletePolicy.
const (
	// DeletePolicyHard removes a deleted resource (RFC 7644 §3.6). It is
	// the meaning of the empty policy.
	DeletePolicyHard = "hard"
	// DeletePolicySoft keeps a deleted resource as a tombstone, so its id
	// and externalId are never reused (see Tombstones; userName is not
	// reserved). The resource itself is deleted as with DeletePolicyHard.
	DeletePolicySoft = "soft"
)

// TenantRecord is the stored configuration of a tenant. Tenants isolate
// data: each has its own resources, tokens and settings.
type TenantRecord struct {
	// ID is the tenant id that scopes every Store operation. Required;
	// case-sensitive.
	ID string
	// Name is a label for people (e.g. the customer's name).
	Name string
	// Dialect names the IdP dialect the tenant's requests are read in:
	// "" or "default" (tolerant of Okta and Entra), "okta", "entra" or
	// "strict". The store keeps the string; package scim interprets it.
	Dialect string
	// DeletePolicy is DeletePolicyHard (or "") or DeletePolicySoft.
	DeletePolicy string
	// Created is set by CreateTenant when zero.
	Created time.Time
}

// Tenants stores tenant records. Records are optional for the data path:
// a Store accepts any tenant id, and a tenant without a record gets the
// application's default settings.
type Tenants interface {
	// CreateTenant stores a new tenant and returns it as stored (Created
	// set to the store's clock when zero). An empty ID is an error; an
	// existing ID returns ErrConflict.
	CreateTenant(ctx context.Context, t TenantRecord) (TenantRecord, error)
	// GetTenant returns the tenant or ErrNotFound.
	GetTenant(ctx context.Context, id string) (TenantRecord, error)
	// ListTenants returns every tenant, ordered by ID (byte order).
	ListTenants(ctx context.Context) ([]TenantRecord, error)
	// UpdateTenant replaces Name, Dialect and DeletePolicy of an existing
	// tenant (Created is kept) and returns the stored record, or
	// ErrNotFound.
	UpdateTenant(ctx context.Context, t TenantRecord) (TenantRecord, error)
	// DeleteTenant removes the tenant's record and, atomically with it,
	// revokes every token of the tenant that is not revoked yet, so a
	// deleted tenant cannot be reached. Its resources are kept (delete them
	// through Store). A missing tenant returns ErrNotFound.
	DeleteTenant(ctx context.Context, id string) error
}

// TokenRecord is a stored bearer token. The secret itself is never stored:
// only its SHA-256 digest and a short prefix for people to recognise it.
type TokenRecord struct {
	// ID identifies the token in logs, events and commands (Principal.Actor
	// in package scim). Required, unique; it is not secret.
	ID string
	// Tenant is the tenant the token gives access to. Required. The store
	// does not check that a TenantRecord exists.
	Tenant string
	// Name is a label, e.g. "okta" or "entra".
	Name string
	// Hash is the lower-case hex SHA-256 digest of the secret (64
	// characters). Unique: the lookup key of TokenByHash.
	Hash string
	// Prefix is the first characters of the secret, for display only
	// (e.g. "scimkit_Ab12"); it must not be long enough to matter.
	Prefix string
	// ReadOnly tokens may only read.
	ReadOnly bool
	// Created is set by CreateToken when zero.
	Created time.Time
	// Expires is when the token stops working; zero means never.
	Expires time.Time
	// Revoked is when RevokeToken was first called; zero while active.
	Revoked time.Time
	// LastUsed is the latest time given to TouchToken; zero if never used.
	LastUsed time.Time
}

// Active reports whether the token is usable at now: not revoked and not
// expired (a token expires at Expires exactly).
func (t TokenRecord) Active(now time.Time) bool {
	return t.Revoked.IsZero() && (t.Expires.IsZero() || now.Before(t.Expires))
}

// Tokens stores bearer tokens. A tenant may have any number of active
// tokens at once, so a secret can be rotated on the IdP side without
// downtime: create a new one, paste it into the IdP, revoke the old one.
type Tokens interface {
	// CreateToken stores a new token and returns it as stored (Created set
	// to the store's clock when zero; Revoked and LastUsed ignored). ID,
	// Tenant and a 64-hex-digit Hash are required; a duplicate ID or Hash
	// returns ErrConflict.
	CreateToken(ctx context.Context, t TokenRecord) (TokenRecord, error)
	// TokenByHash returns the token whose Hash equals hash (lower-case
	// hex), active or not, or ErrNotFound. It is an indexed lookup: its
	// cost does not depend on the number of tokens, and since the key is
	// itself a digest of the secret, its timing reveals nothing about
	// other tokens.
	TokenByHash(ctx context.Context, hash string) (TokenRecord, error)
	// ListTokens returns the tokens of tenant, or of every tenant when
	// tenant is "", including revoked and expired ones, ordered by Created
	// then ID.
	ListTokens(ctx context.Context, tenant string) ([]TokenRecord, error)
	// RevokeToken marks the token revoked at the store's clock. Revoking a
	// revoked token is not an error and keeps the first time. A missing
	// token returns ErrNotFound.
	RevokeToken(ctx context.Context, id string) error
	// TouchToken records that the token was used at t: LastUsed becomes t
	// unless it is already later. It is a single-row update by ID, cheap
	// enough to call once a minute per token from the request path (package
	// scim does no more). A missing token returns ErrNotFound.
	TouchToken(ctx context.Context, id string, t time.Time) error
}

// Outcome classifies the result of a provisioning request.
type Outcome string

// Outcomes recorded in the provisioning log.
const (
	// OutcomeSuccess: the request succeeded (2xx or 304).
	OutcomeSuccess Outcome = "success"
	// OutcomeRejected: the request was refused as the client's error
	// (4xx): invalid, conflicting, not found, unauthorised, rate-limited.
	OutcomeRejected Outcome = "rejected"
	// OutcomeError: the service failed (5xx).
	OutcomeError Outcome = "error"
)

// OutcomeOf returns the Outcome of an HTTP status code.
func OutcomeOf(status int) Outcome {
	switch {
	case status >= 500:
		return OutcomeError
	case status >= 400:
		return OutcomeRejected
	}
	return OutcomeSuccess
}

// ProvisioningEntry is one request as recorded in the provisioning log:
// every write (POST, PUT, PATCH, DELETE; a /Bulk request is one entry) and,
// when the server is configured to, reads (GET and POST .search). It keeps
// what a replay of the request needs (method, path, query, the headers
// that change answers, the bodies) with secrets removed: passwords,
// write-only and never-returned attributes and anything that looks like a
// token are dropped or replaced by "[redacted]", everywhere. Identifying
// values (userName, displayName, externalId) are kept in clear in every
// field, since identifying the resource is what the log is for.
type ProvisioningEntry struct {
	// Seq is assigned by Append: it increases in append order and is the
	// entry's identity.
	Seq int64
	// Time is when the request arrived; Append sets it to the store's
	// clock when zero.
	Time time.Time
	// Tenant and TokenID say who made the request (TokenID is the
	// credential's id, never the secret).
	Tenant, TokenID string
	// IdP is the client recognised from its User-Agent: "okta", "entra"
	// or "unknown".
	IdP string
	// RequestID correlates the entry with logs and outbox events.
	RequestID string
	// Method and Path are the HTTP method and the path relative to the
	// SCIM root, e.g. "PATCH" and "/Groups/2819c223".
	Method, Path string
	// Query is the raw (percent-encoded) query string, without "?", e.g.
	// "filter=userName%20eq%20%22bjensen%22"; a parameter whose value
	// looks like a credential has it replaced by "[redacted]".
	Query string
	// UserAgent is the User-Agent header as sent (IdP is derived from
	// it), cut at 512 bytes.
	UserAgent string
	// ContentType is the Content-Type header as sent; "" when the request
	// had none (Okta sends some bodies without one).
	ContentType string
	// IfMatch is the If-Match header as sent (RFC 7644 §3.14, RFC 9110
	// §13.1.1), e.g. `W/"3"`; "" when absent.
	IfMatch string
	// ResourceType ("User", "Group", "Bulk"...), ResourceID and ExternalID
	// identify the resource, as far as the request or its response tell.
	// ExternalID is the one the recorded Body holds (a creation's or
	// replacement's externalId, or the value a PATCH sets), so the two
	// never disagree.
	ResourceType, ResourceID, ExternalID string
	// Version is the version of the resource the response carried (its
	// ETag header, else meta.version; RFC 7644 §3.14), "" when none.
	Version string
	// Operations is the number of operations of a /Bulk request (0
	// otherwise).
	Operations int
	// Outcome, Status, ScimType and Detail describe the response (ScimType
	// and Detail only for errors).
	Outcome Outcome
	// Status is the response's HTTP status code.
	Status int
	// ScimType is the error's scimType (RFC 7644 §3.12), "" when none.
	ScimType string
	// Detail is the error's detail message, "" when none.
	Detail string
	// Latency is how long the request took to serve.
	Latency time.Duration
	// Body is the request body with secrets removed (passwords, write-only
	// and never-returned attributes, anything that looks like a token),
	// possibly truncated ("…[truncated]" at the end) or omitted ("[N
	// bytes, …: omitted]").
	Body string
	// Response is the response body, redacted, truncated and omitted as
	// Body is. Error responses are kept too.
	Response string
	// BulkResults are the per-operation results of a /Bulk response (RFC
	// 7644 §3.7.3), in response order; nil for other requests.
	BulkResults []BulkResult
	// DroppedMembers are the member values the request's writes left out
	// because they name no resource of the tenant the members attribute
	// allows (DropUnresolved, RFC 7643 §4.2), in request order, over all
	// the operations of a /Bulk request (BulkResult.DroppedMembers has
	// them per operation); nil when none. The scim handler records at
	// most the first 100 (and logs how many there were).
	DroppedMembers []string
}

// BulkResult is the outcome of one operation of a /Bulk request, as its
// BulkResponse told it (RFC 7644 §3.7.3).
type BulkResult struct {
	// Method and BulkID are the operation's, as echoed by the response.
	Method string `json:"method"`
	// BulkID is the operation's bulkId (RFC 7644 §3.7), "" when none.
	BulkID string `json:"bulkId,omitempty"`
	// Status is the operation's HTTP status; ScimType the scimType of a
	// failed one.
	Status int `json:"status"`
	// ScimType is the scimType of a failed operation (RFC 7644 §3.12).
	ScimType string `json:"scimType,omitempty"`
	// Location and Version are those of the resource written, when the
	// response gave them.
	Location string `json:"location,omitempty"`
	// Version is the version (ETag) of the resource written (RFC 7644 §3.14).
	Version string `json:"version,omitempty"`
	// DroppedMembers are the member values the request's writes of the
	// group at Location left out (see ProvisioningEntry.DroppedMembers).
	DroppedMembers []string `json:"droppedMembers,omitempty"`
}

// Default and maximum page sizes of ProvisioningLog.Query.
const (
	DefaultProvisioningLimit = 100
	MaxProvisioningLimit     = 1000
)

// ProvisioningFilter selects provisioning log entries. Zero fields do not
// filter.
type ProvisioningFilter struct {
	// Tenant selects one tenant; "" selects all (an operator's view).
	Tenant string
	// Since (inclusive) and Until (exclusive) bound Time.
	Since, Until time.Time
	// ResourceID selects the entries about one resource.
	ResourceID string
	// Outcome selects one outcome.
	Outcome Outcome
	// IdP selects the entries of one client as recognised
	// (ProvisioningEntry.IdP, e.g. "okta").
	IdP string
	// Method selects one HTTP method, e.g. "PATCH" (compared exactly:
	// methods are upper case).
	Method string
	// ResourceType selects one resource type, e.g. "User" or "Bulk".
	ResourceType string
	// Status selects one HTTP status code; 0 selects all.
	Status int
	// RequestID selects the entry of one request (ProvisioningEntry.RequestID).
	RequestID string
	// Seq selects the entry with this sequence number (one entry, or none
	// once pruned); 0 selects all.
	Seq int64
	// Limit is the page size: <= 0 means DefaultProvisioningLimit, and it
	// is capped at MaxProvisioningLimit.
	Limit int
	// Cursor continues after the last entry of an earlier page
	// (ProvisioningPage.NextCursor of the same filter); "" starts with the
	// newest entry.
	Cursor string
}

// PageSize returns f.Limit with the default and cap applied.
func (f ProvisioningFilter) PageSize() int {
	switch {
	case f.Limit <= 0:
		return DefaultProvisioningLimit
	case f.Limit > MaxProvisioningLimit:
		return MaxProvisioningLimit
	}
	return f.Limit
}

// ProvisioningPage is one page of a provisioning log query.
type ProvisioningPage struct {
	// Entries are newest first (Seq descending).
	Entries []ProvisioningEntry
	// NextCursor continues with older entries; "" when there are none.
	NextCursor string
}

// ProvisioningLog is an append-only record of requests (writes, and reads
// when the server logs them), kept for a retention period by pruning.
type ProvisioningLog interface {
	// Append records e and returns its Seq (Time set to the store's clock
	// when zero). Every field round-trips through Query (an empty
	// BulkResults or DroppedMembers reads back as nil); both are copied.
	Append(ctx context.Context, e ProvisioningEntry) (int64, error)
	// Query returns the entries that match f, newest first, one page at a
	// time. A cursor that is not a NextCursor of this store returns an
	// error wrapping ErrInvalidCursor. Entries appended while paging never make
	// an entry appear twice or be skipped (the cursor is a Seq).
	Query(ctx context.Context, f ProvisioningFilter) (*ProvisioningPage, error)
	// Prune deletes the entries whose Time is before before and returns how
	// many it deleted.
	Prune(ctx context.Context, before time.Time) (int64, error)
}

// RequestEvents is an optional capability of a Store with an Outbox:
// finding the events that one request produced, by the RequestID their
// write carried (RequestInfo), with an index rather than a scan of the
// outbox. Every scimkit backend has it. Without it an operator's tool
// shows a provisioning log entry without its events.
type RequestEvents interface {
	// EventsOfRequest returns up to limit events of tenant whose RequestID
	// is requestID, in Seq order, among the events the outbox still keeps
	// (see Retention); none is not an error. An empty requestID returns
	// none. limit <= 0 means 100.
	EventsOfRequest(ctx context.Context, tenant, requestID string, limit int) ([]Event, error)
}
