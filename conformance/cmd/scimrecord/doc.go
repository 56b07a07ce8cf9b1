// Command scimrecord writes a replay file from the provisioning log of the
// scimkit reference server, as "go run ./examples/server record" does: the
// requests a tenant's IdP really sent, with secrets removed and
// server-assigned ids turned into placeholders (conformance.Record), ready
// for scimconform -replay against any server.
//
//	go run ./conformance/cmd/scimrecord -tenant acme -since 1h -o acme.json
//	go run ./conformance/cmd/scimconform -url https://host/scim/v2 -token $T -replay acme.json
//
// It reads the store the server runs on, with the server's flags and
// environment variables: -store (SCIMKIT_STORE: a SQLite file path, default
// scimkit.db, or a postgres:// DSN) and -pg-schema (SCIMKIT_PG_SCHEMA).
// -since and -until take a duration before now (1h, 30m) or an RFC 3339
// time. The file's note lists the requests that could not be recorded.
package main
