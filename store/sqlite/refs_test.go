package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// TestMemberRefsMigration stores dangling memberships as releases before
// migration 0012 let in (a value naming nothing, another tenant's user, a
// group listing itself), then reopens a database of schema version 11:
// the migration removes them and keeps the members that resolve.
func TestMemberRefsMigration(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "old.db")
	s, err := Open(ctx, Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	ut, gt := schema.UserResourceType(), schema.GroupResourceType()
	u, err := s.Create(ctx, "a", ut, &schema.Resource{Schemas: []string{schema.UserSchema}, Attrs: map[string]any{"userName": "u"}})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(tenant, name string, members ...string) string {
		t.Helper()
		r := &schema.Resource{Schemas: []string{schema.GroupSchema}, Attrs: map[string]any{"displayName": name}}
		if len(members) > 0 {
			r.Attrs["members"] = []any{map[string]any{"value": members[0]}}
		}
		g, err := s.Create(ctx, tenant, gt, r)
		if err != nil {
			t.Fatal(err)
		}
		return g.ID
	}
	ga, sub, gb := mk("a", "A", u.ID), mk("a", "Sub"), mk("b", "B")
	for _, row := range [][3]string{{"a", ga, "ghost"}, {"a", ga, ga}, {"a", ga, sub}, {"b", gb, u.ID}} {
		if _, err := s.write.ExecContext(ctx, `INSERT INTO members (tenant, group_type, group_id, member_id) VALUES (?, 'Group', ?, ?)`,
			row[0], row[1], row[2]); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{"ALTER TABLE provisioning_log DROP COLUMN dropped_members", "PRAGMA user_version = 11"} {
		if _, err := s.write.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	s.Close()
	if s, err = Open(ctx, Config{Path: path}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.SchemaVersion(ctx); err != nil || v != LatestSchemaVersion() {
		t.Fatalf("schema version %d, %v; want %d", v, err, LatestSchemaVersion())
	}
	members := func(tenant, id string) []string {
		t.Helper()
		g, err := s.Get(ctx, tenant, gt, id, store.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, m := range schema.MembersOf(g.Attrs["members"]) {
			out = append(out, m.Value)
		}
		return out
	}
	if d := cmp.Diff([]string{u.ID, sub}, members("a", ga)); d != "" {
		t.Errorf("A's members (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{}, members("b", gb)); d != "" {
		t.Errorf("B's members (-want +got):\n%s", d)
	}
	if _, err := s.Append(ctx, store.ProvisioningEntry{Tenant: "a", DroppedMembers: []string{"ghost"}}); err != nil {
		t.Fatalf("Append after the migration: %v", err)
	}
}
