// Package sqlite is a persistent store.Store on SQLite, using the pure-Go
// driver modernc.org/sqlite (no cgo). It is the reference server's default
// persistent store.
//
// Open it with Open(ctx, Config). The database runs in WAL mode with
// foreign keys on and synchronous=NORMAL. Writes run in BEGIN IMMEDIATE
// transactions on one dedicated connection, so concurrent writers queue
// instead of failing with SQLITE_BUSY, and a read-modify-write (Update)
// can never lose an update; reads use a separate pool of read-only
// connections. The schema is created and upgraded by embedded, numbered
// migrations recorded in PRAGMA user_version.
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
//   - events: the transactional outbox (store.Outbox).
//   - counts: the number of resources per tenant and type, kept by
//     triggers in the writing transaction, so an unfiltered list knows its
//     totalResults without counting rows.
//
// # Cost of a page
//
// A page finds its rows' sequence numbers first, by OFFSET over the narrow
// covering (tenant, type, seq) index (from its end when the page is past
// the middle), reads only those rows, and fills the groups of all its
// users (or members of all its groups) with one query. Statements are
// prepared once per connection and reused (a bounded cache), since
// SQLite's prepare dominated short queries. Cursor pages (RFC 9865) cost
// the same at any depth.
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
