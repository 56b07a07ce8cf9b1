package postgres_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
	"github.com/scimkit/scimkit/store/postgres"
)

// TestFillMisses: the document of a lean page's cache miss is rendered
// only when it still has the version the page's statement read; a
// resource updated or deleted in between makes the page be read again
// (ErrStalePage), rendering nothing.
func TestFillMisses(t *testing.T) {
	ctx := t.Context()
	s := open(t, postgres.Config{})
	rt := schema.UserResourceType()
	create := func(name string) *schema.Resource {
		r, err := s.Create(ctx, "t", rt, &schema.Resource{Schemas: []string{schema.UserSchema}, Attrs: map[string]any{"userName": name}})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b := create("a"), create("b")
	seqA, errA := postgres.SeqOf(ctx, s, "t", a.ID)
	seqB, errB := postgres.SeqOf(ctx, s, "t", b.ID)
	if err := errors.Join(errA, errB); err != nil {
		t.Fatal(err)
	}
	v1, _ := backend.ParseVersion(a.Meta.Version)
	got, err := postgres.FillMiss(ctx, s, "t", rt, a.ID, seqA, v1)
	var m map[string]any
	if err == nil {
		err = json.Unmarshal([]byte("{"+string(got)+"}"), &m)
	}
	if err != nil || m["userName"] != "a" || len(m) != 1 {
		t.Fatalf("FillMiss = %s, %v; want the rendering of a", got, err)
	}
	_, _, err = s.Update(ctx, "t", rt, a.ID, store.Update{Apply: func(cur *schema.Resource) (*schema.Resource, error) {
		next := cur.Clone()
		next.Attrs["displayName"] = "changed"
		return next, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := postgres.FillMiss(ctx, s, "t", rt, a.ID, seqA, v1); !errors.Is(err, postgres.ErrStalePage) || got != nil {
		t.Errorf("updated in between: FillMiss = %s, %v; want nothing, ErrStalePage", got, err)
	}
	vb, _ := backend.ParseVersion(b.Meta.Version)
	if err := s.Delete(ctx, "t", rt, b.ID, ""); err != nil {
		t.Fatal(err)
	}
	if got, err := postgres.FillMiss(ctx, s, "t", rt, b.ID, seqB, vb); !errors.Is(err, postgres.ErrStalePage) || got != nil {
		t.Errorf("deleted in between: FillMiss = %s, %v; want nothing, ErrStalePage", got, err)
	}
}

// TestLeanPageRetried: when a resource of a lean page changes before its
// document is read, ListEncoded reads the page again whole and shows the
// resource as it is now, rendered like List.
func TestLeanPageRetried(t *testing.T) {
	ctx := t.Context()
	s := open(t, postgres.Config{})
	rt := schema.UserResourceType()
	u, err := s.Create(ctx, "t", rt, &schema.Resource{Schemas: []string{schema.UserSchema}, Attrs: map[string]any{"userName": "a", "title": "before"}})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	postgres.BeforeMisses(s, func() {
		if calls++; calls > 1 {
			return
		}
		_, _, err := s.Update(ctx, "t", rt, u.ID, store.Update{Apply: func(cur *schema.Resource) (*schema.Resource, error) {
			next := cur.Clone()
			next.Attrs["title"] = "after"
			return next, nil
		}})
		if err != nil {
			t.Error(err)
		}
	})
	p, err := s.ListEncoded(ctx, "t", rt, store.Query{Count: 10}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 || len(p.Resources) != 1 {
		t.Fatalf("%d resources, hook ran %d times; want 1, 1", len(p.Resources), calls)
	}
	data, err := rt.Project(p.Resources[0], nil, nil).AppendJSONWith(nil, p.Members[0])
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if got["title"] != "after" || got["meta"].(map[string]any)["version"] != `W/"2"` {
		t.Errorf("page after a change in between: %s; want title after at version 2", data)
	}
}
