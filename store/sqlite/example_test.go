package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/sqlite"
)

func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "scimkit")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	s, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(dir, "scim.db")})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	users := schema.UserResourceType()
	u, err := s.Create(ctx, "acme", users, &schema.Resource{
		Schemas: []string{schema.UserSchema},
		Attrs:   map[string]any{"userName": "BJensen@Example.com"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.Meta.Version)

	// Okta's existence probe: userName eq, case-insensitive, from an index.
	e, _ := filter.Parse(`userName eq "bjensen@example.com"`)
	e, _ = filter.Bind(users, e)
	page, err := s.List(ctx, "acme", users, store.Query{Filter: e, Count: 10})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(page.TotalResults, page.Resources[0].Attrs["userName"])

	events, _ := s.Events(ctx, 0, 10)
	fmt.Println(events[0].Type)
	// Output:
	// W/"1"
	// 1 BJensen@Example.com
	// user.created
}
