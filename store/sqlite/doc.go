// Package sqlite is a persistent store.Store on SQLite, using the pure-Go
// driver modernc.org/sqlite (no cgo). It is the reference server's default
// persistent store.
//
//	st, err := sqlite.Open(ctx, sqlite.Config{Path: "scim.db"})
//	if err != nil {
//		return err
//	}
//	defer st.Close()
//	h, err := scim.New(scim.Config{Store: st, Authenticator: tokens})
//
// Open it with Open(ctx, Config). The database runs in WAL mode with
// foreign keys on and synchronous=NORMAL. Writes run in BEGIN IMMEDIATE
// transactions on one dedicated connection, so concurrent writers queue
// instead of failing with SQLITE_BUSY, and a read-modify-write (Update)
// can never lose an update; reads use a separate pool of read-only
// connections. The schema is created and upgraded by embedded, numbered
// migrations recorded in PRAGMA user_version.
//
// WAL checkpoints run off the write path: the write connection never
// checkpoints in a COMMIT (wal_autocheckpoint=0); a background goroutine,
// woken after each COMMIT, runs a PASSIVE checkpoint on a connection of
// its own once the WAL holds DefaultCheckpointPages pages not yet copied
// into the database file. If the WAL still reaches four times that (the
// checkpointer fell behind, or readers kept the WAL from restarting), the
// writer runs a RESTART checkpoint itself between two transactions, so
// the WAL stays bounded; Close truncates it (TRUNCATE checkpoint). That
// RESTART never waits for readers: while a reader holds an old snapshot
// (a long export, a backup, another process), writes go on and the WAL
// grows, as with SQLite's own checkpoints, and the bound holds again once
// the reader is gone.
//
// # Group commit
//
// Concurrent writes share transactions. A write (Create, Update, Delete,
// an admin or provisioning log write) is queued; one goroutine at a time
// opens a transaction, runs the queued writes one after another, each in
// its own SAVEPOINT (but the first, which holds the transaction alone),
// and commits them with one COMMIT, so N concurrent
// writes cost one COMMIT instead of N. A transaction takes at most
// Config.MaxBatchWrites writes and keeps taking writes queued while it
// runs for at most Config.MaxBatchTime. It never sleeps waiting for
// writes: when the queue is empty it yields the processor once
// (runtime.Gosched), so that the requests its previous COMMIT answered
// can queue their next writes, and commits if none came. A lone writer
// commits at once.
//
// Each write stays atomic and fails alone: its error (a uniqueness
// conflict, a stale version, an Apply error, a panic) rolls back to its
// savepoint and is its own, and the others commit (a failed first write
// rolls the transaction back, and the writes queued behind it run in the
// next). No write is answered
// before the COMMIT of its transaction: if the COMMIT fails, every write
// of the transaction fails with its error and none is visible. A write
// whose context is done before it runs is not run; once it runs, its
// statements ignore the context's cancellation (SQLite would roll back
// the whole shared transaction on an interrupt) and its caller gets the
// commit's outcome. If SQLite rolls back the transaction itself (an I/O
// error, a full disk), the writes that had run in it fail with
// store.ErrUnavailable, and those not yet run go to the next transaction.
//
// The provisioning log (store.ProvisioningLog) appends through the same
// queue: an entry is committed, in a transaction shared with other
// requests' writes, before Append returns, and package scim sends a
// write's response only after its entry was appended, so no write is
// acknowledged whose entry a crash could lose.
//
// # Tables
//
//   - resources: one row per resource with the creation sequence (seq, the
//     stable tiebreak of every sort and the cursor position), version,
//     timestamps, externalId, the attributes as JSON (data, members left
//     out) and a second JSON copy (fold) in which every string of a
//     non-caseExact attribute is folded with the filter rule (per-rune
//     unicode.ToLower) and every dateTime is normalised to fixed-width UTC
//     text, so filters compare bytewise and chronologically in SQL.
//   - uniques: the folded values of attributes with uniqueness server or
//     global, primary key (tenant, type, attr, value): uniqueness is checked
//     by the database atomically with the write. "global" is treated like
//     "server": unique per tenant and resource type.
//   - members: group membership, one row per (tenant, group, member), so
//     membership changes by deltas at a cost independent of group size, and
//     the groups of a member come from the index on (tenant, member_id).
//   - events: the transactional outbox (store.Outbox), pruned oldest
//     first in the background by Config.Retention (prune.go).
//   - counts: the number of resources per tenant and type, kept by
//     triggers in the writing transaction, so an unfiltered list knows its
//     totalResults without counting rows.
//   - page_blocks: the resources of each tenant and type, in creation
//     order, cut into consecutive blocks of 1 to 1024 (tenant, type, start
//     seq, n), kept exact by triggers in the writing transaction (inserts
//     fill the last block, deletes decrement a block and merge neighbours
//     that fit in one), so that neighbouring blocks always hold more than
//     1024 together: fewer than 2N/1024+1 blocks for N resources, whatever
//     the interleaving of tenants or the deletions.
//
// # Cost of a page
//
// A page finds its rows' sequence numbers first in the narrow covering
// (tenant, type, seq) index, reads only those rows, and fills the groups
// of all its users (or members of all its groups) with one query.
// Statements are prepared once per connection and reused (a bounded
// cache), since SQLite's prepare dominated short queries.
//
// An unfiltered page in creation order at startIndex k (RFC 7644 index
// paging) does not skip k index entries: one statement sums the n of the
// tenant's page blocks in order to find the block holding row k, seeks
// the index to that block's start and skips the fewer than 1024 rows
// before k inside it. Its cost is independent of k and grows with the
// tenant only by the running sum over about N/1024 small block rows (100
// at 100,000 resources). Blocks and rows are read in one statement, hence
// one snapshot, so concurrent writes never shift a page. A sorted or
// filtered page still skips with OFFSET over its candidates; cursor pages
// (RFC 9865) cost the same at any depth.
//
// # Filters
//
// List translates bound filters (package filter) to parameterised SQL on
// the fold document. A node that cannot be translated exactly narrows the
// query as far as it can and the rest is decided by filter.Match in Go, so
// results always equal the in-memory reference evaluator's.
//
// # Update without change
//
// An Update whose result equals the stored state and whose member deltas
// change nothing keeps the version and records no events.
package sqlite
