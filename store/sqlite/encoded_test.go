package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// TestReadMisses: the documents of a page's cache misses are rendered
// only when they still have the version the page's statement read; a
// resource updated or deleted in between makes readMisses ask for the
// page to be read again, rendering nothing.
func TestReadMisses(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, Config{Path: filepath.Join(t.TempDir(), "scim.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rt := schema.UserResourceType()
	create := func(name string) *schema.Resource {
		r, err := s.Create(ctx, "t", rt, &schema.Resource{Schemas: []string{schema.UserSchema}, Attrs: map[string]any{"userName": name, "displayName": name}})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	seqOf := func(id string) int64 {
		var seq int64
		if err := s.read.QueryRowContext(ctx, "SELECT seq FROM resources WHERE id = ?", id).Scan(&seq); err != nil {
			t.Fatal(err)
		}
		return seq
	}
	a, b := create("a"), create("b")
	seqs := map[string]int64{a.ID: seqOf(a.ID), b.ID: seqOf(b.ID)}
	page := func(rs ...*schema.Resource) (*backend.EncodedPageBuilder, []*keyed) {
		enc := backend.NewEncodedPageBuilder(nil).WithCache(s.renders, "t")
		var out []*keyed
		for _, r := range rs {
			v, _ := backend.ParseVersion(r.Meta.Version)
			out = append(out, &keyed{row: &row{seq: seqs[r.ID], version: v, res: &schema.Resource{ID: r.ID, Attrs: map[string]any{}}}, slot: enc.Skip()})
		}
		return enc, out
	}

	enc, rows := page(a, b)
	if ok, err := s.readMisses(ctx, "t", rt, enc, rows); err != nil || !ok {
		t.Fatalf("readMisses = %v, %v; want true", ok, err)
	}
	p := enc.Page(&store.Page{Resources: []*schema.Resource{rows[0].res, rows[1].res}})
	for i, want := range []string{"a", "b"} {
		if got := string(p.Members[i]); got != `"displayName":"`+want+`","userName":"`+want+`"` {
			t.Errorf("Members[%d] = %s", i, got)
		}
	}

	_, _, err = s.Update(ctx, "t", rt, a.ID, store.Update{Apply: func(cur *schema.Resource) (*schema.Resource, error) {
		next := cur.Clone()
		next.Attrs["displayName"] = "changed"
		return next, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "t", rt, b.ID, ""); err != nil {
		t.Fatal(err)
	}
	for name, stale := range map[string]*schema.Resource{"updated": a, "deleted": b} {
		enc, rows := page(stale)
		if ok, err := s.readMisses(ctx, "t", rt, enc, rows); err != nil || ok {
			t.Errorf("%s in between: readMisses = %v, %v; want false", name, ok, err)
		}
		if p := enc.Page(&store.Page{Resources: []*schema.Resource{rows[0].res}}); p.Members[0] != nil {
			t.Errorf("%s in between: rendered %s", name, p.Members[0])
		}
	}
}

// TestLeanPageRetried: when a resource of a lean page changes before its
// row is read again, ListEncoded reads the page again whole and shows the
// resource as it is now.
func TestLeanPageRetried(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, Config{Path: filepath.Join(t.TempDir(), "scim.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rt := schema.UserResourceType()
	u, err := s.Create(ctx, "t", rt, &schema.Resource{Schemas: []string{schema.UserSchema}, Attrs: map[string]any{"userName": "a", "title": "before"}})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	s.beforeMisses = func() {
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
	}
	p, err := s.ListEncoded(ctx, "t", rt, store.Query{Count: 10}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 || len(p.Resources) != 1 || p.Members[0] == nil {
		t.Fatalf("%d resources, hook ran %d times; want 1 rendered, 1", len(p.Resources), calls)
	}
	if got, want := string(p.Members[0]), `"title":"after","userName":"a"`; got != want || p.Resources[0].Meta.Version != `W/"2"` {
		t.Errorf("page after a change in between: %s at %s; want %s at version 2", got, p.Resources[0].Meta.Version, want)
	}
}
