package schema_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/scimkit/scimkit/schema"
)

const (
	userURN = schema.UserSchema
	entURN  = schema.EnterpriseUserSchema
)

func TestDecode(t *testing.T) {
	rt := schema.UserResourceType()
	coerce := schema.DecodeOptions{CoerceStrings: true}
	tests := []struct {
		name string
		body string
		opts schema.DecodeOptions
		want *schema.Resource
	}{{
		name: "minimal",
		body: `{"schemas":["` + userURN + `"],"userName":"bjensen","id":"x","meta":{"resourceType":"User"}}`,
		want: &schema.Resource{Schemas: []string{userURN}, Attrs: map[string]any{"userName": "bjensen"}},
	}, {
		name: "case-insensitive names",
		body: `{"SCHEMAS":["URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER"],"USERNAME":"b","Name":{"GivenName":"B"},"ExternalID":"e",
			"EMAILS":[{"VALUE":"a@b","Type":"WORK","Primary":true}]}`,
		want: &schema.Resource{Schemas: []string{userURN}, ExternalID: "e", Attrs: map[string]any{
			"userName": "b", "name": map[string]any{"givenName": "B"},
			"emails": []any{map[string]any{"value": "a@b", "type": "work", "primary": true}}}},
	}, {
		name: "extension urn key case-insensitive and added to schemas",
		body: `{"schemas":["` + userURN + `"],"userName":"b","URN:ietf:params:scim:schemas:extension:ENTERPRISE:2.0:User":{"EmployeeNumber":"7"}}`,
		want: &schema.Resource{Schemas: []string{userURN, entURN}, Attrs: map[string]any{
			"userName": "b", entURN: map[string]any{"employeeNumber": "7"}}},
	}, {
		name: "flat urn-qualified key moved into the extension",
		body: `{"schemas":["` + userURN + `"],"userName":"b","` + entURN + `:employeeNumber":"1","` + entURN + `:manager.value":"m"}`,
		want: &schema.Resource{Schemas: []string{userURN, entURN}, Attrs: map[string]any{
			"userName": "b", entURN: map[string]any{"employeeNumber": "1", "manager": map[string]any{"value": "m"}}}},
	}, {
		name: "nulls and empty arrays removed, single value wrapped",
		body: `{"schemas":["` + userURN + `"],"userName":"b","roles":[],"title":null,"name":{"givenName":null},"emails":{"value":"a@b"}}`,
		want: &schema.Resource{Schemas: []string{userURN}, Attrs: map[string]any{
			"userName": "b", "emails": []any{map[string]any{"value": "a@b"}}}},
	}, {
		name: "entra string booleans with CoerceStrings",
		body: `{"schemas":["` + userURN + `"],"userName":"b","active":"False"}`,
		opts: coerce,
		want: &schema.Resource{Schemas: []string{userURN}, Attrs: map[string]any{"userName": "b", "active": false}},
	}, {
		name: "entra legacy enterprise urn without colon",
		body: `{"schemas":["` + userURN + `","urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],"userName":"b","department":null,"manager":null}`,
		want: &schema.Resource{Schemas: []string{userURN, entURN}, Attrs: map[string]any{"userName": "b"}},
	}, {
		name: "unknown attributes ignored",
		body: `{"schemas":["` + userURN + `","urn:x:unknown"],"userName":"b","foo":1,"urn:x:unknown":{"a":1}}`,
		want: &schema.Resource{Schemas: []string{userURN}, Attrs: map[string]any{"userName": "b"}},
	}, {
		name: "dotted and core-qualified keys merge with objects",
		body: `{"schemas":["` + userURN + `"],"` + userURN + `:userName":"b","name.givenName":"G","NAME":{"familyName":"F"},
			"` + userURN + `:externalId":"x","meta.created":"2020-01-01T00:00:00Z"}`,
		want: &schema.Resource{Schemas: []string{userURN}, ExternalID: "x", Attrs: map[string]any{
			"userName": "b", "name": map[string]any{"givenName": "G", "familyName": "F"}}},
	}, {
		name: "core URN object tolerated",
		body: `{"schemas":["` + userURN + `"],"` + userURN + `":{"userName":"b"}}`,
		want: &schema.Resource{Schemas: []string{userURN}, Attrs: map[string]any{"userName": "b"}},
	}, {
		name: "same value under two spellings",
		body: `{"schemas":["` + userURN + `"],"userName":"b","USERNAME":"b","` + entURN + `:department":"D","` + entURN + `":{"department":"D"}}`,
		want: &schema.Resource{Schemas: []string{userURN, entURN}, Attrs: map[string]any{
			"userName": "b", entURN: map[string]any{"department": "D"}}},
	}, {
		name: "bare schemas string tolerated",
		body: `{"schemas":"` + userURN + `","userName":"b"}`,
		want: &schema.Resource{Schemas: []string{userURN}, Attrs: map[string]any{"userName": "b"}},
	}, {
		name: "okta PUT with id, meta, readOnly groups and empty middleName",
		body: `{"schemas":["` + userURN + `"],"id":"abc","userName":"u","name":{"givenName":"A","middleName":"","familyName":"U"},"groups":[],"meta":{"resourceType":"User"}}`,
		want: &schema.Resource{Schemas: []string{userURN}, Attrs: map[string]any{
			"userName": "u", "name": map[string]any{"givenName": "A", "middleName": "", "familyName": "U"}}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rt.Decode([]byte(tt.body), tt.opts)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Decode (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	rt := schema.UserResourceType()
	tests := []struct {
		name string
		body string
		opts schema.DecodeOptions
		want error
	}{
		{"malformed", `{"schemas":`, schema.DecodeOptions{}, schema.ErrInvalidSyntax},
		{"not an object", `[1]`, schema.DecodeOptions{}, schema.ErrInvalidSyntax},
		{"trailing data", `{"schemas":["` + userURN + `"]} {}`, schema.DecodeOptions{}, schema.ErrInvalidSyntax},
		{"no schemas", `{"userName":"b"}`, schema.DecodeOptions{}, schema.ErrInvalidValue},
		{"wrong core schema", `{"schemas":["` + schema.GroupSchema + `"],"userName":"b"}`, schema.DecodeOptions{}, schema.ErrInvalidValue},
		{"string boolean strict", `{"schemas":["` + userURN + `"],"active":"True"}`, schema.DecodeOptions{}, schema.ErrInvalidValue},
		{"number for string", `{"schemas":["` + userURN + `"],"userName":1}`, schema.DecodeOptions{}, schema.ErrInvalidValue},
		{"array for single", `{"schemas":["` + userURN + `"],"userName":["a","b"]}`, schema.DecodeOptions{}, schema.ErrInvalidValue},
		{"object for string", `{"schemas":["` + userURN + `"],"userName":{"a":1}}`, schema.DecodeOptions{}, schema.ErrInvalidValue},
		{"nested too deep", `{"schemas":["` + userURN + `"],"emails":[{"value":[["x"]]}]}`, schema.DecodeOptions{}, schema.ErrInvalidValue},
		{"case duplicate conflict", `{"schemas":["` + userURN + `"],"userName":"a","USERNAME":"b"}`, schema.DecodeOptions{}, schema.ErrInvalidSyntax},
		{"unknown rejected", `{"schemas":["` + userURN + `"],"foo":1}`, schema.DecodeOptions{Unknown: schema.RejectUnknown}, schema.ErrInvalidSyntax},
		{"canonical strict", `{"schemas":["` + userURN + `"],"emails":[{"value":"a","type":"pager"}]}`, schema.DecodeOptions{Canonical: schema.CanonicalStrict}, schema.ErrInvalidValue},
		{"flat key conflicts with extension object", `{"schemas":["` + userURN + `"],"` + entURN + `:department":"D","` + entURN + `":{"department":"E"}}`, schema.DecodeOptions{}, schema.ErrInvalidSyntax},
		{"dotted key conflicts with object", `{"schemas":["` + userURN + `"],"name.givenName":"G","name":{"givenName":"H"}}`, schema.DecodeOptions{}, schema.ErrInvalidSyntax},
		{"two schemas members differ", `{"schemas":["` + userURN + `"],"SCHEMAS":["x"]}`, schema.DecodeOptions{}, schema.ErrInvalidSyntax},
		{"schemas element not a string", `{"schemas":["` + userURN + `",1]}`, schema.DecodeOptions{}, schema.ErrInvalidValue},
		{"extension not an object", `{"schemas":["` + userURN + `"],"` + entURN + `":"x"}`, schema.DecodeOptions{}, schema.ErrInvalidValue},
		{"unknown extension object rejected", `{"schemas":["` + userURN + `"],"urn:x:y:2.0:User":{"a":1}}`, schema.DecodeOptions{Unknown: schema.RejectUnknown}, schema.ErrInvalidSyntax},
		{"unknown extension attribute rejected", `{"schemas":["` + userURN + `"],"` + entURN + `":{"shoeSize":1}}`, schema.DecodeOptions{Unknown: schema.RejectUnknown}, schema.ErrInvalidSyntax},
		{"dotted key into multi-valued rejected", `{"schemas":["` + userURN + `"],"emails.value":"a"}`, schema.DecodeOptions{Unknown: schema.RejectUnknown}, schema.ErrInvalidSyntax},
		{"externalId not a string", `{"schemas":["` + userURN + `"],"externalId":{"a":1}}`, schema.DecodeOptions{}, schema.ErrInvalidValue},
		{"bad binary", `{"schemas":["` + userURN + `"],"x509Certificates":[{"value":"!!"}]}`, schema.DecodeOptions{}, schema.ErrInvalidValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rt.Decode([]byte(tt.body), tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Decode error = %v, want %v", err, tt.want)
			}
			var se *schema.Error
			if !errors.As(err, &se) || se.Detail == "" {
				t.Errorf("error %v is not a *schema.Error with a detail", err)
			}
		})
	}
}

func BenchmarkDecodeUser(b *testing.B) {
	rt := schema.UserResourceType()
	data := fixture(b, "rfc7643-8.2.json")
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := rt.Decode(data, schema.DecodeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProjectDefault(b *testing.B) {
	rt := schema.UserResourceType()
	r, err := rt.Decode(fixture(b, "rfc7643-8.3.json"), schema.DecodeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		rt.Project(r, nil, nil)
	}
}

// TestDecodeErrorDeterministic: with several problems the reported one
// must not depend on map iteration order.
func TestDecodeErrorDeterministic(t *testing.T) {
	rt := schema.UserResourceType()
	body := []byte(`{"schemas":["` + userURN + `"],"active":"x","displayName":1,"emails":[{"value":1,"type":2,"primary":"no"}],"title":[1,2],"nickName":{}}`)
	_, first := rt.Decode(body, schema.DecodeOptions{})
	if first == nil {
		t.Fatal("no error")
	}
	for range 50 {
		if _, err := rt.Decode(body, schema.DecodeOptions{}); err.Error() != first.Error() {
			t.Fatalf("error changed: %q then %q", first, err)
		}
	}
}

// TestDecodeExtensionWithNothingKept: an extension object whose members
// are all unknown or null leaves no empty container behind, and one with
// attributes keeps exactly those.
func TestDecodeExtensionWithNothingKept(t *testing.T) {
	rt := schema.UserResourceType()
	body := `{"schemas":["` + userURN + `"],"userName":"a","` + entURN + `":{"nope":1,"department":null}}`
	res, err := rt.Decode([]byte(body), schema.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := res.Attrs[entURN]; ok {
		t.Errorf("extension container %v kept, want none", v)
	}
	body = `{"schemas":["` + userURN + `"],"userName":"a","` + entURN + `":{"nope":1,"department":"R&D"}}`
	if res, err = rt.Decode([]byte(body), schema.DecodeOptions{}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"department": "R&D"}, res.Attrs[entURN]); diff != "" {
		t.Errorf("extension container (-want +got):\n%s", diff)
	}
}
