package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/scimkit/scimkit/internal/pgtest"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/storetest"
)

// TestMemberRefsMigration stores dangling memberships as releases before
// migration 0024 let in (a value naming nothing, another tenant's user, a
// group listing itself), then reopens the schema without 0024 applied:
// the migration removes them and keeps the members that resolve.
func TestMemberRefsMigration(t *testing.T) {
	s := open(t, postgres.Config{})
	ctx := t.Context()
	ut, gt := storetest.UserType(), storetest.GroupType()
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
		if err := s.Exec(ctx, `INSERT INTO {s}.members (tenant, group_id, member_id, fold) VALUES ($1, $2, $3, '{}')`, row[0], row[1], row[2]); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{`DELETE FROM {s}.schema_migrations WHERE version = 24`,
		`ALTER TABLE {s}.provisioning_log DROP COLUMN dropped_members`} {
		if err := s.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	s2 := open(t, postgres.Config{Schema: s.Schema()})
	members := func(tenant, id string) []string {
		t.Helper()
		g, err := s2.Get(ctx, tenant, gt, id, store.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, m := range schema.MembersOf(g.Attrs["members"]) {
			out = append(out, m.Value)
		}
		return out
	}
	diff(t, "A's members", []string{u.ID, sub}, members("a", ga))
	diff(t, "B's members", []string{}, members("b", gb))
	if _, err := s2.Append(ctx, store.ProvisioningEntry{Tenant: "a", DroppedMembers: []string{"ghost"}}); err != nil {
		t.Fatalf("Append after the migration: %v", err)
	}
}

// TestUpdateNotBlockedByMemberAdd: a write adding a user as a member
// holds the user's row FOR KEY SHARE until it commits (Resolve); an
// update of that user locks FOR NO KEY UPDATE, which that lock does not
// block, so the two do not wait for each other.
func TestUpdateNotBlockedByMemberAdd(t *testing.T) {
	s := open(t, postgres.Config{})
	ctx := t.Context()
	ut := storetest.UserType()
	u, err := s.Create(ctx, "a", ut, &schema.Resource{Schemas: []string{schema.UserSchema}, Attrs: map[string]any{"userName": "u"}})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT 1 FROM `+pgx.Identifier{s.Schema(), "resources"}.Sanitize()+` WHERE tenant = 'a' AND id = $1 FOR KEY SHARE`, u.ID); err != nil {
		t.Fatal(err)
	}
	// A liveness bound, not a timing target: blocked, the update would
	// wait for the rollback above, which only comes after it.
	uctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, _, err = s.Update(uctx, "a", ut, u.ID, store.Update{Apply: func(cur *schema.Resource) (*schema.Resource, error) {
		next := cur.Clone()
		next.Attrs["displayName"] = "U"
		return next, nil
	}})
	if err != nil {
		t.Fatalf("update of a user another write holds FOR KEY SHARE: %v", err)
	}
}

// TestMemberTypesMigration stores memberships as releases before 0031
// did (no type, or the client's wrong one, in the row and in its fold
// document), then reopens the schema without 0031 applied: every row gets
// the type and the fold document a write stores today.
func TestMemberTypesMigration(t *testing.T) {
	s := open(t, postgres.Config{})
	ctx := t.Context()
	ut, gt := storetest.UserType(), storetest.GroupType()
	var members []any
	for _, name := range []string{"u1", "u2"} {
		u, err := s.Create(ctx, "a", ut, &schema.Resource{Schemas: []string{schema.UserSchema}, Attrs: map[string]any{"userName": name}})
		if err != nil {
			t.Fatal(err)
		}
		members = append(members, map[string]any{"value": u.ID, "display": name})
	}
	g, err := s.Create(ctx, "a", gt, &schema.Resource{Schemas: []string{schema.GroupSchema}, Attrs: map[string]any{"displayName": "G", "members": members}})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE {s}.members_fresh AS SELECT * FROM {s}.members`,
		`UPDATE {s}.members SET type = '', fold = fold - 'type' WHERE display = 'u1'`,
		`UPDATE {s}.members SET type = 'Group', fold = jsonb_set(fold, '{type}', '"group"') WHERE display = 'u2'`,
		`DELETE FROM {s}.schema_migrations WHERE version = 31`,
	} {
		if err := s.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if n, err := s.QueryInt(ctx, `SELECT count(*) FROM {s}.members m JOIN {s}.members_fresh f USING (tenant, group_id, member_id)
		WHERE m.type = f.type AND m.fold = f.fold`); err != nil || n != 0 {
		t.Fatalf("%d rows as written today before the migration (err %v), want 0", n, err)
	}
	s2 := open(t, postgres.Config{Schema: s.Schema()})
	n, err := s2.QueryInt(ctx, `SELECT count(*) FROM {s}.members m JOIN {s}.members_fresh f USING (tenant, group_id, member_id)
		WHERE m.type = f.type AND m.fold = f.fold AND m.type = 'User'`)
	if err != nil || n != 2 {
		t.Errorf("%d of 2 rows as written today after the migration (err %v)", n, err)
	}
	got, err := s2.Get(ctx, "a", gt, g.ID, store.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range schema.MembersOf(got.Attrs["members"]) {
		if m.Type != "User" {
			t.Errorf("member %s: type %q, want User", m.Display, m.Type)
		}
	}
}
