package backend

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// fakeTx is a WriteTx for a create: Resolve answers from known, Record
// fails while failRecord is set; the other methods are not called.
type fakeTx struct {
	WriteTx
	known      map[string]string
	failRecord bool
}

func (f *fakeTx) Resolve(_ context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	for _, id := range ids {
		if t, ok := f.known[id]; ok {
			out[id] = t
		}
	}
	return out, nil
}

func (f *fakeTx) Check(context.Context, *Doc, *Doc) error { return nil }
func (f *fakeTx) Put(context.Context, *Written) error     { return nil }
func (f *fakeTx) AddMembers(_ context.Context, _ string, ms []schema.Member) ([]schema.Member, error) {
	return ms, nil
}

func (f *fakeTx) Record(context.Context, []store.Event) error {
	if f.failRecord {
		return errors.New("not committed")
	}
	return nil
}

// TestRunPreparedAgain: a Prepared run again after a transaction that did
// not commit returns the second run's resource, members included, and
// the result never shares values with the input.
func TestRunPreparedAgain(t *testing.T) {
	rt := schema.GroupResourceType()
	in := &schema.Resource{Schemas: []string{schema.GroupSchema}, Attrs: map[string]any{
		"displayName": "g", "members": []any{map[string]any{"value": "u1"}, map[string]any{"value": "u2"}}}}
	p, err := PrepareCreate(rt, in, false)
	if err != nil {
		t.Fatal(err)
	}
	ctx := store.WithRefPolicy(t.Context(), store.DropUnresolved, &store.RefReport{})
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tx := &fakeTx{known: map[string]string{"u1": "User", "u2": "User"}, failRecord: true}
	if _, err := RunPrepared(ctx, tx, "t", p, "g1", now); err == nil {
		t.Fatal("RunPrepared succeeded with a failing Record")
	}
	// A run that succeeds but whose transaction then fails to commit.
	tx.failRecord = false
	first, err := RunPrepared(ctx, tx, "t", p, "g1", now)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(schema.MembersOf(first.Attrs["members"])); got != 2 {
		t.Fatalf("first run: %d members, want 2", got)
	}
	// Meanwhile both users went away: the last run stores no members.
	tx.known = nil
	out, err := RunPrepared(ctx, tx, "t", p, "g2", now.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	want := &schema.Resource{ID: "g2", Schemas: []string{schema.GroupSchema}, Attrs: map[string]any{"displayName": "g"},
		Meta: schema.Meta{ResourceType: "Group", Created: now.Add(time.Second), LastModified: now.Add(time.Second), Version: `W/"1"`}}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("second run (-want +got):\n%s", diff)
	}
	out.Attrs["displayName"] = "changed"
	if in.Attrs["displayName"] != "g" {
		t.Error("the result shares its attributes with the input")
	}
}
