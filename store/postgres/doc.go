// Package postgres is the production store.Store backend of scimkit, on
// PostgreSQL through github.com/jackc/pgx/v5 (pgxpool).
//
//	st, err := postgres.Open(ctx, postgres.Config{DSN: "postgres://scim@db/scim", Schema: "scimkit"})
//	if err != nil {
//		return err
//	}
//	defer st.Close()
//	h, err := scim.New(scim.Config{Store: st, Authenticator: tokens})
//
// Open connects, checks the configuration once and applies the embedded,
// numbered migrations (migrations/*.sql) under an advisory lock, so that
// several replicas starting at once never race: a fresh schema in one
// transaction; on an upgrade, indexes added to tables that writers use are
// built with CREATE INDEX CONCURRENTLY, outside the migration
// transactions, so that writes go on during the build (an invalid index
// left by a failed build is dropped and built again by the next Open).
// Every table lives in the PostgreSQL schema named by Config.Schema, which
// isolates deployments and tests sharing one database.
//
// # Data model
//
//   - resources: one row per resource (tenant, id, type, creation sequence,
//     version, timestamps, externalId) with two JSON documents: "data", the
//     attributes as stored (never the members of a group), and "fold", the
//     same document in which every string value that is not caseExact is
//     folded in Go with the filter package's rule (per-rune
//     unicode.ToLower) and every dateTime is rewritten to a fixed-width UTC
//     form, so that filters compare bytewise (COLLATE "C") with exactly the
//     semantics of filter.Match and sort chronologically as text.
//   - uniques: (tenant, type, attribute, folded value) → id, the primary
//     key that makes uniqueness (RFC 7643 §7 "uniqueness": server and
//     global, both enforced per tenant and resource type) atomic.
//   - members: the membership index (tenant, group, member) with type,
//     display, in insertion order ("$ref" is derived when rendering, never
//     stored; the ref column is kept empty); member deltas are single-row
//     INSERT ... ON CONFLICT DO NOTHING / DELETE ... RETURNING statements
//     whose cost does not depend on the size of the group, and the groups
//     of a member are answered from its (tenant, member_id) index.
//   - events: the transactional outbox. A writing transaction inserts its
//     events with a provisional position (pseq, from the sequence
//     event_pseq) and no Seq; readers give committed events their gapless
//     Seq afterwards, in pseq order (see "Ordered events without a global
//     lock"). event_sequencer holds the numbering's progress.
//   - counts: the number of resources per tenant and type, kept by
//     statement triggers, so an unfiltered list knows its totalResults
//     without counting rows.
//   - page_blocks: the number of resources per tenant, type and block of
//     1024 creation sequence numbers (seq >> 10), kept by the same
//     triggers in the writing transaction; see "Index paging".
//
// # Index paging
//
// An unfiltered page in creation order (startIndex and count, RFC 7644
// §3.4.2.4) does not skip startIndex entries with OFFSET. One statement
// sums the block counts of the tenant and type in block order (a window
// sum over their rows) to find the block holding the first row of the
// page and the number of rows before it, then reads the (tenant, type,
// seq) index from the start of that block, where OFFSET skips fewer than
// 1024 entries. Its cost does not depend on startIndex; it grows only with
// the number of block rows of the tenant and type: N/1024 for N resources
// written by one writer at a time or loaded in bulk, at most 32·N/1024
// (about 3,000 rows at N = 100,000) when 32 or more writers created them
// concurrently, summed from the page_blocks primary key.
//
// Each block's count is split over stripes: a writer adds to a stripe row
// of the block that no running transaction holds (SELECT ... FOR UPDATE
// SKIP LOCKED), and only when every one is held adds or waits for the one
// its backend names (pg_backend_pid() % 32), as counts does with its
// slots. Concurrent creates, whose sequence numbers fall in the same
// block, thus never wait for each other's commit on a counter row while
// fewer than 32 overlap; a block has as many stripe rows as writers ever
// held it at once (one for writers that never overlap, at most 32). A
// delete decrements any free stripe, which may go negative. Nothing is cached in the process: the
// counts are rows written in the transaction of every insert and delete
// (COPY and multi-row deletes included), so any number of replicas may
// write. Because the block counts and the rows are read by one statement,
// in one snapshot, the page is exactly what OFFSET over the whole index
// would return in that snapshot. Sequence numbers come from an identity
// column, so transactions may commit them out of order: a create that
// commits after a page was read can land before that page and shift later
// ones by one, exactly as with OFFSET; cursor paging (RFC 9865) is the
// stable alternative for clients paging while an IdP writes.
//
// Sequence numbers are shared by all tenants and types, so the rows of a
// tenant that was provisioned interleaved with others spread over more
// blocks: the number of block rows read is at most 32 times the smaller of
// the tenant's rows and its sequence span / 1024. The totalResults of the page
// still comes from counts, in the same round trip. Filtered or sorted
// pages count or sort their matches as before.
//
// # Round trips and shared commits
//
// Writes are latency-bound, so they are pipelined: a Create without
// members is one batch (one round trip) whose implicit transaction commits
// the row, its unique values and its events; an Update is two round trips
// (BEGIN with the row lock, and the group's members or the member's
// groups, each read after the lock by a statement of its own; the new row,
// unique values, events and COMMIT), member deltas included: the first
// batch also resolves the members a delta adds and reads which of the
// members the deltas name the group holds, so the deltas' results are
// known and their statements go with the last batch, each checked to
// change the rows expected (a membership deleted meanwhile fails the
// transaction, and the update runs again with a round trip per delta;
// migration 0033). A create with members adds them in a round trip of
// its own. BEGIN and COMMIT are statements of those batches
// (not pgx.Tx calls, which cost a round trip each), so a row lock is held
// for one round trip fewer. Creates without members that arrive while
// others are on the server share a pipeline, and with it one implicit
// transaction and one commit (shared.go); when the server refuses one of
// them, each is sent again alone, so it fails alone. The provisioning log
// entry the reference server appends after each write is written with
// those of concurrent requests, one statement and one commit per group. Lists send
// their count and page together, except the first page of a filter (an
// IdP's userName eq lookup), which is one statement whose row count is the
// total when the page is not full.
//
// Writing transactions take no lock that another writer of other rows
// waits for (neither the outbox nor the counts and page_blocks counters
// serialise them), so concurrent writes share WAL flushes (group commit):
// throughput grows with clients until the server's CPU or disk is
// saturated. Measured on a 2-core machine shared with other workloads
// (BenchmarkCreateClients, creates in one tenant, one run each, back to
// back): with the one-row event counter this replaced, 162 creates/s from
// 1 client and 196 from 32 (ratio 1.2); now 209 and 616 (2.9; 2.4 to 3.4
// over three runs, the 1-client figure varying most). With synchronous_commit off, both reach about 850
// to 900 creates/s there, the bound set by the machine's CPU, so 32
// clients are at 70 to 100% of what the CPU allows rather than queued on
// a lock; plain single-row INSERT commits reached 195 and 3,220 tps.
//
// # Ordered events without a global lock
//
// store.Outbox promises that a reader polling "Seq > my checkpoint" never
// skips an event that commits late, and consumers rely on Seq being
// gapless and on each resource's events following the order in which its
// changes committed. Numbering events in the writing transaction cannot
// give both without making every writer wait for the previous one's
// commit (the one-row counter of migration 0001 did). Instead:
//
//   - A writer inserts its events with pseq = nextval('event_pseq'),
//     taken by the events statement, after the transaction's other writes
//     (and after any row lock it waited for), and seq NULL. No lock is
//     shared with other writers; nothing is numbered yet.
//   - Readers number. Events runs sequence_events (migration 0008), under
//     a transaction-scoped advisory lock of the schema tried without
//     waiting (one sequencer at a time over every Store and process; the
//     others just read). It reads the last pseq handed out (target), then
//     the transactions holding a lock on the events table in pg_locks: an
//     INSERT locks the table before it calls nextval and keeps the lock
//     until its transaction ends, and a commit is visible before its locks
//     are released. Once none of those transactions holds the lock any
//     more, every event with pseq <= target has committed (and is visible)
//     or rolled back, and no other can appear below target. The committed
//     ones are then numbered in pseq order, continuing the gapless Seq, by
//     an UPDATE in the sequencer's transaction. The watermark and the
//     transactions it waits for are kept in event_sequencer, so a later
//     call by any Store carries on.
//   - Events waits for the transactions running at its call to end, in
//     passes at most 10ms apart (the first after 0.25ms), so a caller sees
//     every write acknowledged before its call; the writers it waits for
//     are in their last statement or commit and normally finish within a
//     commit's time. Past sequenceWait (1s; a stalled writer) it returns
//     what is numbered, and a background pass finishes the numbering and
//     wakes Notify listeners.
//
// What this keeps: a Seq is assigned once, after commit, and every later
// assignment is larger, so a reader that has passed n never sees a new
// event at or below n; Seq is gapless; the events of one transaction are
// consecutive. Order: if a transaction T2 waited for a row lock held by
// T1, or otherwise saw T1's commit before its events statement, T2's pseq
// is larger than T1's (T1 took its pseq before committing), so its events
// come after T1's; as every change of a resource locks its row, a
// resource's events follow the order its changes committed, and so do a
// user's membership events for one group (the group's row is locked). Two
// transactions that never waited for each other (both ran their events
// statements before either committed) are ordered by those statements,
// which can differ from the order of their commits; the one-row counter
// ordered them by commit. Delivery stays at least once, as before.
// TestOutboxRacingWriters checks these against 32 writers and two Stores.
//
// What it costs: each event row is written twice (inserted, then
// numbered), and a numbering pass commits a small transaction of its own.
// The first Events call after writes waits for the writes in flight at
// its call (about one commit), and a numbering pass that assigns Seq
// waits for its own WAL flush before Events returns. A transaction that
// inserted events and then stays open (a client that stops between its
// events statement and COMMIT) holds back the numbering of every event
// not numbered before it took its pseq until it ends, and makes each
// Events call wait sequenceWait, where the counter blocked every writer;
// such a stall is bounded by the server's
// idle_in_transaction_session_timeout if set (TestOutboxLateCommit). Reading pg_locks takes the lock manager's partition locks briefly,
// once per pass, not per write. Replicas must run one release: an older
// binary writes the dropped counter and fails.
//
// Notifications follow the same rule: a NOTIFY in a writing transaction
// takes PostgreSQL's cluster-wide notification lock before the commit and
// holds it until the commit is durable, which would serialise writers
// again, so the Store notifies after the commit, from a background
// goroutine (see Store.Notify).
//
// Citus and other tenant-distributed engines: every other table is keyed
// by tenant first, but the outbox is global, and the sequencer relies on
// one node's pg_locks and sequence. A deployment distributed by tenant
// would key events by (tenant, pseq), keep one sequencer row per tenant
// (or per shard group) with pseq from a per-shard sequence, run the
// sequencer on the node holding the shard (the horizon only concerns
// transactions on that node), and give consumers per-tenant checkpoints;
// Seq would then be gapless per tenant rather than global, and a consumer
// reading every tenant would merge the tenants' streams. The sequencer
// itself uses only what each node has: a sequence, advisory locks,
// pg_locks and plpgsql.
//
// # Planner statistics
//
// The lookups above use their indexes only when PostgreSQL has statistics
// for the tables; without them it may walk a whole tenant for a userName
// eq (measured: ~500 times slower at 100k users). Servers normally keep
// statistics with autovacuum, but many test and CI servers run with it
// off. Config.Analyze (default AnalyzeAuto: only when autovacuum is off,
// or disabled on one of the store's tables) makes the store do it: Open
// analyzes tables that have rows but were never analyzed, and every 256
// committed writes of a Store one background check runs ANALYZE on the
// tables changed beyond autovacuum's default threshold (50 rows + 10%);
// VACUUM (ANALYZE) when autovacuum is off, since nothing else would
// reclaim dead rows or set the visibility map that index-only scans need.
// Only writes through the Store are counted: rows loaded behind its back
// (COPY, another program) get statistics at the next Open, at the next
// check triggered by writes, or from the operator. Checks never fail or
// slow a write (errors are ignored); Close cancels a running one.
//
// # Concurrency
//
// Correctness never relies on in-process locks: writes run in transactions
// that lock the rows they change (SELECT ... FOR UPDATE), uniqueness rests
// on primary keys, and deadlocks or serialization failures are retried a
// bounded number of times (Config.MaxRetries). Any number of Store values,
// in any number of processes, may share one schema.
//
// # Filters
//
// List translates bound filters (RFC 7644 §3.4.2.2) to parameterised SQL:
// values are always parameters and attribute names, which come from the
// schema, are SQL literals or parameters. Comparisons of multi-valued
// attributes and value paths become EXISTS over jsonb_array_elements, or
// over the membership index for members and groups. A filter node that
// cannot be translated exactly is evaluated with filter.Match in Go over
// the rows the rest of the filter narrowed down, so results are always
// those of the in-memory reference.
//
// # Errors
//
// Driver errors are mapped at this package's boundary: a unique violation
// to store.ErrConflict, an unreachable or shut-down server, a statement
// timeout or an expired context deadline to store.ErrUnavailable, a
// missing row to store.ErrNotFound; the driver error stays wrapped.
package postgres
