// Package wake is an in-process broadcast of "something happened" signals:
// the store.Notifier of the memory and SQLite backends.
package wake
