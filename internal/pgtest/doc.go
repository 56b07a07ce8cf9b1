// Package pgtest gives tests a PostgreSQL store of their own: the test
// database's DSN (SCIMKIT_POSTGRES_DSN, else DefaultDSN), the skip-or-fail
// convention when it is unreachable (skip, unless SCIMKIT_REQUIRE_POSTGRES=1
// as CI sets, which fails), and a fresh schema "scimkit_test_<random>"
// per store, dropped when the test ends, so tests can run in parallel on
// one database. It imports store/postgres, never the driver: only
// store/postgres imports pgx (internal/deptest).
package pgtest
