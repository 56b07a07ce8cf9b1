package memory_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/storetest"
)

// scribble changes the nested values of r in place: name.givenName and
// the first email's value.
func scribble(r *schema.Resource) {
	r.Attrs["name"].(map[string]any)["givenName"] = "scribbled"
	r.Attrs["emails"].([]any)[0].(map[string]any)["value"] = "scribbled@example.com"
}

// TestCreateUpdateCopies pins "resources passed in are not retained;
// resources returned are the caller's to modify" (store.Store) down to
// nested values: the stored form of a write shares values with its input
// and is copied only once, for the result, so that copy must be deep.
func TestCreateUpdateCopies(t *testing.T) {
	ctx := t.Context()
	st := newStore(t)
	rt := storetest.UserType()
	in := storetest.TypicalUser(1)
	out, err := st.Create(ctx, "t", rt, in)
	if err != nil {
		t.Fatal(err)
	}
	want, err := st.Get(ctx, "t", rt, out.ID, store.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	scribble(out)
	if in.Attrs["name"].(map[string]any)["givenName"] == "scribbled" {
		t.Fatal("Create's result shares name with its input")
	}
	scribble(in)
	got, err := st.Get(ctx, "t", rt, out.ID, store.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("changing Create's input and result changed the stored user (-want +got):\n%s", diff)
	}

	var applied *schema.Resource
	up, _, err := st.Update(ctx, "t", rt, out.ID, store.Update{Apply: func(cur *schema.Resource) (*schema.Resource, error) {
		applied = cur.Clone()
		applied.Attrs["title"] = "Updated"
		return applied, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if want, err = st.Get(ctx, "t", rt, out.ID, store.ReadOptions{}); err != nil {
		t.Fatal(err)
	}
	scribble(up)
	if applied.Attrs["name"].(map[string]any)["givenName"] == "scribbled" {
		t.Fatal("Update's result shares name with Apply's result")
	}
	scribble(applied)
	if got, err = st.Get(ctx, "t", rt, out.ID, store.ReadOptions{}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("changing Update's Apply result and result changed the stored user (-want +got):\n%s", diff)
	}
}
