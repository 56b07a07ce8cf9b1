package schema_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/schema"
)

// TestAppendJSONHead checks that a resource written with its encoded head
// is byte for byte what AppendJSONWith writes, whatever the head holds,
// including strings that need escaping and a location set only after the
// head was encoded.
func TestAppendJSONHead(t *testing.T) {
	at := time.Date(2026, 12, 7, 17, 0, 0, 123456789, time.UTC)
	full := schema.Meta{ResourceType: "User", Created: at, LastModified: at.Add(time.Second), Version: `W/"3"`}
	tests := []struct {
		name    string
		res     schema.Resource
		members string
	}{
		{name: "empty"},
		{name: "meta only", res: schema.Resource{Meta: full}},
		{name: "full", res: schema.Resource{
			ID: "2819c223-7f76-453a-919d-413861904646", ExternalID: "bjensen",
			Schemas: []string{schema.UserSchema, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
			Meta:    full,
			Attrs:   map[string]any{"groups": []any{map[string]any{"value": "g1", "display": "<Admins & co>"}}},
		}, members: `"active":true,"userName":"bjensen"`},
		{name: "escaping", res: schema.Resource{
			ID: "a\"b<c>&\u2028", ExternalID: "x\\y\n\x01\xff", Schemas: []string{"urn:\"odd\""},
			Meta: schema.Meta{ResourceType: "Us<er>", Version: `W/"<1>"`},
		}},
		{name: "no created", res: schema.Resource{ID: "1", Meta: schema.Meta{LastModified: at, Version: `W/"1"`}}},
		{name: "only before location", res: schema.Resource{ID: "1", Meta: schema.Meta{Created: at}}},
		{name: "only after location", res: schema.Resource{ExternalID: "e", Meta: schema.Meta{Version: `W/"1"`}}},
		{name: "attrs without head members", res: schema.Resource{Attrs: map[string]any{"members": []any{map[string]any{"value": "u"}}}}, members: `"displayName":"g"`},
	}
	for _, tt := range tests {
		for _, loc := range []string{"", "https://example.com/scim/v2/Users/a%22b<&>"} {
			t.Run(tt.name+"/location="+loc, func(t *testing.T) {
				res := tt.res
				head := res.EncodeHead()
				if head.IsZero() {
					t.Fatal("EncodeHead returned a zero head")
				}
				res.Meta.Location = loc
				want, err := res.AppendJSONWith([]byte("prefix"), []byte(tt.members))
				if err != nil {
					t.Fatal(err)
				}
				got, err := res.AppendJSONHead([]byte("prefix"), head, []byte(tt.members))
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(string(want), string(got)); diff != "" {
					t.Errorf("AppendJSONHead differs from AppendJSONWith (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// TestAppendJSONHeadZero checks that a zero head falls back to encoding
// the resource.
func TestAppendJSONHeadZero(t *testing.T) {
	res := schema.Resource{ID: "1", Meta: schema.Meta{ResourceType: "User", Location: "l"}}
	want, _ := res.AppendJSON(nil)
	got, err := res.AppendJSONHead(nil, schema.EncodedHead{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
