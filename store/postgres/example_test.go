package postgres_test

import (
	"context"
	"log"
	"time"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store/postgres"
)

// ExampleOpen shows how a server opens the PostgreSQL store. It needs a
// running database, so it has no Output and is compiled, not run.
func ExampleOpen() {
	ctx := context.Background()
	s, err := postgres.Open(ctx, postgres.Config{
		DSN:              "postgres://scim@db.internal:5432/scim?sslmode=verify-full",
		Schema:           "scimkit",        // every table lives here; one schema per deployment
		MaxConns:         20,               // per replica
		StatementTimeout: 10 * time.Second, // slow statements fail with store.ErrUnavailable (503)
	})
	if err != nil {
		log.Fatal(err) // wraps store.ErrUnavailable when the server is unreachable
	}
	defer s.Close()

	u, err := s.Create(ctx, "tenant-1", schema.UserResourceType(), &schema.Resource{
		Schemas: []string{schema.UserSchema},
		Attrs:   map[string]any{"userName": "bjensen@example.com"},
	})
	if err != nil {
		log.Fatal(err)
	}
	log.Println(u.ID, u.Meta.Version)
}
