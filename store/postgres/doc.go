// Package postgres is the production store.Store backend of scimkit, on
// PostgreSQL through github.com/jackc/pgx/v5 (pgxpool).
//
// Open connects, checks the configuration once and applies the embedded,
// numbered migrations (migrations/*.sql) under a transaction-scoped
// advisory lock, so that several replicas starting at once never race.
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
//   - events: the transactional outbox. Sequence numbers come from a
//     one-row counter updated last in each writing transaction, so they
//     are gapless and increase in commit order, as store.Event.Seq
//     promises.
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
// the number of block rows of the tenant and type, at most 8·N/1024 for N
// resources written by many backends (N/1024 when loaded by one), a few
// hundred rows at N = 100,000, summed from the page_blocks primary key.
//
// Each block's count is split over 8 stripes chosen by the writing backend
// (pg_backend_pid() % 8, as counts uses 16 slots), so concurrent creates,
// whose sequence numbers fall in the same block, rarely wait for each
// other's commit on a counter row; a delete decrements its own backend's
// stripe, which may go negative. Nothing is cached in the process: the
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
// blocks: the number of block rows read is at most 8 times the smaller of
// the tenant's rows and its sequence span / 1024. The totalResults of the page
// still comes from counts, in the same round trip. Filtered or sorted
// pages count or sort their matches as before.
//
// # Round trips and the cost of ordered events
//
// Writes are latency-bound, so they are pipelined: a Create without
// members is one batch (one round trip) whose implicit transaction commits
// the row, its unique values and its events; an Update is three round
// trips (BEGIN with the row lock and the member's groups; the new row,
// unique values and events; COMMIT), plus one per member delta. Lists send
// their count and page together.
//
// The trade-off: the event counter's row lock is held from the events
// statement until the commit is durable, so writing transactions finish one
// after another and cannot share a WAL flush (no group commit): with
// synchronous_commit on, writes that record events top out near one per
// WAL flush however many clients write in parallel. That is the price of
// an outbox a consumer can read by "Seq > n" without ever skipping an
// event that commits late. Deployments that need more write throughput can
// set synchronous_commit = off for the store's role (a crash may then lose
// the last few hundred milliseconds of acknowledged writes, events
// included, but never reorders or splits them).
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
// tables changed beyond autovacuum's default threshold (50 rows + 10%).
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
