// Command scimconform runs the scimkit conformance suite against any SCIM
// 2.0 server:
//
//	go run ./conformance/cmd/scimconform -url https://host/scim/v2 -token $TOKEN
//
// It prints progress while running and a summary table at the end (-v adds
// the failing requests and responses), writes -json to stdout and -junit
// to a file for CI, and exits 1 when a MUST or IDP case failed, 2 on usage
// errors (reported with the usage). -list prints the selected cases with
// their level and source. -replay FILE replays a recorded IdP sequence
// instead of the suite. The first interrupt (Ctrl-C) stops the run and deletes the data it
// created; a second one exits at once.
package main
