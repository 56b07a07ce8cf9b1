package schema_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/schema"
)

func FuzzDecode(f *testing.F) {
	for name := range fixtureTypes() {
		f.Add(fixture(f, name), false)
	}
	for _, s := range []string{
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"USERNAME":"a","userName":"a"}`,
		`{"schemas":"urn:ietf:params:scim:schemas:core:2.0:User","active":"True","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":"x"}`,
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"emails":{"value":[[1]]},"name.givenName":"g","name":{"familyName":"f"}}`,
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"x509Certificates":[{"value":"aGk="}],"manager":[{"value":"1"}]}`,
		`[1e400]`, `{"schemas":[null,1]}`, `{}`,
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"emails":[null,{},{"value":"a","type":"Work"},{"value":7}]}`,
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"name":{"givenName":"g","Formatted":"f"},"NAME":{"familyName":"x"}}`,
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"name":{"givenName":"g"},"name.familyName":"f","emails":[{"value":"a","primary":"true"}]}`,
	} {
		f.Add([]byte(s), true)
	}
	rt := schema.UserResourceType()
	f.Fuzz(func(t *testing.T, data []byte, coerce bool) {
		opts := schema.DecodeOptions{CoerceStrings: coerce}
		r, err := rt.Decode(data, opts)
		// Decode decodes the tree it parsed in place; DecodeMap copies
		// the caller's: both must answer alike.
		if v, jerr := schema.DecodeJSON(data); jerr == nil {
			if m, ok := v.(map[string]any); ok {
				r2, err2 := rt.DecodeMap(m, opts)
				if (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
					t.Fatalf("Decode error %v, DecodeMap error %v", err, err2)
				}
				if diff := cmp.Diff(r, r2); diff != "" {
					t.Fatalf("Decode and DecodeMap differ (-Decode +DecodeMap):\n%s", diff)
				}
			}
		}
		if err != nil {
			if _, ok := err.(*schema.Error); !ok {
				t.Fatalf("error %T is not *schema.Error: %v", err, err)
			}
			return
		}
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("MarshalJSON: %v", err)
		}
		again, err := rt.Decode(out, schema.DecodeOptions{})
		if err != nil {
			t.Fatalf("re-Decode of %s: %v", out, err)
		}
		if diff := cmp.Diff(r, again); diff != "" {
			t.Fatalf("re-Decode (-first +second):\n%s", diff)
		}
		if _, err := rt.Validate(schema.ModeCreate, nil, r, opts); err != nil {
			if _, ok := err.(*schema.Error); !ok {
				t.Fatalf("Validate error %T is not *schema.Error", err)
			}
		}
		rt.Project(r, []string{"name.givenName", "emails.value"}, nil)
		rt.Project(r, nil, []string{"emails", "meta"})
	})
}

func FuzzParseSchema(f *testing.F) {
	for _, s := range []*schema.Schema{schema.User(), schema.Group(), schema.EnterpriseUser()} {
		data, err := json.Marshal(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"id":"urn:t:S","attributes":[{"name":"c","type":"complex","subAttributes":[{"name":"d","type":"complex","subAttributes":[{"name":"e"}]}]}]}`))
	f.Add([]byte(`{"id":"urn:t:S","attributes":[{"name":"x","type":"integer","canonicalValues":["1"]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := schema.ParseSchema(data)
		if err != nil {
			if _, ok := err.(*schema.Error); !ok {
				t.Fatalf("error %T is not *schema.Error: %v", err, err)
			}
			return
		}
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		again, err := schema.ParseSchema(out)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		out2, _ := json.Marshal(again)
		if string(out) != string(out2) {
			t.Fatalf("not stable:\n%s\n%s", out, out2)
		}
	})
}
