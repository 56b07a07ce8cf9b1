// Package idptest exposes the recorded request sequences of testdata/
// (Okta, Microsoft Entra ID, authentik, JumpCloud, PingFederate, PingOne,
// OneLogin and Rippling, written from the vendors' published documentation
// and code; testdata/QUIRKS.md cites every source) to the tests and tools
// of scimkit,
// with Replay, which runs a sequence against any server through a
// caller-supplied send function, and Subset, which compares a response
// body with a fixture's as QUIRKS.md prescribes. It does not import scim,
// so scim's own tests can use it.
package idptest
