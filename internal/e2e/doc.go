// Package e2e is a black-box test suite for the reference server: it mounts
// scim.New exactly as examples/server does (under "/scim/v2", with static
// bearer tokens) behind httptest, and checks what an RFC 7643/7644/9865-
// literate tester and the Okta and Entra request sequences of
// internal/idptest expect. Every response is checked for the invariants
// that hold whatever the request: no 5xx, a JSON body with the SCIM media
// type, and SCIM error bodies (RFC 7644 §3.12) for every 4xx.
//
// Every test runs once per backend of Backends (store/memory, store/sqlite
// on a file in t.TempDir, store/postgres in a fresh schema of the database
// internal/pgtest names, skipped when it is unreachable unless
// SCIMKIT_REQUIRE_POSTGRES=1), as parallel subtests named after the
// backend. TestBackendsAgree replays one transcript of every endpoint and
// error path on each backend and requires store/memory's answers.
package e2e
