package scim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/password"
	"github.com/scimkit/scimkit/patch"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultMaxBodyBytes   = 2 << 20 // 2 MiB
	DefaultMaxJSONDepth   = 32
	DefaultPageSize       = 100
	DefaultMaxPageSize    = 1000
	DefaultMaxBulkOps     = 1000
	DefaultMaxBulkPayload = 1 << 20 // 1 MiB
	DefaultCursorTimeout  = 3600    // seconds, advertised in ServiceProviderConfig
	DefaultRetryAfterSecs = defaultRetryAfter
	// DefaultMaxStringLength is Config.MaxStringLength's default: 64 KiB,
	// far beyond any attribute an IdP sends (a 4 KiB X.509 certificate
	// in base64 is the largest seen).
	DefaultMaxStringLength = 64 << 10
	// DefaultMaxValues is Config.MaxValues's default.
	DefaultMaxValues = 10000
	// DefaultMaxMembersPerRequest is Config.MaxMembersPerRequest's
	// default: Okta and Entra send at most a few hundred members per
	// request.
	DefaultMaxMembersPerRequest = 10000
	defaultDocumentationID      = "https://github.com/scimkit/scimkit"
)

// Config configures a Handler. Only Store is required; every other zero
// field takes the documented default. New validates it once.
type Config struct {
	// Store holds the resources. Required.
	Store store.Store

	// ResourceTypes are the resource types served, each at its Endpoint.
	// Default: schema.UserResourceType() (with the Enterprise User
	// extension) and schema.GroupResourceType().
	ResourceTypes []*schema.ResourceType

	// Authenticator authenticates every request. When nil the handler fails
	// closed: every request is answered 401 (and New logs a warning).
	Authenticator Authenticator

	// PublicDiscovery serves /ServiceProviderConfig, /Schemas and
	// /ResourceTypes without authentication (RFC 7644 §4 allows it).
	// Default false: discovery needs a credential like everything else.
	PublicDiscovery bool

	// Tenant returns the settings of a tenant; nil means Defaults for all.
	// An error is answered as WriteError does (a *Error as is, else 500).
	Tenant func(ctx context.Context, tenant string) (TenantConfig, error)
	// Defaults are the tenant settings used when Tenant is nil.
	Defaults TenantConfig

	// BaseURL is the absolute URL clients use for the handler's root, e.g.
	// "https://idp-gw.example.com/scim/v2"; meta.location and Location are
	// built from it. When empty they are built from the request: scheme
	// (https when TLS, or X-Forwarded-Proto when TrustForwardedHeaders),
	// host (Host, or X-Forwarded-Host when TrustForwardedHeaders) and the
	// mount prefix (Prefix, or what http.StripPrefix removed).
	BaseURL string
	// Prefix is the path the handler is mounted under, e.g. "/scim/v2".
	// When set, it is removed from request paths that start with it, so the
	// handler works mounted with or without http.StripPrefix.
	Prefix string
	// TrustForwardedHeaders makes the handler believe X-Forwarded-Proto and
	// X-Forwarded-Host (only behind a proxy that sets them).
	TrustForwardedHeaders bool

	// MaxBodyBytes caps request bodies (413 beyond). Default 2 MiB.
	MaxBodyBytes int64
	// MaxJSONDepth rejects request bodies nested deeper (400
	// invalidSyntax) before they are decoded. Default 32.
	MaxJSONDepth int
	// DefaultPageSize is the count of a list request without one.
	// Default 100.
	DefaultPageSize int
	// MaxPageSize caps count; advertised as filter.maxResults and
	// pagination.maxPageSize. Default 1000.
	MaxPageSize int
	// Filter bounds filter parsing (length, depth, terms).
	Filter filter.Limits
	// MaxPatchOperations and MaxMembersPerOp bound PATCH requests (see
	// patch.Config); zero takes package patch's defaults.
	MaxPatchOperations, MaxMembersPerOp int
	// MaxStringLength is the longest string value, in bytes, a write
	// (POST, PUT, PATCH, each /Bulk operation) may carry for any
	// attribute, sub-attribute or externalId: a longer one is answered
	// 400 invalidValue naming the attribute and the limit. Default
	// DefaultMaxStringLength (64 KiB); negative: no limit (only
	// MaxBodyBytes bounds a value).
	MaxStringLength int
	// MaxValues is the most values a multi-valued attribute (emails,
	// addresses, an extension's lists...) may have, in a POST or PUT body,
	// one PATCH operation, or the resource a PATCH leaves: more is 400
	// invalidValue naming the attribute and the limit. Group members are
	// bounded by MaxMembersPerRequest instead, since a group may be far
	// larger than one request. Default DefaultMaxValues (10,000);
	// negative: no limit.
	MaxValues int
	// MaxMembersPerRequest is the most members (values of a type's
	// members attribute) one write may carry: a POST or PUT body, or all
	// the operations of a PATCH together (each /Bulk operation counts
	// alone). More is 400 invalidValue naming the attribute and the
	// limit. Default DefaultMaxMembersPerRequest (10,000); negative: no
	// limit (MaxMembersPerOp still bounds one PATCH operation).
	MaxMembersPerRequest int

	// MaxBulkOperations and MaxBulkPayloadBytes bound a /Bulk request
	// (RFC 7644 §3.7.4: 413 beyond, naming the limit); they are advertised
	// as bulk.maxOperations and bulk.maxPayloadSize. MaxBulkPayloadBytes,
	// not MaxBodyBytes, caps the body of /Bulk; each operation's data is
	// still held to MaxBodyBytes. Defaults 1000 and 1 MiB.
	MaxBulkOperations int
	// MaxBulkPayloadBytes is the largest /Bulk request body, in bytes; see MaxBulkOperations.
	MaxBulkPayloadBytes int64

	// Limiter, when set, rate-limits authenticated requests per tenant
	// (429 with Retry-After).
	Limiter Limiter
	// Logger receives internal errors and panics. Default slog.Default().
	Logger *slog.Logger

	// MeterProvider receives the Handler's metrics: MetricRequests,
	// MetricRequestDuration, MetricThrottled and MetricStoreDuration
	// (scope InstrumentationName). Default otel.GetMeterProvider(), which
	// records nothing until the program installs an SDK.
	MeterProvider metric.MeterProvider
	// TracerProvider receives a server span per request ("SCIM GET
	// User") with a child span per store operation. Default
	// otel.GetTracerProvider().
	TracerProvider trace.TracerProvider
	// Propagator reads the caller's trace context from the request
	// headers, so that a request's span continues the caller's trace.
	// Default propagation.TraceContext{} (W3C traceparent and
	// tracestate).
	Propagator propagation.TextMapPropagator

	// ProvisioningLog, when set, records every write request (POST, PUT,
	// PATCH and DELETE, a /Bulk request as one entry with its operation
	// count and per-operation results; not searches) after it is served:
	// tenant, token id, IdP, resource, path and query, the User-Agent,
	// Content-Type and If-Match headers, outcome, status, scimType,
	// latency, the version the response carried and both bodies without
	// secrets (see store.ProvisioningEntry). Each entry is also logged to
	// Logger at Info. The append runs on the request's goroutine; a
	// failing sink is logged, never answered to the client.
	ProvisioningLog store.ProvisioningLog
	// ProvisioningLogReads also records reads (GET, and POST .search) in
	// ProvisioningLog, so that a recording (conformance.Record) holds the
	// lookups an IdP makes before it writes: Okta's and Entra's filter
	// probes on userName or externalId, the GET before a PATCH. Off by
	// default, because of its cost: one store append per read (on SQLite a
	// write transaction, serialised with every other write); a copy,
	// decode and redaction of each response of up to 64 KiB (longer ones,
	// such as big list pages, are recorded without their body); and a log
	// many times larger, since IdPs read far more than they write (Entra
	// reads users again on each sync cycle, an Okta import pages through
	// every user), so the same retention keeps many more rows.
	ProvisioningLogReads bool
	// ProvisioningLogRetention is how long entries are kept: the log is
	// pruned on the first write and every 1000 writes. Zero means
	// DefaultProvisioningLogRetention (30 days); negative never prunes.
	ProvisioningLogRetention time.Duration

	// TenantInPath also accepts the URL form /tenants/{tenant}/... (below
	// Prefix). The tenant still comes from the credential: a tenant in the
	// path that is not the credential's is answered 404, exactly as for a
	// tenant that does not exist. Locations then keep the tenant form.
	TenantInPath bool

	// Me resolves /Me (RFC 7644 §3.11) to the resource of the
	// authenticated subject: GET, PUT, PATCH and DELETE on /Me act on that
	// resource. When nil, /Me answers 501.
	Me func(ctx context.Context, p Principal) (resourceType, id string, err error)

	// DocumentationURI is advertised in ServiceProviderConfig.
	DocumentationURI string
}

