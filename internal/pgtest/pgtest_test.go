package pgtest_test

import (
	"testing"

	"github.com/scimkit/scimkit/internal/pgtest"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store/postgres"
)

// TestOpenDropsSchema: a store from Open works, lives in its own
// scimkit_test_ schema, and the schema is gone once the test has ended.
func TestOpenDropsSchema(t *testing.T) {
	var dsn, name string
	t.Run("use", func(t *testing.T) {
		s := pgtest.Open(t, postgres.Config{})
		dsn, name = pgtest.DSN(t), s.Schema()
		if _, err := s.Create(t.Context(), "t", schema.UserResourceType(), &schema.Resource{
			Schemas: []string{schema.UserSchema}, Attrs: map[string]any{"userName": "a"}}); err != nil {
			t.Fatal(err)
		}
	})
	if name == "" {
		t.Skip("no PostgreSQL")
	}
	if len(name) < len("scimkit_test_x") || name[:len("scimkit_test_")] != "scimkit_test_" {
		t.Errorf("schema %q, want scimkit_test_<random>", name)
	}
	s, err := postgres.Open(t.Context(), postgres.Config{DSN: dsn, Schema: name, SkipMigrations: true})
	if err == nil {
		s.Close()
		t.Errorf("schema %s still has the store's tables after the test", name)
	}
}
