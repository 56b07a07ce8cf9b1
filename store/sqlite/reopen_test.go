package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/sqlite"
)

// TestReopen writes, closes and reopens the same file: resources,
// memberships and the outbox survive, and migrations do not run again.
func TestReopen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "scim.db")
	s, err := sqlite.Open(ctx, sqlite.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.Create(ctx, "t", users, user("bjensen"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := s.Create(ctx, "t", groups, &schema.Resource{Schemas: []string{schema.GroupSchema}, Attrs: map[string]any{"displayName": "Ops"}})
	if err != nil {
		t.Fatal(err)
	}
	g, _, err = s.Update(ctx, "t", groups, g.ID, store.Update{
		Apply:        func(cur *schema.Resource) (*schema.Resource, error) { return cur, nil },
		MemberDeltas: []schema.MemberDelta{{Kind: schema.DeltaAdd, Members: []schema.Member{{Value: u.ID, Display: "Babs"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantEvents, err := s.Events(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	wantUser, err := s.Get(ctx, "t", users, u.ID, store.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "t", users, u.ID, store.ReadOptions{}); err == nil {
		t.Fatal("Get after Close succeeded")
	}

	for range 2 { // each reopen finds the schema current and migrates nothing
		s, err = sqlite.Open(ctx, sqlite.Config{Path: path})
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		if v, err := s.SchemaVersion(ctx); err != nil || v != sqlite.LatestSchemaVersion() {
			t.Errorf("schema version %d, %v; want %d", v, err, sqlite.LatestSchemaVersion())
		}
		got, err := s.Get(ctx, "t", users, u.ID, store.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantUser, got); diff != "" {
			t.Errorf("user after reopen (-want +got):\n%s", diff)
		}
		gotGroup, err := s.Get(ctx, "t", groups, g.ID, store.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		wantMembers := []any{map[string]any{"value": u.ID, "type": "User", "display": "Babs"}} // the type it resolved to
		if diff := cmp.Diff(wantMembers, gotGroup.Attrs["members"]); diff != "" {
			t.Errorf("members after reopen (-want +got):\n%s", diff)
		}
		gotEvents, err := s.Events(ctx, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantEvents, gotEvents); diff != "" {
			t.Errorf("outbox after reopen (-want +got):\n%s", diff)
		}
		if _, err := s.Create(ctx, "t", users, user("BJENSEN")); err == nil {
			t.Error("uniqueness lost after reopen")
		}
		s.Close()
	}
}

func TestConfigValidation(t *testing.T) {
	for _, cfg := range []sqlite.Config{{}, {Path: "file:x.db?mode=rw"}, {Path: "x.db?cache=shared"}, {Path: ":memory:", BusyTimeout: -1}} {
		if s, err := sqlite.Open(context.Background(), cfg); err == nil {
			s.Close()
			t.Errorf("Open(%+v) succeeded", cfg)
		}
	}
}
