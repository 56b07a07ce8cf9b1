// Package hooks turns the transactional outbox of a scimkit store into
// actions: it delivers every committed change to the application's
// handlers, and builds the access features of a gateway on top.
//
// A gateway registers its session handling as the Access handler of a
// Dispatcher over the store its scim.Handler writes to; sessions stands
// for the gateway's own session store:
//
//	st := memory.New() // the same store as scim.Config.Store
//	access, err := hooks.NewAccess(hooks.AccessConfig{
//		Directory: hooks.NewDirectory(st, nil, nil), // nil: the built-in User and Group types
//		Revoker: hooks.RevokerFunc(func(ctx context.Context, r hooks.Revocation) error {
//			return sessions.DeleteUser(ctx, r.Tenant, r.UserID) // deactivated or deleted; idempotent
//		}),
//		Reauthenticator: hooks.ReauthenticatorFunc(func(ctx context.Context, r hooks.Reauth) error {
//			return sessions.RequireLogin(ctx, r.Tenant, r.UserID, r.Time) // its groups changed
//		}),
//	})
//	if err != nil {
//		return err
//	}
//	d, err := hooks.NewDispatcher(hooks.Config{Store: st, Handlers: map[string]hooks.Handler{"access": access}})
//	if err != nil {
//		return err
//	}
//	go d.Run(ctx) // at least once, in order per resource, resumes after a crash
//
// ExampleAccess_dispatcher runs this wiring with its output; ExampleAccess
// shows every callback, ExampleDispatcher a plain handler and
// ExampleVerifyWebhook the webhook sender and receiver.
//
// # Events
//
// Every committed write records its events (store.Event, aliased Event)
// in the same transaction, derived from what really changed: user.created,
// user.updated (with the changed paths), user.deactivated,
// user.reactivated, user.deleted, group.created, group.renamed,
// group.deleted, group.members_added, group.members_removed, and one
// user.groups_changed per affected user. A change that does not commit
// records nothing.
//
// # Delivery
//
// A Dispatcher reads the outbox and hands each event to the registered
// Handlers (HandlerFunc adapts a function). Each consumer (a named
// handler) has its own durable checkpoint, retries and parked events:
//
//   - Order: per resource. A consumer partitions its events into lanes by
//     resource (tenant, resource type and id; user.groups_changed is about
//     the user, so it is ordered with the user's own events). A lane
//     delivers one event at a time, in commit (Seq) order; different lanes
//     run in parallel, up to Config.Concurrency events at once (default
//     16), so handlers must be safe for concurrent use. There is no order
//     across resources.
//   - No head-of-line blocking: an event waiting for a retry holds back
//     only its own resource's later events, and no delivery slot while it
//     waits. A revoker failing for one user does not delay the
//     deactivation of another.
//   - Retries: a failed delivery is retried with exponential backoff and
//     jitter (RetryPolicy); after MaxAttempts, or at once for an error
//     wrapped with Permanent, the event is parked (dead-lettered) and its
//     lane moves on. Dispatcher.Parked lists parked events and
//     Dispatcher.Replay redelivers them.
//   - Checkpoint: the durable checkpoint advances to the highest Seq below
//     which every event is finished (delivered or parked), never past an
//     event still being delivered or retried. Config.Window bounds how
//     far the lanes run ahead of it (events read but unfinished).
//   - At least once: after a crash (or a lost lease) the next holder
//     starts from the checkpoint, so it redelivers the oldest unfinished
//     event and every event after it, including those other lanes had
//     already delivered (the checkpoint is saved after each read batch,
//     when the consumer catches up and when it stops). A graceful stop
//     saves it first, so it redelivers only events after one that was not
//     finished. Handlers must be idempotent: drop duplicates by Event.ID
//     and stale events by Event.Seq, the ordering key of every event
//     (keep the highest Seq applied per resource). Event.Version is the
//     resource's meta.version for events about its own representation
//     (shared by the events of one write, the last version for a
//     deletion) and 0 on user.groups_changed, so it does not order a
//     user's events.
//   - Never in the request path: SCIM writes only insert outbox rows;
//     dispatching runs in its own goroutines, so a slow or failing hook never
//     slows a SCIM request.
//   - Crashes: with SQLite or PostgreSQL the checkpoint is durable, so
//     events committed before a kill -9 are delivered after the restart
//     (TestCrashKill kills a child process with SIGKILL mid-delivery and
//     mid-commit, twice, and checks that every committed event was
//     delivered).
//   - Replicas: a consumer is leased to one Dispatcher at a time (a lease
//     row with expiry, renewed every LeaseTTL/3), so several replicas on
//     one PostgreSQL schema share the consumers without double dispatch in
//     the normal case, and a standby takes over within LeaseTTL when the
//     holder dies (at once when it stops cleanly).
//   - Latency: stores that implement store.Notifier wake the Dispatcher on
//     commit (PostgreSQL LISTEN/NOTIFY across processes; memory and SQLite
//     within the process); PollInterval is the fallback.
//
// The store must implement store.Outbox and store.Deliveries (every
// scimkit backend does). Stores keep every event a registered consumer
// has not passed, and the others for their retention window
// (store.Retention, 7 days by default). A consumer whose lease has not
// been renewed for Retention.AbandonAfter stops holding events back; if
// it comes back after some of its events were pruned, it never skips
// them: it logs an error and delivers nothing until it is removed
// (store.Consumers), after which it restarts at the oldest event kept.
//
// # Pull feed and webhooks
//
// Feed reads one tenant's events after a cursor, and FeedHandler serves
// it over HTTP, for consumers reconciling after their own outage. A
// cursor older than what the store keeps gets store.ErrExpired (HTTP 410
// Gone): the reader resynchronises instead of missing events. Webhook
// is a Handler that POSTs events signed per the Standard Webhooks
// specification (webhook-id, webhook-timestamp, webhook-signature with an
// HMAC-SHA256 per secret, so secrets can rotate); VerifyWebhook checks
// such a request on the receiving side.
//
// # Access features
//
// Access is a Handler that turns events into access decisions: revocation
// on deactivation or deletion (Revoker, with Receipts), re-authentication
// when a user's groups change (Reauthenticator), and group changes pushed
// to an external policy store (GroupSink), per tenant Policy. Directory
// answers policy editors and per-request policy evaluation (groups by
// display-name prefix or id, a user's effective groups, whether a user is
// active) from the store's indexes.
//
// # Metrics
//
// A Dispatcher records delivery attempts, failures and parked events and
// observes, per consumer, the parked events and the outbox lag (events
// after its checkpoint) on Config.MeterProvider; Access records the
// revocation latency from commit to the Revoker's return on
// AccessConfig.MeterProvider. Both default to otel's global provider (see
// the Metric constants); the package depends on the OpenTelemetry API
// only.
//
// Package hookstest has a fake Clock for tests and a latency recorder for
// benchmarks.
package hooks