// TenantConfig holds the per-tenant protocol settings.
type TenantConfig struct {
	// Dialect selects how much non-RFC input PATCH and resource bodies
	// accept (see patch.Dialect). Every dialect except DialectStrict coerces
	// "True"/"42" strings for boolean and number attributes, as Microsoft
	// Entra sends them, and reads the SCIM 1.1 core URN in "schemas" as the
	// SCIM 2.0 one, as OneLogin's Core Schema connector sends it
	// (schema.DecodeOptions.SCIM11CoreURN); DialectStrict also rejects
	// unknown attributes. Every dialect except DialectStrict leaves out a
	// group member value that names no User or Group of the tenant (and
	// the provisioning log lists it); DialectStrict refuses the write with
	// 400 invalidValue (see memberrefs.go).
	Dialect patch.Dialect
	// Delete selects what DELETE does. Default DeleteHard; DeleteSoft
	// also keeps a tombstone that reserves the id and externalId (see its
	// doc).
	Delete DeletePolicy
	// PatchResponse selects the PATCH success response. Default
	// PatchResponseAuto: 200 with the resource, except 204 No Content for
	// a group (a type with members) unless the User-Agent contains "okta"
	// (any case) or the request has the attributes parameter. The same
	// rule applies to PATCH operations inside /Bulk (their status).
	PatchResponse PatchResponse
	// Password is the tenant's password policy (RFC 7643 §4.1.1: a
	// password the service provider keeps SHOULD be hashed): nil, the
	// default, drops every password a client sends (POST, PUT, PATCH in
	// any path form, Bulk) before the resource reaches the store, as a
	// gateway whose users sign in through SSO needs; a password.Hasher
	// (password.Argon2id, password.Bcrypt) stores its hash instead, which
	// Handler.VerifyPassword checks. Clear text is never stored, returned,
	// logged or recorded. A client value that looks like a hash is hashed
	// like any other (see package password). An empty password is never
	// stored. /ServiceProviderConfig changePassword.supported and the
	// password attribute's description in /Schemas follow the policy.
	// Changing the policy does not touch hashes already stored.
	Password password.Hasher
}

