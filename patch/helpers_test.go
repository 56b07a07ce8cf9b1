package patch_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scimkit/patch"
	"github.com/scimkit/scimkit/schema"
)

var (
	userType  = schema.UserResourceType()
	groupType = schema.GroupResourceType()
)

// resource decodes a JSON resource of rt for a test; "id" is kept.
func resource(t testing.TB, rt *schema.ResourceType, js string) *schema.Resource {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(js))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	if _, ok := m["schemas"]; !ok {
		m["schemas"] = []any{rt.Schema.ID}
	}
	r, err := rt.DecodeMap(m, schema.DecodeOptions{})
	if err != nil {
		t.Fatalf("decode %s: %v", js, err)
	}
	r.ID, _ = m["id"].(string)
	return r
}

// body wraps operations in a PatchOp envelope.
func body(ops string) string {
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + ops + `]}`
}

// applyBody parses and applies a PATCH body.
func applyBody(rt *schema.ResourceType, r *schema.Resource, b string, d patch.Dialect) (*schema.Resource, *patch.Summary, error) {
	p, err := patch.Parse(rt, []byte(b), patch.Config{Dialect: d})
	if err != nil {
		return nil, nil, err
	}
	return p.Apply(r)
}

// checkErr compares err with the prototype want (status and scimType);
// want nil means no error.
func checkErr(t *testing.T, want *schema.Error, err error) bool {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return false
	}
	var se *schema.Error
	if !errors.As(err, &se) {
		t.Fatalf("error = %v (%T), want *schema.Error %d %s", err, err, want.Status, want.ScimType)
	}
	if !errors.Is(err, want) {
		t.Fatalf("error = %d %s (%s), want %d %s", se.Status, se.ScimType, se.Detail, want.Status, want.ScimType)
	}
	if se.Detail == "" {
		t.Errorf("error %v has no detail", err)
	}
	return true
}

// diffResource compares the attributes, externalId and schemas of two
// resources, printing (-want +got).
func diffResource(t *testing.T, want, got *schema.Resource) {
	t.Helper()
	type view struct {
		ExternalID string
		Schemas    []string
		Attrs      map[string]any
	}
	w := view{want.ExternalID, want.Schemas, want.Attrs}
	g := view{got.ExternalID, got.Schemas, got.Attrs}
	if d := cmp.Diff(w, g); d != "" {
		t.Errorf("resource mismatch (-want +got):\n%s", d)
	}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
