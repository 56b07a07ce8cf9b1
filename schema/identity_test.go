package schema_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/schema"
)

func TestDedupe(t *testing.T) {
	user := schema.UserResourceType().Schema
	exact := &schema.Attribute{Name: "keys", Type: schema.Complex, MultiValued: true, SubAttributes: []*schema.Attribute{
		{Name: "value", Type: schema.String, CaseExact: true},
		{Name: "type", Type: schema.String},
	}}
	m := func(kv ...any) map[string]any {
		out := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1]
		}
		return out
	}
	for _, tt := range []struct {
		name string
		a    *schema.Attribute
		in   []any
		want []any
	}{
		{"emails: same (type, value), case-insensitive", user.Attribute("emails"),
			[]any{m("value", "a@x", "type", "work"), m("value", "A@x", "type", "Work")},
			[]any{m("value", "a@x", "type", "work")}},
		{"emails: another type is another value", user.Attribute("emails"),
			[]any{m("value", "a@x", "type", "work"), m("value", "a@x", "type", "home"), m("value", "a@x")},
			[]any{m("value", "a@x", "type", "work"), m("value", "a@x", "type", "home"), m("value", "a@x")}},
		{"primary carries to the kept value", user.Attribute("phoneNumbers"),
			[]any{m("value", "1", "type", "work"), m("value", "2"), m("value", "1", "type", "work", "primary", true)},
			[]any{m("value", "1", "type", "work", "primary", true), m("value", "2")}},
		{"caseExact value", exact,
			[]any{m("value", "K1", "type", "a"), m("value", "k1", "type", "A"), m("value", "K1", "type", "A")},
			[]any{m("value", "K1", "type", "a"), m("value", "k1", "type", "A")}},
		{"binary is case-exact", user.Attribute("x509Certificates"),
			[]any{m("value", "QUJD"), m("value", "qujd"), m("value", "QUJD")},
			[]any{m("value", "QUJD"), m("value", "qujd")}},
		{"no value: never a duplicate", user.Attribute("emails"),
			[]any{m("type", "work"), m("type", "work")},
			[]any{m("type", "work"), m("type", "work")}},
		{"members by value alone", schema.GroupResourceType().Schema.Attribute("members"),
			[]any{m("value", "u1", "display", "A"), m("value", "u1", "display", "B", "type", "User")},
			[]any{m("value", "u1", "display", "A")}},
		{"simple values", &schema.Attribute{Name: "tags", Type: schema.String, MultiValued: true},
			[]any{"a", "A", "b"}, []any{"a", "b"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := schema.CloneValue(tt.in).([]any)
			got, dropped := schema.Dedupe(tt.a, tt.in)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("Dedupe (-want +got):\n%s", d)
			}
			if dropped != (len(tt.want) != len(tt.in)) {
				t.Errorf("dropped = %v", dropped)
			}
			if d := cmp.Diff(in, tt.in); d != "" {
				t.Errorf("Dedupe modified its input (-before +after):\n%s", d)
			}
		})
	}
}

// TestValidateLimits: MaxValues applies after validation too, and never
// to a reference list.
func TestValidateLimits(t *testing.T) {
	opts := schema.DecodeOptions{MaxValues: 2}
	users, groups := schema.UserResourceType(), schema.GroupResourceType()
	u := &schema.Resource{Schemas: []string{schema.UserSchema}, Attrs: map[string]any{"userName": "u",
		"emails": []any{map[string]any{"value": "1"}, map[string]any{"value": "2"}, map[string]any{"value": "3"}}}}
	if _, err := users.Validate(schema.ModeCreate, nil, u, opts); err == nil {
		t.Error("3 emails with MaxValues 2: no error")
	}
	u.Attrs["emails"] = []any{map[string]any{"value": "1"}, map[string]any{"value": "2"}, map[string]any{"value": "1"}}
	if _, err := users.Validate(schema.ModeCreate, nil, u, opts); err != nil {
		t.Errorf("3 emails of which 1 duplicate with MaxValues 2: %v", err)
	}
	g := &schema.Resource{Schemas: []string{schema.GroupSchema}, Attrs: map[string]any{"displayName": "g",
		"members": []any{map[string]any{"value": "1"}, map[string]any{"value": "2"}, map[string]any{"value": "3"}}}}
	if _, err := groups.Validate(schema.ModeCreate, nil, g, opts); err != nil {
		t.Errorf("3 members with MaxValues 2: %v (reference lists are exempt)", err)
	}
	if _, err := groups.Decode([]byte(`{"schemas":["`+schema.GroupSchema+`"],"displayName":"0123456789"}`), schema.DecodeOptions{MaxStringLength: 9}); err == nil {
		t.Error("a 10-byte displayName with MaxStringLength 9: no error")
	}
}