// DeletePolicy says what DELETE does (RFC 7644 §3.6).
type DeletePolicy int

const (
	// DeleteHard removes the resource; later requests for it get 404.
	DeleteHard DeletePolicy = iota
	// DeleteSoft deletes like DeleteHard and keeps a tombstone
	// (store.Tombstones), for resources of every type: the resource is
	// gone as RFC 7644 §3.6 requires (GET, PUT, PATCH and DELETE of its id
	// answer 404, lists and filters never return it, a deleted user leaves
	// its groups, a deleted group loses its members, and the events are
	// those of a deletion, user.deleted included), but its id is never
	// reused and its externalId stays reserved in the tenant and type: a
	// POST, or a PUT or PATCH that sets it, is 409 uniqueness. userName is
	// not reserved, so an IdP can re-create a user it deleted. The
	// tombstone (id, externalId, unique values, deletion time) is what
	// remains for audit (store.Tombstones.Tombstone).
	//
	// It needs a store implementing store.Tombstones (every scimkit
	// backend does): New fails when Config.Defaults asks for DeleteSoft
	// without it, and logs a warning when Config.Tenant may ask for it; a
	// tenant that asks for DeleteSoft on such a store gets DeleteHard.
	DeleteSoft
)

// PatchResponse says how a successful PATCH is answered (RFC 7644 §3.5.2:
// 200 with the resource, or 204 No Content).
type PatchResponse int

