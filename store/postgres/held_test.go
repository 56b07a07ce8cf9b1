package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/scimkit/scimkit/internal/pgtest"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/storetest"
)

// TestMemberChangeRechecked: an update removing a member learns from its
// locking read that the group holds it, and sends the removal with its
// last batch; a transaction that deletes that membership meanwhile (as
// the delete of the member does, without the group's lock) makes the
// removal change no row. The update then fails before COMMIT and runs
// again, reading the result: it reports no member removed, keeps the
// version and records no event, as if the membership was gone when it
// came. This is no conflict with another write: it is so with retries
// off too.
func TestMemberChangeRechecked(t *testing.T) {
	t.Run("Default", func(t *testing.T) { memberChangeRechecked(t, postgres.Config{}) })
	t.Run("NoRetries", func(t *testing.T) { memberChangeRechecked(t, postgres.Config{MaxRetries: -1}) })
}

func memberChangeRechecked(t *testing.T, cfg postgres.Config) {
	s := open(t, cfg)
	ctx := t.Context()
	ut, gt := storetest.UserType(), storetest.GroupType()
	u, err := s.Create(ctx, "a", ut, &schema.Resource{Schemas: []string{schema.UserSchema}, Attrs: map[string]any{"userName": "u"}})
	if err != nil {
		t.Fatal(err)
	}
	g, err := s.Create(ctx, "a", gt, &schema.Resource{Schemas: []string{schema.GroupSchema},
		Attrs: map[string]any{"displayName": "G", "members": []any{map[string]any{"value": u.ID}}}})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := s.Events(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	after := evs[len(evs)-1].Seq

	other := connect(t, pgtest.DSN(t))
	tx, err := other.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, `DELETE FROM `+s.Schema()+`.members WHERE group_id = $1 AND member_id = $2`, g.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	type result struct {
		out    *schema.Resource
		change *store.Change
		err    error
	}
	done := make(chan result, 1)
	go func() {
		out, change, err := s.Update(ctx, "a", gt, g.ID, store.Update{Apply: func(r *schema.Resource) (*schema.Resource, error) { return r, nil },
			MemberDeltas: []schema.MemberDelta{{Kind: schema.DeltaRemove, Members: []schema.Member{{Value: u.ID}}}}})
		done <- result{out, change, err}
	}()
	watch := connect(t, pgtest.DSN(t))
	for deadline := time.Now().Add(10 * time.Second); len(blockedBy(t, watch, other.PgConn().PID())) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the update's removal does not wait for the other transaction's")
		}
		time.Sleep(time.Millisecond)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if len(r.change.MembersRemoved) != 0 || r.out.Meta.Version != g.Meta.Version {
		t.Errorf("update removed %v, version %s → %s; want nothing removed and the version kept", r.change.MembersRemoved, g.Meta.Version, r.out.Meta.Version)
	}
	evs, err = s.Events(ctx, after, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 0 {
		t.Errorf("events after the update: %+v, want none", evs)
	}
}
