// Package backend is the code the three stores of scimkit (store/memory,
// store/sqlite and store/postgres) share: one write algorithm and one stored
// form of a resource, so that the backends differ only in their I/O.
//
// The write algorithm: Create, Update and Delete of every backend run
// RunCreate, RunUpdate and RunDelete inside the backend's own transaction;
// the backend supplies only its I/O through WriteTx. Everything a write
// decides is decided here, once: the If-Match check, what Apply may change,
// the stored form of a resource (Doc), how a member list replaces another,
// what really changed (the document, the member set, a member's type or
// display), the new version and lastModified (Timestamp: millisecond
// precision, as reported), the events (DeriveEvents), and what the write
// returns.
//
// The stored form: which attributes a resource type keeps in the membership
// index (Shape), what is stored of the rest (Doc), how values compare in
// filters, sorts and uniqueness (FoldValue: binary and caseExact values as
// they are), what must be unique (UniqueKeys), and the values a tombstone
// keeps (TombstoneValues). The rest are small checks and encodings every
// backend needs the same way: cursors of the provisioning log, the outbox's
// expiry check and batched pruning, state and token checks, and the
// bookkeeping of encoded list pages (EncodedPageBuilder).
//
// The package is internal: its API follows the backends' transaction design
// and changes with it. A store outside scimkit implements store.Store (and
// the optional interfaces it wants) and proves itself with the shared suite
// in store/storetest.
package backend
