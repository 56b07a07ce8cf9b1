package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/sqlite"
)

// TestMigrationMemberTypes: migration 0015 gives memberships stored by
// earlier versions with a client's "type" the type of the resource they
// name, so a GET shows it and removing the member reports it (a user
// stored as type "Group" gets its user.groups_changed event): removing
// members no longer looks the resource up.
func TestMigrationMemberTypes(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "scim.db")
	old, err := sqlite.OpenAt(ctx, sqlite.Config{Path: path}, 14)
	if err != nil {
		t.Fatal(err)
	}
	u, err := old.Create(ctx, "t", users, user("bjensen"))
	if err != nil {
		t.Fatal(err)
	}
	in := &schema.Resource{Schemas: []string{schema.GroupSchema}, Attrs: map[string]any{"displayName": "Ops",
		"members": []any{map[string]any{"value": u.ID}}}}
	g, err := old.Create(ctx, "t", groups, in)
	if err != nil {
		t.Fatal(err)
	}
	// What an earlier version stored for a client that sent "type":"Group".
	if err := sqlite.Exec(ctx, old, "UPDATE members SET type = 'Group'"); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := sqlite.Open(ctx, sqlite.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Get(ctx, "t", groups, g.ID, store.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]any{map[string]any{"value": u.ID, "type": "User"}}, got.Attrs["members"]); diff != "" {
		t.Errorf("members after migrating (-want +got):\n%s", diff)
	}
	evs, err := s.Events(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	seq := evs[len(evs)-1].Seq
	if _, _, err := s.Update(ctx, "t", groups, g.ID, store.Update{
		Apply:        func(cur *schema.Resource) (*schema.Resource, error) { return cur, nil },
		MemberDeltas: []schema.MemberDelta{{Kind: schema.DeltaRemove, Members: []schema.Member{{Value: u.ID}}}},
	}); err != nil {
		t.Fatal(err)
	}
	evs, err = s.Events(ctx, seq, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var about []string
	for _, e := range evs {
		if e.Type == store.UserGroupsChanged {
			about = append(about, e.ResourceID)
		}
	}
	if diff := cmp.Diff([]string{u.ID}, about); diff != "" {
		t.Errorf("user.groups_changed after removing the member (-want +got):\n%s", diff)
	}
}
