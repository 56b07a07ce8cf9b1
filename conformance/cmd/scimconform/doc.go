// Command scimconform runs the scimkit conformance suite against any SCIM
// 2.0 server:
//
//	go run ./conformance/cmd/scimconform -url https://host/scim/v2 -token $TOKEN
//
// It first checks the target (reachable, the token accepted,
// /ServiceProviderConfig parses) and stops with one line and exit 1 when
// it is not usable. It prints progress while running (a dot per passing
// case, a line per other one, and every tenth case the count done and the
// time left) and a summary table at the end (-v adds the failing requests
// and responses), writes -json to stdout and -junit to a file for CI, and
// exits 1 when a MUST or IDP case failed, 2 on usage errors (reported with
// the usage). -list prints the selected cases with
// their level and source. -replay FILE replays a recorded IdP sequence
// instead of the suite. The first interrupt (Ctrl-C) stops the run and deletes the data it
// created; a second one exits at once.
//
// "scimconform grade [-json] [-junit FILE] FILE..." grades the traffic an
// IdP sent instead of a server: for each replay file (a shipped replay, or
// a tenant's provisioning log exported with "go run ./examples/server
// record"), every request's deviations from RFC 7644's client
// requirements and the known quirks it matched (ids of QUIRKS.md), then
// the scimkit settings and IdP settings it needs and the server features
// it relied on (conformance.GradeReplay).
package main
