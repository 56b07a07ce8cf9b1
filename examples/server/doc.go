// Command server is scimkit's reference SCIM 2.0 server: a real service
// provider that Okta or Microsoft Entra ID can provision into.
//
//	go run ./examples/server
//
// starts it on the embedded default store (a SQLite file, scimkit.db, in
// the working directory), creates a bearer token for the default tenant on
// first start, and prints the SCIM base URL and the token, ready to paste
// into the IdP. Every flag has an environment variable (SCIMKIT_ADDR,
// SCIMKIT_STORE, ...); SCIMKIT_TOKEN, when set, becomes a bearer token of
// the default tenant (stored hashed, named "env": the same secret at the
// next start finds the same record, a new one replaces it), so containers
// and scripts start with no interaction:
//
//	SCIMKIT_TOKEN=secret go run ./examples/server -addr 127.0.0.1:9000 -store memory
//
// Tokens and tenants are kept in the store (SHA-256 digests only; a secret
// is shown once) and managed with subcommands that take the same -store:
//
//	go run ./examples/server token create [-tenant T] [-name N] [-ttl D]
//	go run ./examples/server token list [TENANT]
//	go run ./examples/server token rotate [-revoke] ID
//	go run ./examples/server token revoke ID
//	go run ./examples/server tenant create [-dialect entra] [-delete-policy soft] ID
//	go run ./examples/server tenant list
//	go run ./examples/server tenant delete ID
//
// SCIMKIT_ADMIN_TOKEN (or -admin-token-file) turns on the web console at
// /admin/ (package console): the provisioning log, directory, tenants,
// tokens and deliveries, behind its own sign-in; without it /admin/ is 404.
//
// GET /events?after=N&limit=M, authenticated with the same bearer tokens,
// returns the token's tenant's events after a cursor (hooks.FeedHandler),
// kept for -event-retention (a cursor older than that gets 410 Gone);
// -webhook URL -webhook-secret whsec_... also POSTs every event to URL,
// signed per Standard Webhooks (hooks.Webhook run by a hooks.Dispatcher).
//
// Every write request is recorded in the store's provisioning log
// (-log-retention; -log-reads adds GETs and searches) and logged; on the
// memory store, whose log no other process can read and which keeps only
// the newest entries, recording is off unless -log-writes=true. The record
// subcommand turns a tenant's recent traffic into a replay file for
// scimconform -replay (conformance.Record):
//
//	go run ./examples/server record [-tenant T] [-since 1h] [-until D] [-idp okta] [-o file.json]
//
// The command line: flags may come before or after arguments (and before
// the command: -store x.db token list); "help", "COMMAND -h" (only that
// command's flags, with a synopsis) and -version; exit status 0 when done,
// 2 for a command-line mistake, 1 for any other failure. -store never
// creates a store by mistake: a new SQLite file needs a name ending in
// .db, .sqlite or .sqlite3 (or -create), libpq keyword DSNs
// ("host=... dbname=...") are PostgreSQL, and the commands that read or
// change what exists (token list, revoke, rotate, tenant list, delete,
// record) never create a file or a schema. A first token is created only
// once the listener, the TLS files and the background services are up, so
// a failed start never swallows its secret; token rotate keeps the old
// token's lifetime; a DSN's password is never printed.
//
// Operations: GET /metrics serves Prometheus text (-metrics, on by
// default; a bearer from -metrics-token-file or SCIMKIT_METRICS_TOKEN, else
// SCIMKIT_ADMIN_TOKEN when set, else none), OTLP/HTTP exports traces and
// metrics when OTEL_EXPORTER_OTLP_ENDPOINT (or the per-signal variables)
// is set, and the W3C traceparent of a request is continued. Each request
// but the health checks gets one access-log line (-log-format text|json,
// -log-file) with its request id, tenant and token id; lines are written
// in batches, at most 100 ms after they are logged (warnings and errors at
// once, and everything on shutdown). -rate-limit 50/s
// -rate-burst 100 limits each tenant (429 with Retry-After beyond; off by
// default).
package main
