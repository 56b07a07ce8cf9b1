// Package hookstest helps test code built on package hooks: a fake Clock
// that makes hours of retry backoff pass instantly, a helper that runs a
// Dispatcher for the length of a test, and a latency recorder for
// benchmarks (for example, from the SCIM PATCH that deactivates a user to
// the revoker being called).
package hookstest
