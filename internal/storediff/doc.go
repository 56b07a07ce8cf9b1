// Package storediff proves that the store backends agree: its tests run
// the differential driver of store/storetest (storetest.Differential)
// against store/memory, store/sqlite and store/postgres at once, over
// several seeds and as a fuzz target (FuzzDifferential), and fail at the
// first answer, version or event where a backend differs from
// store/memory, the reference (STYLE 12).
//
// The entry point cannot live in storetest itself: storetest is imported
// by the backends' own tests, so it must not import them. PostgreSQL is
// reached through internal/pgtest: the tests skip without a server,
// unless SCIMKIT_REQUIRE_POSTGRES=1.
//
//	SCIMKIT_REQUIRE_POSTGRES=1 go test -race ./internal/storediff
//	go test ./internal/storediff -run TestDifferential -storediff.seeds 100 -storediff.steps 300
//	go test ./internal/storediff -run TestDifferential -storediff.seed 12 -storediff.only 285,290,292
//	go test ./internal/storediff -run TestDifferential -storediff.avoid binary-case,member-ref
//	go test ./internal/storediff -run '^$' -fuzz FuzzDifferential -fuzztime 5m
//
// The -storediff.* flags choose seeds, steps, a reported minimal sequence
// (-storediff.only) and the divergences to steer around ("known", "none"
// or a list); without them TestDifferential runs a few fixed seeds.
// The divergences known today are steered around (storetest.KnownDivergences);
// each has a named regression test in storetest's "Agreement" group.
package storediff
