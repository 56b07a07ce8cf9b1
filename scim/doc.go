// Package scim is the HTTP side of scimkit: an RFC 7644 service provider
// that Okta, Microsoft Entra ID and other SCIM clients provision users and
// groups into, as an http.Handler a gateway mounts under any prefix.
//
//	// One tenant, "acme", whose IdP authenticates with the bearer token
//	// in $SCIM_TOKEN; only its SHA-256 is kept.
//	tokens := scim.StaticTokens{{Tenant: "acme", ID: "okta", SHA256: scim.HashToken(os.Getenv("SCIM_TOKEN"))}}
//	h, err := scim.New(scim.Config{Store: memory.New(), Authenticator: tokens})
//	if err != nil {
//		log.Fatal(err) // Config is checked once, here
//	}
//	mux := http.NewServeMux()
//	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", h))
//	log.Fatal(http.ListenAndServe(":8080", mux)) // the IdP's base URL: https://host/scim/v2
//
// Example runs this under httptest and provisions a user as Okta does;
// Example_customResourceType serves a resource type of your own, and
// ExampleStoreTokens keeps tokens in the store instead of the program.
// Production wiring (PostgreSQL, tenants, tokens, hooks, the console) is
// in examples/server.
//
// # Endpoints
//
// For every configured resource type (default: /Users with the Enterprise
// User extension, and /Groups): GET and POST on the collection, GET, PUT,
// PATCH and DELETE on /{id}, POST /{type}/.search; POST /.search and GET /
// across types; /ServiceProviderConfig, /Schemas, /Schemas/{id},
// /ResourceTypes and /ResourceTypes/{name}, generated from the
// configuration; POST /Bulk (RFC 7644 §3.7). /Me answers 501 unless
// Config.Me is set. The first path segment is matched case-insensitively
// and trailing slashes are ignored.
//
// # Decisions where the RFC is silent
//
//   - Authentication fails closed: with no Authenticator every request is
//     401. A Principal with an empty Tenant uses DefaultTenant.
//   - Request bodies must be application/scim+json, application/json (or
//     another +json type) or carry no Content-Type, as Okta sends them;
//     anything else is 415 Unsupported Media Type. Bodies over
//     Config.MaxBodyBytes are 413; bodies that are not UTF-8 or are nested
//     deeper than Config.MaxJSONDepth are 400 invalidSyntax; a NUL
//     character (\u0000) in any string is 400 invalidValue. All are
//     checked before decoding.
//   - Responses are application/scim+json unless the Accept header accepts
//     application/json and not application/scim+json (RFC 7644 §3.8); an
//     Accept naming neither is not refused (no 406).
//   - meta.created and meta.lastModified are kept at the millisecond
//     precision they are written in, so a filter on a returned value
//     (meta.lastModified ge "...", as Entra's delta queries send) finds the
//     resource.
//   - A group member value must name a User or Group of the tenant, never
//     the group itself (memberrefs.go): one that does not is left out
//     and listed in the provisioning log
//     (store.ProvisioningEntry.DroppedMembers), or, in DialectStrict, the
//     write is 400 invalidValue naming it. Another tenant's id is answered
//     like a random one.
//   - The "$ref" of a user's groups and of a group's members is computed
//     when rendering, from the base URL like meta.location, for values
//     whose resource type is known; it is not stored.
//   - attributes and excludedAttributes together are 400 invalidValue, and
//     so is an entry of either that is not an attribute path (a value
//     filter such as emails[type eq "work"]), in a query or a /.search
//     body; well-formed unknown names are ignored (RFC 7644 §3.9).
//   - A path that repeats the '/' after the mount point ("/scim/v2//Users",
//     from an IdP given the base URL with a trailing slash) is served as
//     if it did not; the provisioning log keeps the path as sent.
//   - startIndex below 1 means 1; a negative count means 0; a count above
//     Config.MaxPageSize is capped (RFC 7644 §3.4.2.4); non-integers are 400
//     invalidValue. An unknown sortBy, a sortBy on an attribute kept in the
//     membership index (members, groups and their sub-attributes), or a
//     sortOrder other than ascending or descending is 400 invalidValue.
//   - A "cursor" parameter, even empty, selects cursor pagination (RFC 9865):
//     startIndex is then ignored, the response carries nextCursor and no
//     startIndex, and a bad cursor is 400 invalidCursor.
//   - In a root query (GET / or POST /.search), a comparison on an attribute
//     a resource type lacks is false for that type (the attribute is
//     unassigned), so "displayName eq x or userName eq y" finds groups and
//     users; an attribute no type has is 400 invalidFilter. Root queries sort
//     within each type and do not offer cursors (400 invalidValue).
//   - A filter on a discovery endpoint is 403 (RFC 7644 §4 SHOULD).
//   - PATCH limits (Config.MaxPatchOperations per request, MaxMembersPerOp
//     values per operation) are checked by patch.Parse before the store is
//     touched and answered 413 Payload Too Large, naming the limit.
//   - Value limits (Config.MaxStringLength per string, MaxValues per
//     multi-valued attribute, MaxMembersPerRequest) apply to POST, PUT,
//     PATCH and each /Bulk operation, before the store is touched (MaxValues
//     also to the resource a PATCH leaves): 400 invalidValue naming the
//     attribute and the limit. Values of a multi-valued attribute with the
//     same identity (schema.Dedupe) are stored once.
//   - A password (RFC 7643 §4.1.1) never reaches the store in clear text:
//     the tenant's TenantConfig.Password drops it (default) or replaces it
//     by its hash, in every write path; Handler.VerifyPassword checks one.
//   - A successful PATCH answers 200 with the resource, except that a group
//     (a type with members) answers 204 unless the client is Okta (its
//     User-Agent contains "okta") or asks for attributes (see
//     PatchResponse). A 200 PATCH response never lists the members of a
//     group unless attributes asks for them.
//   - DeleteSoft (per tenant) deletes as DeleteHard does (afterwards every
//     operation on the id is 404, RFC 7644 §3.6; the resource leaves lists
//     and groups) and keeps a tombstone (store.Tombstones), so the id is
//     never reused and the externalId stays reserved: a POST, PUT or PATCH
//     giving it to a resource of the same type is 409 uniqueness. userName
//     is not reserved (IdPs re-create users with it). New fails when
//     Config.Defaults asks for DeleteSoft on a store without tombstones; a
//     tenant asking for it there gets hard deletes (see DeleteSoft).
//   - ETag is meta.version; If-Match applies to PUT, PATCH and DELETE (412
//     on mismatch, "*" matches any), If-None-Match to GET (304).
//   - Bulk: each operation runs exactly as the same request on its own
//     endpoint would (read-only principals get 403, tenancy, If-Match from
//     "version", events with the bulk request's id) and is atomic on its
//     own; the bulk request as a whole is not atomic, and operations that
//     succeeded stay done after later failures. Operations run in request
//     order, except that one referring to "bulkId:x" (its path, or any
//     string of its data that is exactly "bulkId:x", such as
//     members[].value or manager.value) waits for the POST defining x.
//     A circular chain (RFC 7644 §3.7.1) is resolved by creating its first
//     POST without the unresolved references and then setting them with a
//     PUT (409 if that fails). A reference no POST defines is 400
//     invalidValue, one whose POST failed is 409. Bad method or path is
//     400 for that operation; failOnErrors stops processing after that
//     many errors; successes omit "response". More than
//     Config.MaxBulkOperations operations or a body over
//     Config.MaxBulkPayloadBytes (not MaxBodyBytes) is 413; each
//     operation's data is still held to MaxBodyBytes.
//   - userName and other unique values are compared with Unicode case
//     folding, not confusable skeletons: "admin" and "ADMIN" conflict (409),
//     "admin" and "аdmin" (Cyrillic а) are different users.
//
// # Credentials, tenants and the provisioning log
//
// Every request is authenticated by Config.Authenticator: StaticTokens (a
// fixed list of SHA-256 digests) or StoreTokens (tokens kept hashed in a
// store.Tokens, made with IssueToken, revocable and expiring; a store
// outage is 503 so IdPs retry). The Principal's tenant scopes every store
// call; its settings (PATCH dialect, delete policy, PATCH response) come
// from Config.Tenant, e.g. TenantsFromStore. With Config.TenantInPath the
// URL form /tenants/{tenant}/... is accepted too, but the tenant still
// comes from the credential. Config.ProvisioningLog records every write
// request, 429s included, with what a replay needs (query, User-Agent,
// Content-Type, If-Match, the response's version and body, per-operation
// /Bulk results) and secrets redacted from bodies and query;
// Config.ProvisioningLogReads adds reads, at a cost it documents.
//
// Errors are written by WriteError only, as RFC 7644 §3.12 messages with
// status as a string; internal errors are logged with the request id and
// answered with a generic 500.
//
// # Rate limits and telemetry
//
// Config.Limiter limits authenticated requests per tenant (429 with
// Retry-After and a SCIM error body); RateLimiter is one, a token bucket
// per tenant with bounded memory. The Handler records its metrics
// (MetricRequests, MetricRequestDuration, MetricThrottled,
// MetricStoreDuration) on Config.MeterProvider and a span per request,
// with a child per store call, on Config.TracerProvider, continuing the
// caller's trace from Config.Propagator (W3C traceparent by default); both
// default to otel's global providers, so the package depends on the
// OpenTelemetry API only. A middleware around the Handler, such as an
// access log, learns the tenant and token id of each request through
// RequestDetails.
package scim
