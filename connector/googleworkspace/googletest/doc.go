// Package googletest is a fake Google Workspace for tests: the Admin SDK
// Directory API (users.list, users.get, users.watch, groups.list,
// members.list, channels.stop) and the OAuth 2.0 token endpoint of a
// service account with domain-wide delegation, served by httptest with
// the request and response shapes Google documents, including its error
// shape, pagination, deleted users (showDeleted), push notifications to
// watch channels, channel expiry and injected faults (rate limits,
// 5xx, a 403 on one group's members, a failure mid-listing).
//
//	func TestSuspendedUserIsDeactivated(t *testing.T) {
//		d := googletest.New(t) // closed when the test ends
//		alice := d.AddUser(googletest.User{PrimaryEmail: "alice@example.com"})
//		src, err := googleworkspace.New(googleworkspace.Config{
//			Credentials: d.Credentials(), Subject: d.Admin, Endpoint: d.URL})
//		if err != nil {
//			t.Fatal(err)
//		}
//		s, err := connector.New(connector.Config{Store: memory.New(), Tenant: "acme", Source: src, Name: "googleworkspace"})
//		if err != nil {
//			t.Fatal(err)
//		}
//		if _, err := s.Sync(t.Context()); err != nil {
//			t.Fatal(err)
//		}
//		d.SetSuspended(alice, true) // also notifies the watch channels, if any
//		res, err := s.Sync(t.Context())
//		if err != nil || len(res.Items) != 1 {
//			t.Fatalf("second run: %v %+v", err, res.Items)
//		}
//	}
//
// Start is the same fake outside a test (googleworkspace's Example uses it).
package googletest
