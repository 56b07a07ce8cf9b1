// Command gateway is a small access gateway built on scimkit: the IdP
// (Okta, Microsoft Entra ID) provisions users and groups into its SCIM
// endpoint, and the gateway lets provisioned, active members of one group
// through to an upstream application.
//
//	GATEWAY_SCIM_TOKEN=secret go run ./examples/gateway -group-name Engineering
//
// serves
//
//   - /scim/v2/...: the SCIM 2.0 service provider (bearer token
//     GATEWAY_SCIM_TOKEN) on the chosen store (-store: "memory", a SQLite
//     file, or a postgres:// DSN);
//   - POST /login with userName=...: a stub login that issues a session
//     cookie to a provisioned, active user (403 otherwise);
//   - everything else: the upstream ("hello <user>") for sessions whose user
//     is a member of group G (-group-id, or -group-name: the first group with
//     that displayName, pinned by id from then on, so renames keep working).
//     401 means log in; 401 with X-Reauth-Required: 1 means log in again
//     because your groups changed; 403 means not allowed.
//
// A hooks.Dispatcher delivers the store's events to a hooks.Access whose
// revoker deletes a deprovisioned user's sessions and whose
// re-authenticator marks the sessions of a user whose groups changed
// (per -on-group-change: reauth, automatic or noaction).
//
// Two more sources end sessions through the same hooks.Access:
//
//   - -ssf-trust (JSON, or @file) lists OpenID Shared Signals transmitters
//     (an IdP, another scimkit): their CAEP session-revoked, pushed to
//     POST /ssf/receive or polled, revokes like a SCIM deactivation;
//   - -google-credentials and -google-subject feed the store from a Google
//     Workspace directory by pull (package connector), with
//     -google-webhook-url for users.watch notifications (a suspension in
//     Google ends the user's sessions within seconds), -google-poll and
//     -google-full-sync for the periods, -google-customer and
//     -google-endpoint (for proxies and tests).
package main
