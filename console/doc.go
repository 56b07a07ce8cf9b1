// Package console is a web console for the operators of a scimkit
// deployment: an http.Handler, server-rendered with html/template from
// embedded templates and plain CSS (no JavaScript, no build step), that a
// gateway mounts beside its SCIM handler. The reference server
// (examples/server) mounts it at /admin/ when an admin token is
// configured; any application built on scimkit can do the same:
//
//	st := memory.New() // the store the SCIM handler writes to
//	h, err := scim.New(scim.Config{Store: st, ProvisioningLog: st, Authenticator: tokens})
//	if err != nil {
//		log.Fatal(err)
//	}
//	d, err := hooks.NewDispatcher(hooks.Config{Store: st, Handlers: handlers})
//	if err != nil {
//		log.Fatal(err)
//	}
//	con, err := console.New(console.Config{
//		Store:      st,
//		AdminToken: os.Getenv("ADMIN_TOKEN"), // at least MinAdminTokenLength bytes
//		Replayer:   d,                        // optional: replays parked events
//	})
//	if err != nil {
//		log.Fatal(err)
//	}
//	mux := http.NewServeMux()
//	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", h))
//	mux.Handle("/admin/", con) // full paths, no StripPrefix (Config.Prefix)
//
// Here tokens are the SCIM tenants' credentials (scim.Config.Authenticator)
// and handlers the application's hooks; ExampleNew mounts the console and
// signs in.
//
// # Pages
//
//   - Provisioning log: every request the SCIM handler recorded
//     (store.ProvisioningLog), filtered in the store by tenant, time range,
//     IdP, method, resource type, outcome and status, newest first, paged
//     with the store's cursor. An entry shows the redacted request and
//     response and the events its request produced (store.RequestEvents).
//   - Directory: users and groups of a tenant (Config.DefaultTenant
//     first) searched with a SCIM filter (RFC 7644 §3.4.2.2), cursor paged
//     (RFC 9865); a user's groups (direct memberships) and a group's member
//     users, paged the same way; the groups a user is in through nested
//     groups (a bounded breadth-first walk, one indexed filter per group)
//     and the groups that contain a group. A
//     resource is shown as SCIM returns it: never its password or any
//     other returned:never or writeOnly attribute (RFC 7643 §7).
//   - Tenants: create, change the dialect and delete policy, delete
//     (store.Tenants).
//   - Tokens: create (the secret is shown once, on the page the POST
//     redirects to, so a reload never issues another token and the secret
//     is never in a URL), rotate (a new secret with the old one's name,
//     access and expiry; the old one works until revoked, unless asked
//     otherwise), revoke (after a confirmation page); last use
//     (store.Tokens).
//   - Deliveries: each consumer's checkpoint, lag in events and seconds,
//     lease, parked events with their last error, and replay through the
//     Replayer (store.Deliveries, store.Consumers).
//   - Connectors: the directories scimkit pulls from (package connector,
//     e.g. Google Workspace) per tenant: last run and its outcome (what it
//     changed, or its error), last full and group runs (store.States,
//     the status each Syncer keeps).
//
// Every list is one page of an indexed store query, so a page costs the
// same on a tenant of a hundred users as on one of a million log entries;
// nothing is loaded whole. The tenants list and a tenant's tokens are
// read whole: they are few.
//
// # Security
//
//   - One admin credential, distinct from the SCIM bearer tokens: a SCIM
//     token never opens the console and a console session never opens
//     SCIM (package scim sees no cookie). Only its SHA-256 digest is kept,
//     compared in constant time.
//   - Failed sign-ins are throttled per client address (10 at once, then
//     one every 6 seconds; 429 with Retry-After), the right credential
//     included, so guessing gets no answers.
//   - Sign-in posts the credential in a form body (never a URL) and
//     starts a server-side session: a random 256-bit id in a cookie that
//     is HttpOnly, SameSite=Strict, Path-scoped, and Secure (with the
//     __Host- prefix) when the request came over TLS or
//     Config.SecureCookies is set. Sessions end at sign-out, after
//     Config.IdleTimeout without a request, and Config.SessionTTL after
//     sign-in; they live in the process's memory, so a restart signs
//     everyone out and replicas do not share them (pin operators to one
//     replica, or sign in on each).
//   - Every form carries the session's synchronizer token, checked on
//     every POST in constant time; a POST without it, with another
//     session's, or marked cross-site by the browser (Sec-Fetch-Site,
//     Origin) is refused with 403 and changes nothing.
//   - Pages are sent with a strict Content-Security-Policy, no-store
//     caching, no referrer and no framing. Every change is logged.
package console
