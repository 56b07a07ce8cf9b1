// Package apirecord records scimkit's public API: one line per exported
// identifier of every importable package (not internal/, examples/ or
// commands), in the spirit of the api/ files of the Go distribution.
//
// The record is checked in as api/scimkit.txt. Its test regenerates it
// from the source and fails on any difference, so an exported change is
// always deliberate and visible in review; after a deliberate change run
//
//	go test ./internal/apirecord -update
//
// and commit the new record with the change (and a CHANGELOG entry).
//
// Lines name the package by import path relative to the module and show
// signatures without parameter names (renaming a parameter is not an API
// change), for example:
//
//	pkg scim, func New(Config) (*Handler, error)
//	pkg scim, type Config struct, Store store.Store
//	pkg store, method (*ConflictError) Error() string
package apirecord
