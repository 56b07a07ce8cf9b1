package schema_test

import (
	"strings"
	"testing"
	"unicode/utf8"

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

// TestDedupeLongAndShortAgree: lists of up to 16 values are compared
// pairwise, longer ones by IdentityKey; both fold case as
// strings.EqualFold does (long s and s, the Kelvin sign and k).
func TestDedupeLongAndShortAgree(t *testing.T) {
	emails := schema.UserResourceType().Schema.Attribute("emails")
	for _, n := range []int{0, 20} {
		var list []any
		for i := range n {
			list = append(list, map[string]any{"value": string(rune('a'+i%26)) + "-filler@x", "type": "other"})
		}
		list = append(list,
			map[string]any{"value": "ſam@x", "type": "work"}, map[string]any{"value": "SAM@X", "type": "WORK"},
			map[string]any{"value": "\u212Aim@x"}, map[string]any{"value": "kim@x"},
			map[string]any{"value": "İstanbul@x"}, map[string]any{"value": "istanbul@x"}) // İ folds to nothing else
		got, _ := schema.Dedupe(emails, list)
		if len(got) != n+4 {
			t.Errorf("%d values: Dedupe kept %d, want %d: %v", len(list), len(got), n+4, got[n:])
		}
	}
	k1, _ := emails.IdentityKey(map[string]any{"value": "ſam@x", "type": "work"})
	k2, _ := emails.IdentityKey(map[string]any{"value": "SAM@X", "type": "WORK"})
	if k1 != k2 {
		t.Errorf("IdentityKey differs for values strings.EqualFold finds equal: %q, %q", k1, k2)
	}
}

// FuzzIdentityKey: two strings have the same key exactly when
// strings.EqualFold says they are equal, the rule PATCH's comparisons use.
func FuzzIdentityKey(f *testing.F) {
	for _, s := range [][2]string{{"a", "A"}, {"ſ", "S"}, {"\u212A", "k"}, {"İ", "i"}, {"ǅ", "ǆ"}, {"Σ", "ς"}, {"x", "y"}} {
		f.Add(s[0], s[1])
	}
	tags := &schema.Attribute{Name: "tags", Type: schema.String, MultiValued: true}
	f.Fuzz(func(t *testing.T, x, y string) {
		if !utf8.ValidString(x) || !utf8.ValidString(y) {
			t.Skip() // decoding refuses invalid UTF-8
		}
		kx, _ := tags.IdentityKey(x)
		ky, _ := tags.IdentityKey(y)
		if (kx == ky) != strings.EqualFold(x, y) {
			t.Errorf("%q, %q: same key %v, EqualFold %v", x, y, kx == ky, strings.EqualFold(x, y))
		}
	})
}
