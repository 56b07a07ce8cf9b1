// Package memory is scimkit's embedded, in-process store.Store: the
// default backend, for tests, development and single-instance deployments
// whose data fits in memory. Nothing is persisted.
//
//	st := memory.New() // or memory.New(memory.Config{...})
//	h, err := scim.New(scim.Config{Store: st, Authenticator: tokens})
//
// All state sits behind one sync.RWMutex; every method runs as one
// transaction under it, so writes are atomic and serialised and reads see
// a consistent snapshot. Resources are kept in a compact binary encoding
// (attribute names and enumerated values interned in dictionaries,
// repeated strings written once, ids as 16-byte UUIDs) and decoded on
// read, so callers always receive fresh copies. Outbox events are kept
// encoded too, for Config.Retention and at most Config.OutboxSize of them
// beyond what registered consumers need. A typical user costs about 390
// bytes of heap, 445 with the default outbox (BenchmarkBytesPerUser);
// with Go's default GOGC the process's peak resident memory is about twice
// its live heap, so set GOMEMLIMIT to bound it.
//
// Indexes: resources by id, uniqueness maps (folded per RFC 7643 §2.1
// unless caseExact), externalId and displayName maps (all three keyed by
// a seeded hash of the key, candidates checked), creation order with
// O(log n) positional access (index paging without filter never scans),
// member sets per group in insertion order and a reverse index member →
// groups (membership changes by deltas, and a user's groups are answered
// from the index, as store.Store documents).
//
// It passes store/storetest.
package memory
