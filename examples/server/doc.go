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
package main
