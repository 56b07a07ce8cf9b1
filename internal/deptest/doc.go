// Package deptest holds the test that keeps scimkit's dependency rules:
// only store/postgres imports pgx, only store/sqlite imports the SQLite
// driver, and the core packages never pull in a database driver.
package deptest
