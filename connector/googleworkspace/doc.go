// Package googleworkspace reads a Google Workspace directory for
// package connector: a thin client of the Admin SDK Directory API over
// net/http and golang.org/x/oauth2 (not the generated Google API client),
// and users.watch push channels for near-real-time user changes. A
// gateway uses it as the Source (and Watcher) of a connector.Syncer:
//
//	key, err := os.ReadFile("service-account.json") // with domain-wide delegation
//	if err != nil {
//		return err
//	}
//	src, err := googleworkspace.New(googleworkspace.Config{Credentials: key, Subject: "admin@example.com"})
//	if err != nil {
//		return err
//	}
//	// Optional: user changes within seconds. Google POSTs them to Address,
//	// where the Watch must be mounted.
//	watch, err := googleworkspace.NewWatch(googleworkspace.WatchConfig{
//		Client: src, Store: st, Tenant: "acme", Address: "https://gw.example.com/google/notify",
//	})
//	if err != nil {
//		return err
//	}
//	mux.Handle("/google/notify", watch)
//	s, err := connector.New(connector.Config{Store: st, Tenant: "acme", Source: src, Name: "googleworkspace"})
//	if err != nil {
//		return err
//	}
//	return s.Run(ctx, connector.RunConfig{Watcher: watch}) // full runs, group polls, notifications
//
// Here st is the gateway's store and mux its http.ServeMux. Example runs
// a full reconciliation against a fake Google (package googletest).
//
// Authentication is a service account with domain-wide delegation: the
// client signs a JWT bearer grant (RFC 7523) with the service account's
// key, sends it to the key file's token_uri with sub = the admin to
// impersonate (Config.Subject) and the read-only Scopes, and uses the
// access token it gets. The private key is never logged nor stored; a
// refused grant is reported as a *TokenError that names what to check.
//
// What the client calls (Config.Endpoint, default
// https://admin.googleapis.com):
//   - users.list (customer=my_customer, maxResults=500, every page), then
//     users.list with showDeleted=true for the users deleted recently;
//   - groups.list (200 a page) and members.list (200 a page) for each
//     group, nested groups being resolved by the connector;
//   - users.get for one user (a notification's re-read);
//   - users.watch and channels.stop for the push channels (Watch).
//
// Mapping: userName = primaryEmail, externalId = Google's id,
// name.givenName/familyName, emails = the primary email as the primary
// work email, active = not suspended and not archived; a user deleted in
// Google is deleted (or soft-deleted, per the tenant's policy); a group's
// displayName is its name, its externalId Google's id, its members the
// scimkit ids of its effective users.
//
// Rate limits (403 userRateLimitExceeded, rateLimitExceeded,
// quotaExceeded; 429) and 5xx are retried with exponential backoff,
// honouring Retry-After; a 403 on one group's members (external members)
// makes the connector skip that group with a warning.
//
// Watch keeps one users.watch channel per event (add, update, delete,
// undelete), 6 hours long, replaced before it expires and stopped on
// shutdown; it is the http.Handler Google POSTs notifications to. Each
// notification is verified (channel id, resource id, and the channel's
// random token, stored only as a SHA-256 digest) and the user it names is
// re-read with users.get, never taken from the notification. The open
// channels are kept in store.States, so a restarted process recognises
// them, and a process sharing the store opens new ones within
// WatchConfig.Recheck when another stopped them on shutdown. Groups and
// memberships are not watchable in the Directory API:
// connector.Syncer polls them.
//
// Package googletest is a fake of all of the above for tests.
package googleworkspace
