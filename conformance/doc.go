// Package conformance is a SCIM 2.0 test suite that anyone can run against
// any SCIM service provider, in any language: RFC 7643/7644 requirements,
// the request sequences identity providers really send (Okta, Microsoft
// Entra ID, authentik, JumpCloud, PingFederate, PingOne, OneLogin,
// Rippling: one Profile each), and the cases beyond request/response that
// break real servers (concurrent member adds, simultaneous creates, paging
// while writing, large groups, ETag races, tenant isolation). It also
// grades the other side: the requests an IdP sent (GradeReplay).
//
// Inside go test, against a server in the same process (any http.Handler,
// here scimkit's own):
//
//	func TestSCIMConformance(t *testing.T) {
//		h, err := scim.New(scim.Config{
//			Store:         memory.New(),
//			Authenticator: scim.StaticTokens{{Tenant: "acme", SHA256: scim.HashToken("t")}},
//		})
//		if err != nil {
//			t.Fatal(err)
//		}
//		srv := httptest.NewServer(h)
//		defer srv.Close()
//		// Every case; Profile: conformance.ProfileOkta would run Okta's alone.
//		conformance.Run(t, conformance.Target{BaseURL: srv.URL, Token: "t"})
//	}
//
// From a shell, against any server:
//
//	go run ./conformance/cmd/scimconform -url https://host/scim/v2 -token $TOKEN
//
// ExampleRun runs a selection of cases outside go test (Runner),
// ExampleRecord records and replays a tenant's traffic, and
// ExampleGradeReplay grades an IdP.
//
// Every Case carries a Requirement: its source (an RFC section, or the IdP
// behaviour it replays) and its Level (MUST, SHOULD, MAY, IDP). A failed
// MUST or IDP case fails the run; a failed SHOULD or MAY case is a warning.
// Optional features are learned from /ServiceProviderConfig (RFC 7643 §5):
// a case that needs an unadvertised feature is skipped with a note, and an
// advertised feature that misbehaves is a failure.
//
// The suite creates only uniquely named data ("scimconform-<run>-…"),
// deletes what it created when a case ends (also when the run is
// interrupted), and never modifies or deletes anything else.
//
// Deletion (RFC 7644 §3.6) is checked as the RFC states it, for any
// delete policy, hard or soft: after DELETE, GET, PUT, PATCH and DELETE of
// the id are 404, no filter, count or page returns the resource, a deleted
// user leaves its groups' members and a deleted group its members' groups
// (MUST), and a new user may take a deleted user's userName (SHOULD). No
// case reuses a deleted resource's externalId, which a server may keep
// reserved (scimkit's soft delete does).
//
// Bulk (RFC 7644 §3.7) is checked only when the server advertises
// bulk.supported: bulkId references (the §3.7.2 example and a forward
// reference), partial failures, failOnErrors, version as If-Match (412),
// the BulkResponse, and 413 for maxOperations+1 operations and for
// maxPayloadSize+1 bytes, as advertised (Features.BulkLimits). The
// maxOperations case runs only for limits up to 1000 and the payload case
// up to 16 MiB; above that they are skipped with a note.
//
// Replay files (ReplayFile, shipped in replays/) are recorded IdP request
// sequences; Replay sends one to a server, maps the recorded ids to the ids
// the server assigns, and reports every step whose status, scimType or
// resulting resource differs from the recording.
//
// Record writes such a file from a tenant's real IdP traffic, as kept by
// the provisioning log of the scimkit reference server
// (store.ProvisioningLog): ids created by POSTs and /Bulk operations and
// versions named by If-Match become captures and placeholders, requests
// keep their query and headers, each step expects the recorded response,
// lookups are included when the server logged them
// (scim.Config.ProvisioningLogReads), secrets are removed (again: the log
// removes them first), and the requests that cannot be replayed are
// listed in the file's note. From a shell, against the server's store:
//
//	go run ./examples/server record -tenant acme -since 1h -o acme.json
//	go run ./conformance/cmd/scimconform -url https://other/scim/v2 -token $T -replay acme.json
//
// GradeReplay grades the other side: the requests of a replay file, as an
// IdP sent them. For each request it lists the departures from what RFC
// 7643/7644 ask of a client (DeviationRules) and the known IdP quirks it
// matched (Quirks, with the ids of internal/idptest/testdata/QUIRKS.md),
// then the scimkit settings and IdP settings the traffic needs and the
// server features it relied on; WriteGradeTable, WriteGradeJSON and
// WriteGradeJUnit print it, and "scimconform grade FILE" does all that
// from a shell:
//
//	go run ./examples/server record -tenant acme -since 24h -o acme.json
//	go run ./conformance/cmd/scimconform grade acme.json
//
// COMPATIBILITY.md, the IdP × behaviour × setting matrix, is generated
// from the shipped replays and their grades.
package conformance

//go:generate go test -run TestCompatibilityCurrent -update
