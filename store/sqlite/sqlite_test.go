package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/sqlite"
)

// newStore returns a fresh store in a temporary file, closed at cleanup.
func newStore(t testing.TB) store.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(t.TempDir(), "scim.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// newMemoryStore returns a fresh in-memory store.
func newMemoryStore(t testing.TB) store.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), sqlite.Config{Path: ":memory:"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var (
	users  = schema.UserResourceType()
	groups = schema.GroupResourceType()
)

func user(name string) *schema.Resource {
	return &schema.Resource{Schemas: []string{schema.UserSchema}, Attrs: map[string]any{"userName": name}}
}

func TestCRUD(t *testing.T) {
	for name, open := range map[string]func(testing.TB) store.Store{"file": newStore, "memory": newMemoryStore} {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			s := open(t)
			u, err := s.Create(ctx, "t1", users, user("Bjensen"))
			if err != nil {
				t.Fatal(err)
			}
			if u.ID == "" || u.Meta.Version != `W/"1"` || u.Meta.ResourceType != "User" {
				t.Fatalf("create returned %+v", u)
			}
			if _, err := s.Create(ctx, "t1", users, user("BJENSEN")); !errors.Is(err, store.ErrConflict) {
				t.Fatalf("duplicate userName: got %v, want ErrConflict", err)
			}
			if _, err := s.Create(ctx, "t2", users, user("bjensen")); err != nil {
				t.Fatalf("same userName in another tenant: %v", err)
			}
			got, err := s.Get(ctx, "t1", users, u.ID, store.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(u, got); diff != "" {
				t.Errorf("get (-want +got):\n%s", diff)
			}
			if _, err := s.Get(ctx, "t2", users, u.ID, store.ReadOptions{}); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("get from another tenant: got %v, want ErrNotFound", err)
			}
			up, ch, err := s.Update(ctx, "t1", users, u.ID, store.Update{IfMatch: `W/"1"`, Apply: func(cur *schema.Resource) (*schema.Resource, error) {
				cur.Attrs["active"] = false
				return cur, nil
			}})
			if err != nil {
				t.Fatal(err)
			}
			if up.Meta.Version != `W/"2"` || up.Attrs["active"] != false || ch.Before.Attrs["active"] != nil {
				t.Errorf("update returned %+v, change %+v", up, ch)
			}
			if _, _, err := s.Update(ctx, "t1", users, u.ID, store.Update{IfMatch: `W/"1"`, Apply: func(cur *schema.Resource) (*schema.Resource, error) { return cur, nil }}); !errors.Is(err, store.ErrPrecondition) {
				t.Errorf("stale If-Match: got %v, want ErrPrecondition", err)
			}
			g, err := s.Create(ctx, "t1", groups, &schema.Resource{Schemas: []string{schema.GroupSchema}, Attrs: map[string]any{"displayName": "Admins"}})
			if err != nil {
				t.Fatal(err)
			}
			_, ch, err = s.Update(ctx, "t1", groups, g.ID, store.Update{
				Apply:        func(cur *schema.Resource) (*schema.Resource, error) { return cur, nil },
				MemberDeltas: []schema.MemberDelta{{Kind: schema.DeltaAdd, Members: []schema.Member{{Value: u.ID}, {Value: u.ID}}}},
			})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{u.ID}, ch.MembersAdded); diff != "" {
				t.Errorf("members added (-want +got):\n%s", diff)
			}
			got, err = s.Get(ctx, "t1", users, u.ID, store.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want := []any{map[string]any{"value": g.ID, "display": "Admins", "type": "direct"}}
			if diff := cmp.Diff(want, got.Attrs["groups"]); diff != "" {
				t.Errorf("groups (-want +got):\n%s", diff)
			}
			if err := s.Delete(ctx, "t1", users, u.ID, ""); err != nil {
				t.Fatal(err)
			}
			got, err = s.Get(ctx, "t1", groups, g.ID, store.ReadOptions{})
			if err != nil || got.Attrs["members"] != nil {
				t.Errorf("group after member deletion: %+v, %v", got, err)
			}
			evs, err := s.(store.Outbox).Events(ctx, 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			var types []store.EventType
			for _, e := range evs {
				types = append(types, e.Type)
			}
			wantTypes := []store.EventType{store.UserCreated, store.UserCreated, store.UserUpdated, store.UserDeactivated,
				store.GroupCreated, store.MembersAdded, store.UserGroupsChanged, store.UserDeleted, store.UserGroupsChanged}
			if diff := cmp.Diff(wantTypes, types); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}
