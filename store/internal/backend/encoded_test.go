package backend_test

import (
	"testing"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// render records the next resource of b without a cache, as a store
// does: Skip, then RenderAt.
func render(b *backend.EncodedPageBuilder, f func([]byte) ([]byte, bool)) bool {
	_, ok := b.RenderAt(b.Skip(), 0, nil, 0, false, nil, func(dst []byte) ([]byte, []string, bool) {
		out, ok := f(dst)
		return out, nil, ok
	})
	return ok
}

// TestEncodedPageBuilder: rendered resources get their members, others
// nil; an extra resource read (a cursor page) is ignored; a page whose
// resources were not all recorded has no members.
func TestEncodedPageBuilder(t *testing.T) {
	appendS := func(s string) func([]byte) ([]byte, bool) {
		return func(dst []byte) ([]byte, bool) { return append(dst, s...), true }
	}
	refuse := func(dst []byte) ([]byte, bool) { return append(dst, "partial"...), false }
	b := backend.NewEncodedPageBuilder([]byte("keep"))
	b.Grow(3)
	for i, r := range []func([]byte) ([]byte, bool){appendS(`"a":1`), refuse, appendS(`"b":2`), appendS(`"extra":3`)} {
		if got, want := render(b, r), i != 1; got != want {
			t.Errorf("Render %d = %v, want %v", i, got, want)
		}
	}
	res := []*schema.Resource{{ID: "1"}, {ID: "2"}, {ID: "3"}}
	p := b.Page(&store.Page{Resources: res, TotalResults: 9})
	if p.TotalResults != 9 || len(p.Members) != 3 {
		t.Fatalf("page: total %d, %d members", p.TotalResults, len(p.Members))
	}
	for i, want := range []string{`"a":1`, "", `"b":2`} {
		if got := string(p.Members[i]); got != want || (want == "") != (p.Members[i] == nil) {
			t.Errorf("Members[%d] = %q, want %q", i, got, want)
		}
	}
	if got := string(p.Buffer[:4]); got != "keep" {
		t.Errorf("Buffer starts %q, want the caller's %q", got, "keep")
	}
	short := backend.NewEncodedPageBuilder(nil)
	render(short, appendS(`"a":1`))
	if p := short.Page(&store.Page{Resources: res}); p.Members[0] != nil {
		t.Errorf("fewer recorded than resources: Members[0] = %q, want nil", p.Members[0])
	}
}