const (
	// PatchResponseAuto answers 200 with the resource, except for member
	// resources (groups), which get 204 No Content as Microsoft Entra
	// advises, unless the client asks for attributes or is Okta, which
	// expects 200. "Okta" means a User-Agent containing "okta" in any case
	// (Okta sends "Okta SCIM Client 1.0.0"); a proxy that replaces the
	// User-Agent makes Okta's group PATCHes get 204, so choose
	// PatchResponseResource for such a tenant. A 200 for a group omits
	// its members unless attributes asks for them.
	PatchResponseAuto PatchResponse = iota
	// PatchResponseResource always answers 200 with the resource (without
	// the members of a group unless the attributes parameter asks for them).
	PatchResponseResource
	// PatchResponseNoContent always answers 204 No Content.
	PatchResponseNoContent
)

// decodeOptions returns the decoding options of the tenant's dialect.
func (tc TenantConfig) decodeOptions() schema.DecodeOptions {
	if tc.Dialect == patch.DialectStrict {
		return schema.DecodeOptions{Unknown: schema.RejectUnknown}
	}
	return schema.DecodeOptions{CoerceStrings: true, SCIM11CoreURN: true}
}

// decodeOptions returns the decoding options of the tenant's dialect with
// the handler's value limits (negative limits become 0, unbounded).
func (h *Handler) decodeOptions(tc TenantConfig) schema.DecodeOptions {
	opts := tc.decodeOptions()
	opts.MaxStringLength, opts.MaxValues = max(h.cfg.MaxStringLength, 0), max(h.cfg.MaxValues, 0)
	return opts
}

// checkMembers enforces Config.MaxMembersPerRequest on a decoded POST or
// PUT body.
func (h *Handler) checkMembers(ti *typeInfo, res *schema.Resource) error {
	if !ti.members || h.cfg.MaxMembersPerRequest < 0 {
		return nil
	}
	if list, _ := res.Attrs["members"].([]any); len(list) > h.cfg.MaxMembersPerRequest {
		return ErrInvalidValue.WithDetail("Attribute \"members\" has %d values; this server accepts at most %d members in one request.", len(list), h.cfg.MaxMembersPerRequest)
	}
	return nil
}

// validate rejects values outside the enumerations (a TenantConfig built
// by a cast from a stored int, say), which would otherwise behave as the
// defaults without a word.
func (tc TenantConfig) validate() error {
	switch {
	case tc.Dialect.String() == "unknown":
		return fmt.Errorf("unknown Dialect %d", tc.Dialect)
	case tc.Delete != DeleteHard && tc.Delete != DeleteSoft:
		return fmt.Errorf("unknown Delete policy %d", tc.Delete)
	case tc.PatchResponse < PatchResponseAuto || tc.PatchResponse > PatchResponseNoContent:
		return fmt.Errorf("unknown PatchResponse %d", tc.PatchResponse)
	}
	return nil
}

