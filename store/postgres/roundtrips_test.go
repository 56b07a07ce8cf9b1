package postgres_test

import (
	"testing"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/storetest"
)

// TestWriteRoundTrips pins the round trips of each kind of write (see the
// package doc, "Round trips and shared commits"): a write's transaction
// begins in the batch of its first statements and commits in the batch of
// its last, so an update holds its row lock one round trip less.
func TestWriteRoundTrips(t *testing.T) {
	var rt postgres.RoundTrips
	s := open(t, postgres.WithRoundTrips(postgres.Config{}, &rt))
	ctx := rt.Context(t.Context())
	ut, gt := storetest.UserType(), storetest.GroupType()
	got := map[string]int64{}
	u, err := s.Create(ctx, "t", ut, storetest.TypicalUser(1))
	if err != nil {
		t.Fatal(err)
	}
	got["create user"] = rt.Take()
	rename := func(cur *schema.Resource) (*schema.Resource, error) {
		r := cur.Clone()
		r.Attrs["displayName"] = "Renamed"
		return r, nil
	}
	if _, _, err := s.Update(ctx, "t", ut, u.ID, store.Update{Apply: rename}); err != nil {
		t.Fatal(err)
	}
	got["update user"] = rt.Take()
	g, err := s.Create(ctx, "t", gt, &schema.Resource{Schemas: []string{schema.GroupSchema},
		Attrs: map[string]any{"displayName": "G", "members": []any{map[string]any{"value": u.ID}}}})
	if err != nil {
		t.Fatal(err)
	}
	got["create group with a member"] = rt.Take()
	u2, err := s.Create(ctx, "t", ut, storetest.TypicalUser(2))
	if err != nil {
		t.Fatal(err)
	}
	rt.Take()
	same := func(cur *schema.Resource) (*schema.Resource, error) { return cur.Clone(), nil }
	for _, d := range []schema.MemberDelta{
		{Kind: schema.DeltaAdd, Members: []schema.Member{{Value: u2.ID}}},
		{Kind: schema.DeltaRemove, Members: []schema.Member{{Value: u2.ID}}},
	} {
		if _, _, err := s.Update(ctx, "t", gt, g.ID, store.Update{Apply: same, MemberDeltas: []schema.MemberDelta{d}}); err != nil {
			t.Fatal(err)
		}
		got["member "+d.Kind.String()] = rt.Take()
	}
	if err := s.Delete(ctx, "t", ut, u2.ID, ""); err != nil {
		t.Fatal(err)
	}
	got["delete user"] = rt.Take()
	if err := s.DeleteWithTombstone(ctx, "t", ut, u.ID, ""); err != nil {
		t.Fatal(err)
	}
	got["delete user with tombstone"] = rt.Take()
	diff(t, "round trips", map[string]int64{
		"create user":                1, // the row, unique values and events: one implicit transaction
		"update user":                2, // BEGIN and the locked read; the row, events and COMMIT
		"create group with a member": 4, // BEGIN, row and unique values; the member's type; the member; events and COMMIT
		"member add":                 2, // BEGIN, the locked read, the member's type and membership; the member, version, events and COMMIT
		"member remove":              2, // BEGIN, the locked read and the membership; the member, version, events and COMMIT
		"delete user":                4, // BEGIN and the locked read; the memberships; the row; events and COMMIT
		"delete user with tombstone": 4, // as delete, with the tombstone in the last batch
	}, got)
}
