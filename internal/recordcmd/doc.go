// Package recordcmd is the command line that writes a replay file from a
// store's provisioning log (conformance.Record), shared by
// "go run ./examples/server record" and conformance/cmd/scimrecord.
package recordcmd