// withDefaults returns c with defaults applied, or an error.
func (c Config) withDefaults() (Config, error) {
	if c.Store == nil {
		return c, errors.New("scim: Config.Store is required")
	}
	if len(c.ResourceTypes) == 0 {
		c.ResourceTypes = []*schema.ResourceType{schema.UserResourceType(), schema.GroupResourceType()}
	}
	if err := checkResourceTypes(c.ResourceTypes); err != nil {
		return c, err
	}
	for _, rt := range c.ResourceTypes {
		if c.TenantInPath && strings.EqualFold(rt.Endpoint, "/tenants") {
			return c, fmt.Errorf("scim: resource type %s: endpoint /tenants is reserved by Config.TenantInPath", rt.Name)
		}
	}
	if err := c.Defaults.validate(); err != nil {
		return c, fmt.Errorf("scim: Config.Defaults: %w", err)
	}
	if _, ok := c.Store.(store.Tombstones); !ok && c.Defaults.Delete == DeleteSoft {
		return c, errors.New("scim: Config.Defaults.Delete is DeleteSoft but Config.Store does not implement store.Tombstones")
	}
	if v, ok := c.Authenticator.(interface{ validate() error }); ok {
		if err := v.validate(); err != nil {
			return c, err
		}
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return c, fmt.Errorf("scim: Config.BaseURL %q must be an absolute URL", c.BaseURL)
		}
		c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	}
	if c.Prefix != "" {
		c.Prefix = "/" + strings.Trim(c.Prefix, "/")
	}
	c.MaxBodyBytes = orDefault(c.MaxBodyBytes, DefaultMaxBodyBytes)
	c.MaxJSONDepth = orDefault(c.MaxJSONDepth, DefaultMaxJSONDepth)
	c.MaxPageSize = orDefault(c.MaxPageSize, DefaultMaxPageSize)
	c.MaxBulkOperations = orDefault(c.MaxBulkOperations, DefaultMaxBulkOps)
	c.MaxBulkPayloadBytes = orDefault(c.MaxBulkPayloadBytes, DefaultMaxBulkPayload)
	c.DefaultPageSize = min(orDefault(c.DefaultPageSize, DefaultPageSize), c.MaxPageSize)
	c.MaxStringLength = limitOrDefault(c.MaxStringLength, DefaultMaxStringLength)
	c.MaxValues = limitOrDefault(c.MaxValues, DefaultMaxValues)
	c.MaxMembersPerRequest = limitOrDefault(c.MaxMembersPerRequest, DefaultMaxMembersPerRequest)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.DocumentationURI == "" {
		c.DocumentationURI = defaultDocumentationID
	}
	return c, nil
}

// limitOrDefault is orDefault for a limit that a negative value turns
// off: zero takes d, a negative value stays negative (no limit).
func limitOrDefault(v, d int) int {
	if v == 0 {
		return d
	}
	return v
}

func orDefault[T int | int64](v, d T) T {
	if v <= 0 {
		return d
	}
	return v
}

// checkResourceTypes rejects nil types and duplicate names or endpoints
// (compared case-insensitively, as the handler routes them).
func checkResourceTypes(rts []*schema.ResourceType) error {
	names, eps := map[string]bool{}, map[string]bool{}
	for i, rt := range rts {
		if rt == nil || rt.Schema == nil {
			return fmt.Errorf("scim: Config.ResourceTypes[%d] is nil or has no schema", i)
		}
		n, ep := strings.ToLower(rt.Name), strings.ToLower(rt.Endpoint)
		if names[n] || eps[ep] {
			return fmt.Errorf("scim: resource type %s (%s) is configured twice", rt.Name, rt.Endpoint)
		}
		switch ep {
		case "/me", "/bulk", "/schemas", "/resourcetypes", "/serviceproviderconfig", "/.search":
			return fmt.Errorf("scim: resource type %s: endpoint %s is reserved (RFC 7644 §3.2)", rt.Name, rt.Endpoint)
		}
		names[n], eps[ep] = true, true
	}
	return nil
}
