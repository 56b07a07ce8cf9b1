package sqlite_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// TestEventsOfOneWriteInOrder: a write with more events than one INSERT
// of the outbox takes (a group created with 40 members records
// group.created, group.members_added and 40 user.groups_changed) stores
// them all, numbered in the order the write derived them.
func TestEventsOfOneWriteInOrder(t *testing.T) {
	ctx := t.Context()
	s := newStore(t)
	var members []any
	var want []string
	for i := range 40 {
		u, err := s.Create(ctx, "t", users, user(fmt.Sprintf("u%02d", i)))
		if err != nil {
			t.Fatal(err)
		}
		members = append(members, map[string]any{"value": u.ID})
		want = append(want, "user.groups_changed "+u.ID)
	}
	ob := s.(store.Outbox)
	before, err := ob.Events(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	g, err := s.Create(ctx, "t", groups, &schema.Resource{Schemas: []string{schema.GroupSchema},
		Attrs: map[string]any{"displayName": "All", "members": members}})
	if err != nil {
		t.Fatal(err)
	}
	want = append([]string{string(store.GroupCreated) + " " + g.ID, string(store.MembersAdded) + " " + g.ID}, want...)
	evs, err := ob.Events(ctx, before[len(before)-1].Seq, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, e := range evs {
		got = append(got, string(e.Type)+" "+e.ResourceID)
		if i > 0 && e.Seq != evs[i-1].Seq+1 {
			t.Errorf("event %d: seq %d after %d", i, e.Seq, evs[i-1].Seq)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events of the create (-want +got):\n%s", diff)
	}
}
