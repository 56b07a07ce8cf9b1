// Package connector makes a directory that scimkit pulls from (Google
// Workspace, which offers no SCIM push) behave like an identity provider
// that pushes: the same users and groups in the store, the same events,
// the same revocation and re-authentication.
//
//	ctx := context.Background()
//	st := memory.New() // the store the gateway's scim.Handler and hooks use
//	key, err := os.ReadFile("service-account.json")
//	if err != nil {
//		return err
//	}
//	src, err := googleworkspace.New(googleworkspace.Config{Credentials: key, Subject: "admin@example.com"})
//	if err != nil {
//		return err
//	}
//	s, err := connector.New(connector.Config{Store: st, Tenant: "acme", Source: src, Name: "googleworkspace"})
//	if err != nil {
//		return err
//	}
//	res, err := s.Sync(ctx) // one full reconciliation: reads everything, then writes
//	if err != nil {
//		return err // ErrMassDeprovision, a listing that failed...: nothing was written
//	}
//	res.Print(os.Stdout)
//	return s.Run(ctx, connector.RunConfig{}) // or keep the tenant in step until ctx is done
//
// ExampleSyncer runs a Syncer over an in-memory Source with its output;
// package googleworkspace's Example runs this code against a fake Google.
//
// A Source is the directory's read side: list users (deleted ones
// included when known), list groups, list a group's direct members, read
// one user. A Syncer reconciles one tenant's store with a Source through
// the store's ordinary write path (store.Store Create, Update, Delete), so
// every change records the usual outbox events and runs the usual hooks:
// user.deactivated → hooks.Revoker, user.groups_changed →
// hooks.Reauthenticator, exactly as a SCIM PATCH would.
//
// What a Syncer guarantees:
//   - Resources are matched by externalId (the source's id), never by
//     name. The Syncer owns what it created or matched (ownership records
//     in store.States); resources provisioned by SCIM push in the same
//     tenant are never touched, and a source user whose userName a pushed
//     user holds is skipped with a warning.
//   - A run reads everything before it writes anything. A listing that
//     fails changes nothing: nothing "not seen because the listing failed"
//     is ever taken as deleted. A group whose members the source refuses
//     (ErrInaccessible, Google's 403 for external members) is skipped with
//     a warning and keeps its stored members.
//   - A run that would deactivate or delete more than
//     Config.MaxDeprovisionShare of the users it owns stops before any
//     write (ErrMassDeprovision) and lists what it would have done.
//   - Group members are the group's effective users: nested groups are
//     resolved (cycles included), members outside the directory ignored.
//   - A run that finds nothing to change writes nothing and records no
//     events.
//   - Of two reads of one user, the newer is applied (SyncUser for a
//     change notification racing a full run's listing).
//   - Deletions follow the tenant's delete policy (store.Tenants): hard,
//     or soft with a tombstone (store.Tombstones).
//
// Syncer.Run is the continuous mode: change notifications from an
// optional Watcher (package googleworkspace's users.watch channels),
// group polls, and full runs on a timer as the safety net, resumed from
// the status kept in the store after a restart.
package connector
