// Package store is the storage contract of scimkit: the Store interface
// that package scim serves SCIM requests from, the sentinel errors a
// caller maps to HTTP statuses, and the optional capabilities (hook
// delivery, tokens, provisioning log, states…) a backend may add. Pick a
// backend (store/memory, store/sqlite, store/postgres) and use it through
// this interface; write your own only if none fits.
//
//	ctx := context.Background()
//	var st store.Store = memory.New() // or sqlite.Open, postgres.Open
//	defer st.Close()
//	users := schema.UserResourceType()
//
//	u, err := st.Create(ctx, "acme", users, &schema.Resource{
//		Schemas: []string{schema.UserSchema},
//		Attrs:   map[string]any{"userName": "bjensen@example.com", "active": true},
//	})
//	if err != nil {
//		return err
//	}
//	// Read-modify-write: Apply runs inside the store's transaction and may
//	// run more than once; If-Match is checked against the stored version.
//	u, _, err = st.Update(ctx, "acme", users, u.ID, store.Update{
//		IfMatch: u.Meta.Version,
//		Apply: func(cur *schema.Resource) (*schema.Resource, error) {
//			next := cur.Clone()
//			next.Attrs["active"] = false
//			return next, nil
//		},
//	})
//	switch {
//	case errors.Is(err, store.ErrPrecondition): // 412: someone else wrote first
//	case errors.Is(err, store.ErrConflict): // 409: a unique value is taken
//	}
//	f, _ := filter.Parse(`userName eq "BJensen@example.com"`)
//	f, _ = filter.Bind(users, f)
//	page, err := st.List(ctx, "acme", users, store.Query{Filter: f, Count: 10})
//
// The package example (Example) runs this with its output.
//
// A backend implements Store: tenant-scoped create, get, read-modify-write,
// delete and list of SCIM resources, with atomic uniqueness, monotonic
// versions, group membership kept as an index that changes by deltas, and a
// transactional outbox (Outbox) of the events each committed change caused.
// The backends are store/memory (embedded default), store/sqlite
// (modernc.org/sqlite, no cgo) and store/postgres (pgx); each passes the
// shared suite in store/storetest, which is the definition of correct.
//
// Every backend of scimkit runs one write algorithm and one stored form of
// a resource (store/internal/backend, not importable from outside the
// module), so they differ only in their I/O
// and give the same answers; a conflict is reported as *ConflictError, and
// a member value that names no resource is left out or refused as the
// write's RefPolicy says (WithRefPolicy, refs.go). A store written outside
// scimkit implements Store and proves itself with the shared suite in
// store/storetest.
//
// Optional capabilities are interfaces a backend may also implement, found
// by type assertion: Deliveries, Notifier, Consumers and Pruner (durable
// hook delivery and the outbox's retention),
// Tenants, Tokens and ProvisioningLog (administration), RequestEvents (the
// events of one request, for an operator's console), Tombstones (soft
// delete), States (small versioned per-tenant documents that connectors
// and Shared Signals streams keep), and EncodedLister (list pages written straight from the
// backend's own encoding; all three backends have it).
//
// Errors are the sentinels ErrNotFound, ErrConflict, ErrPrecondition,
// ErrUnavailable, ErrInvalidCursor and ErrExpired (an outbox cursor older
// than what is kept), wrapped with the operation; the error
// returned by an Update's Apply function is passed through wrapped, so a
// *schema.Error from package patch keeps its status and scimType.
//
// Importing store pulls in no database driver: only store/sqlite imports
// the SQLite driver and only store/postgres imports pgx.
package store
