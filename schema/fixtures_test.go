package schema_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/schema"
)

// fixture reads testdata/<name>; fixtures are the RFC 7643 §8 examples
// named by section.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func fixtureTypes() map[string]*schema.ResourceType {
	user, group := schema.UserResourceType(), schema.GroupResourceType()
	return map[string]*schema.ResourceType{
		"rfc7643-8.1.json": user, "rfc7643-8.2.json": user, "rfc7643-8.3.json": user, "rfc7643-8.4.json": group,
	}
}

// TestDecodeRFCExamples decodes the RFC 7643 §8 examples, checks every
// attribute survived with its canonical name, and round-trips
// Decode → MarshalJSON → Decode.
func TestDecodeRFCExamples(t *testing.T) {
	for name, rt := range fixtureTypes() {
		t.Run(name, func(t *testing.T) {
			data := fixture(t, name)
			r, err := rt.Decode(data, schema.DecodeOptions{Unknown: schema.RejectUnknown, Canonical: schema.CanonicalStrict})
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			var raw map[string]any
			if err := json.Unmarshal(data, &raw); err != nil {
				t.Fatal(err)
			}
			for k := range raw {
				switch k {
				case "id", "meta", "schemas", "externalId":
					continue
				}
				if _, ok := r.Attrs[k]; !ok {
					t.Errorf("attribute %q lost", k)
				}
			}
			if r.ID != "" || !r.Meta.Created.IsZero() {
				t.Errorf("id/meta from the client must be ignored, got %q %v", r.ID, r.Meta)
			}
			out, err := r.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			again, err := rt.Decode(out, schema.DecodeOptions{Unknown: schema.RejectUnknown})
			if err != nil {
				t.Fatalf("re-Decode: %v\n%s", err, out)
			}
			if diff := cmp.Diff(r, again); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeFullUserValues(t *testing.T) {
	rt := schema.UserResourceType()
	r, err := rt.Decode(fixture(t, "rfc7643-8.3.json"), schema.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"employeeNumber": "701984", "costCenter": "4130", "organization": "Universal Studios",
		"division": "Theme Park", "department": "Tour Operations",
		"manager": map[string]any{"value": "26118915-6090-4610-87e4-49d8ca9f808d",
			"$ref": "../Users/26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"},
	}
	if diff := cmp.Diff(want, r.Attrs[schema.EnterpriseUserSchema]); diff != "" {
		t.Errorf("enterprise extension (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{schema.UserSchema, schema.EnterpriseUserSchema}, r.Schemas); diff != "" {
		t.Errorf("schemas (-want +got):\n%s", diff)
	}
	if r.ExternalID != "701984" || r.Attrs["active"] != true || r.Attrs["password"] != "t1meMa$heen" {
		t.Errorf("externalId/active/password = %q %v %v", r.ExternalID, r.Attrs["active"], r.Attrs["password"])
	}
}
