package memory

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

func TestMultiIndex(t *testing.T) {
	r := []*record{{seq: 0}, {seq: 1}, {seq: 2}}
	seqs := func(rs []*record) []uint64 {
		var out []uint64
		for _, x := range rs {
			out = append(out, x.seq)
		}
		return out
	}
	tests := []struct {
		name   string
		add    []int
		remove []int
		want   []uint64
	}{
		{name: "none"},
		{name: "one", add: []int{0}, want: []uint64{0}},
		{name: "three", add: []int{0, 1, 2}, want: []uint64{0, 1, 2}},
		{name: "remove first", add: []int{0, 1, 2}, remove: []int{0}, want: []uint64{1, 2}},
		{name: "remove middle", add: []int{0, 1, 2}, remove: []int{1}, want: []uint64{0, 2}},
		{name: "remove all", add: []int{0, 1, 2}, remove: []int{2, 0, 1}},
		{name: "remove absent", add: []int{0}, remove: []int{1}, want: []uint64{0}},
		{name: "re-add", add: []int{0, 1}, remove: []int{0, 1, 0}, want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m multiIndex
			for _, i := range tc.add {
				m.add(1, r[i])
			}
			for _, i := range tc.remove {
				m.remove(1, r[i])
			}
			if diff := cmp.Diff(tc.want, seqs(m.get(1))); diff != "" {
				t.Errorf("get (-want +got):\n%s", diff)
			}
			if got := m.get(2); got != nil {
				t.Errorf("get(other) = %v, want nil", got)
			}
			if len(tc.want) == 0 && (len(m.one) != 0 || len(m.more) != 0) {
				t.Errorf("empty index keeps %d + %d keys", len(m.one), len(m.more))
			}
		})
	}
}

// TestHashCollision: the value indexes keep hashes, not keys; a record
// found under the hash of another key is neither a uniqueness conflict nor
// a filter match.
func TestHashCollision(t *testing.T) {
	s := New()
	ctx := t.Context()
	rt := schema.UserResourceType()
	user := func(name string) *schema.Resource {
		return &schema.Resource{Schemas: []string{schema.UserSchema}, Attrs: map[string]any{"userName": name}}
	}
	alice, err := s.Create(ctx, "t", rt, user("alice"))
	if err != nil {
		t.Fatal(err)
	}
	_, tb := s.st.table("t", rt, false)
	ti := tb.info.Load()
	a := tb.get(alice.ID)
	tb.unique[ti.uniquePaths[0]].add(keyHash("bob"), a) // as if "alice" and "bob" collided
	if _, err := s.Create(ctx, "t", rt, user("bob")); err != nil {
		t.Errorf("Create bob after a collision with alice: %v", err)
	}
	if _, err := s.Create(ctx, "t", rt, user("ALICE")); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Create ALICE: %v, want ErrConflict", err)
	}
	e, err := filter.Parse(`userName eq "bob"`)
	if err == nil {
		e, err = filter.Bind(rt, e)
	}
	if err != nil {
		t.Fatal(err)
	}
	page, err := s.List(ctx, "t", rt, store.Query{Filter: e, Count: 10})
	if err != nil || page.TotalResults != 1 || page.Resources[0].Attrs["userName"] != "bob" {
		t.Errorf("List userName eq bob = %+v, %v; want bob alone", page, err)
	}
}
