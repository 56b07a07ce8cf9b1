package googleworkspace_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/scimkit/scimkit/connector"
	"github.com/scimkit/scimkit/connector/googleworkspace"
	"github.com/scimkit/scimkit/connector/googleworkspace/googletest"
	"github.com/scimkit/scimkit/store/memory"
)

// A full reconciliation of a (fake) Google Workspace into a tenant, then a
// suspension applied by the next run.
func Example() {
	d, err := googletest.Start() // stands in for Google
	if err != nil {
		panic(err)
	}
	defer d.Close()
	alice := d.AddUser(googletest.User{PrimaryEmail: "alice@example.com", GivenName: "Alice"})
	d.AddUser(googletest.User{PrimaryEmail: "bob@example.com", GivenName: "Bob"})
	eng := d.AddGroup(googletest.Group{Email: "eng@example.com", Name: "Engineering"})
	d.AddMember(eng, googletest.Member{ID: alice, Type: "USER"})

	ctx := context.Background()
	st := memory.New()
	defer st.Close()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	src, err := googleworkspace.New(googleworkspace.Config{
		Credentials: d.Credentials(), // the service account's JSON key file
		Subject:     d.Admin,         // the admin to impersonate
		Endpoint:    d.URL,           // default: https://admin.googleapis.com
		Logger:      logger,
	})
	if err != nil {
		panic(err)
	}
	s, err := connector.New(connector.Config{Store: st, Tenant: "acme", Source: src, Name: "googleworkspace", Logger: logger})
	if err != nil {
		panic(err)
	}
	res, err := s.Sync(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Summary())

	d.SetSuspended(alice, true)
	res, _ = s.Sync(ctx)
	for _, it := range res.Items {
		fmt.Println(it.Action, it.Type, it.Name)
	}
	// Output:
	// created 3, updated 0, deactivated 0, reactivated 0, deleted 0, unchanged 0, skipped 0, failed 0
	// deactivated User alice@example.com
}
