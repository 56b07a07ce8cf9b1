package schema_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/scimkit/scimkit/schema"
)

// TestSchemaRoundTrip marshals the built-in schemas in their RFC 7643 §7
// form and parses them back.
func TestSchemaRoundTrip(t *testing.T) {
	for _, s := range []*schema.Schema{schema.User(), schema.Group(), schema.EnterpriseUser()} {
		t.Run(s.Name, func(t *testing.T) {
			data, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			got, err := schema.ParseSchema(data)
			if err != nil {
				t.Fatalf("ParseSchema: %v\n%s", err, data)
			}
			if diff := cmp.Diff(s, got, cmpopts.IgnoreUnexported(schema.Schema{}, schema.Attribute{})); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
			var doc map[string]any
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			wantMeta := map[string]any{"resourceType": "Schema", "location": "/Schemas/" + s.ID}
			if diff := cmp.Diff(wantMeta, doc["meta"]); diff != "" {
				t.Errorf("meta (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]any{schema.SchemaSchema}, doc["schemas"]); diff != "" {
				t.Errorf("schemas (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSchemaRepresentationLocation(t *testing.T) {
	doc := schema.SchemaRepresentation(schema.Group(), "https://example.com/scim/v2/")
	if want := "https://example.com/scim/v2/Schemas/" + schema.GroupSchema; doc.Meta.Location != want {
		t.Errorf("location = %q, want %q", doc.Meta.Location, want)
	}
}

func TestParseSchemas(t *testing.T) {
	var list struct {
		Schemas   []string         `json:"schemas"`
		Total     int              `json:"totalResults"`
		Resources []*schema.Schema `json:"Resources"`
	}
	list.Schemas = []string{schema.ListResponseSchema}
	list.Resources = []*schema.Schema{schema.User(), schema.Group(), schema.EnterpriseUser()}
	list.Total = len(list.Resources)
	data, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	got, err := schema.ParseSchemas(data)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range got {
		ids = append(ids, s.ID)
	}
	if diff := cmp.Diff([]string{schema.UserSchema, schema.GroupSchema, schema.EnterpriseUserSchema}, ids); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	one, err := schema.ParseSchemas([]byte(`{"id":"urn:a:b","attributes":[{"name":"x","type":"string"}]}`))
	if err != nil || len(one) != 1 || one[0].Attribute("X") == nil {
		t.Errorf("single schema: %v %v", one, err)
	}
	if _, err := schema.ParseSchemas([]byte(`[{"id":"urn:a:b","attributes":[]},{"id":"URN:A:B","attributes":[]}]`)); !errors.Is(err, schema.ErrInvalidValue) {
		t.Errorf("duplicate ids: error = %v, want invalidValue", err)
	}
}

// TestParseSchemaErrors is the bad-definition battery: each error must be
// invalidValue (or invalidSyntax for broken JSON) and mention the
// offending attribute or member.
func TestParseSchemaErrors(t *testing.T) {
	wrap := func(attrs string) string { return `{"id":"urn:t:S","attributes":[` + attrs + `]}` }
	tests := []struct {
		name, doc, mention string
		err                error
	}{
		{"broken JSON", `{"id":`, "", schema.ErrInvalidSyntax},
		{"not an object", `[1]`, "", schema.ErrInvalidSyntax},
		{"no id", `{"attributes":[]}`, "id", schema.ErrInvalidValue},
		{"id not a URN", `{"id":"User","attributes":[]}`, "URN", schema.ErrInvalidValue},
		{"no attributes", `{"id":"urn:t:S"}`, "attributes", schema.ErrInvalidValue},
		{"attributes not array", `{"id":"urn:t:S","attributes":{}}`, "attributes", schema.ErrInvalidValue},
		{"unknown member", `{"id":"urn:t:S","attributes":[],"extra":1}`, "extra", schema.ErrInvalidValue},
		{"attribute not object", wrap(`"x"`), "attributes[0]", schema.ErrInvalidValue},
		{"attribute without name", wrap(`{"type":"string"}`), "name", schema.ErrInvalidValue},
		{"bad name", wrap(`{"name":"1x"}`), "1x", schema.ErrInvalidValue},
		{"duplicate name", wrap(`{"name":"x"},{"name":"X"}`), "twice", schema.ErrInvalidValue},
		{"unknown type", wrap(`{"name":"x","type":"text"}`), `"x"`, schema.ErrInvalidValue},
		{"unknown mutability", wrap(`{"name":"x","mutability":"sometimes"}`), "sometimes", schema.ErrInvalidValue},
		{"unknown returned", wrap(`{"name":"x","returned":"maybe"}`), "maybe", schema.ErrInvalidValue},
		{"unknown uniqueness", wrap(`{"name":"x","uniqueness":"galactic"}`), "galactic", schema.ErrInvalidValue},
		{"unknown characteristic", wrap(`{"name":"x","multivalued":true}`), "multivalued", schema.ErrInvalidValue},
		{"multiValued not bool", wrap(`{"name":"x","multiValued":"true"}`), "multiValued", schema.ErrInvalidValue},
		{"required not bool", wrap(`{"name":"x","required":1}`), "required", schema.ErrInvalidValue},
		{"type not string", wrap(`{"name":"x","type":1}`), "type", schema.ErrInvalidValue},
		{"canonicalValues on integer", wrap(`{"name":"x","type":"integer","canonicalValues":["1"]}`), "canonicalValues", schema.ErrInvalidValue},
		{"canonicalValues not strings", wrap(`{"name":"x","canonicalValues":[1]}`), "canonicalValues", schema.ErrInvalidValue},
		{"referenceTypes on string", wrap(`{"name":"x","referenceTypes":["User"]}`), "referenceTypes", schema.ErrInvalidValue},
		{"reference without referenceTypes", wrap(`{"name":"x","type":"reference"}`), "referenceTypes", schema.ErrInvalidValue},
		{"complex without subAttributes", wrap(`{"name":"c","type":"complex"}`), `"c"`, schema.ErrInvalidValue},
		{"subAttributes on string", wrap(`{"name":"s","subAttributes":[{"name":"a"}]}`), `"s"`, schema.ErrInvalidValue},
		{"nested complex", wrap(`{"name":"c","type":"complex","subAttributes":[{"name":"d","type":"complex","subAttributes":[{"name":"e"}]}]}`), "c.d", schema.ErrInvalidValue},
		{"bad sub-attribute", wrap(`{"name":"c","type":"complex","subAttributes":[{"name":"v","caseExact":"no"}]}`), "c.v", schema.ErrInvalidValue},
		{"subAttributes not array", wrap(`{"name":"c","type":"complex","subAttributes":{}}`), `"c"`, schema.ErrInvalidValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := schema.ParseSchema([]byte(tt.doc))
			if !errors.Is(err, tt.err) {
				t.Fatalf("ParseSchema error = %v, want %v", err, tt.err)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
		})
	}
}

// TestParseSchemasRFC parses the Group and Enterprise User definitions of
// RFC 7643 §8.7.1 (a JSON array, as printed there) and uses them to decode
// the §8.4 group.
func TestParseSchemasRFC(t *testing.T) {
	list, err := schema.ParseSchemas(fixture(t, "rfc7643-8.7.1-group-enterprise.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("got %d schemas, want 2", len(list))
	}
	group, ent := list[0], list[1]
	if a := group.Attribute("members").Sub("TYPE"); a == nil || a.Mutability != schema.Immutable || len(a.CanonicalValues) != 2 {
		t.Errorf("members.type = %+v", a)
	}
	if a := ent.Attribute("manager").Sub("displayName"); a == nil || a.Mutability != schema.ReadOnly {
		t.Errorf("manager.displayName = %+v", a)
	}
	rt, err := schema.NewResourceType(&schema.ResourceType{Name: "Group", Endpoint: "/Groups", Schema: group})
	if err != nil {
		t.Fatal(err)
	}
	// §8.7.1 defines no members.display although §8.4 uses it (a known
	// inconsistency of the RFC), so RejectUnknown would fail here.
	r, err := rt.Decode(fixture(t, "rfc7643-8.4.json"), schema.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(r.Attrs["members"].([]any)); got != 2 {
		t.Errorf("members = %d, want 2", got)
	}
}
