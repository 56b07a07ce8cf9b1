package schema_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/schema"
)

func TestDecodeValue(t *testing.T) {
	integer := &schema.Attribute{Name: "n", Type: schema.Integer}
	decimal := &schema.Attribute{Name: "d", Type: schema.Decimal}
	boolean := &schema.Attribute{Name: "b", Type: schema.Boolean}
	date := &schema.Attribute{Name: "t", Type: schema.DateTime}
	binary := &schema.Attribute{Name: "bin", Type: schema.Binary}
	str := &schema.Attribute{Name: "s", Type: schema.String}
	tags := &schema.Attribute{Name: "tags", Type: schema.String, MultiValued: true}
	manager := schema.EnterpriseUser().Attribute("manager")
	coerce := schema.DecodeOptions{CoerceStrings: true}
	num := func(s string) json.Number { return json.Number(s) }
	tests := []struct {
		name string
		a    *schema.Attribute
		v    any
		opts schema.DecodeOptions
		want any
		err  error
	}{
		{"int", integer, num("42"), schema.DecodeOptions{}, int64(42), nil},
		{"int negative", integer, num("-9223372036854775808"), schema.DecodeOptions{}, int64(-9223372036854775808), nil},
		{"int 1.0", integer, num("1.0"), schema.DecodeOptions{}, int64(1), nil},
		{"int 1.50e1", integer, num("1.50e1"), schema.DecodeOptions{}, int64(15), nil},
		{"int 0e5", integer, num("0e5"), schema.DecodeOptions{}, int64(0), nil},
		{"int 1.5", integer, num("1.5"), schema.DecodeOptions{}, nil, schema.ErrInvalidValue},
		{"int 15e-1", integer, num("15e-1"), schema.DecodeOptions{}, nil, schema.ErrInvalidValue},
		{"int 1e400", integer, num("1e400"), schema.DecodeOptions{}, nil, schema.ErrInvalidValue},
		{"int 1e-400", integer, num("1e-400"), schema.DecodeOptions{}, nil, schema.ErrInvalidValue},
		{"int huge exponent", integer, num("1e999999999999999999999"), schema.DecodeOptions{}, nil, schema.ErrInvalidValue},
		{"int overflow", integer, num("9223372036854775808"), schema.DecodeOptions{}, nil, schema.ErrInvalidValue},
		{"int float64", integer, 3.0, schema.DecodeOptions{}, int64(3), nil},
		{"int float64 2^63", integer, 9223372036854775808.0, schema.DecodeOptions{}, nil, schema.ErrInvalidValue},
		{"int string strict", integer, "42", schema.DecodeOptions{}, nil, schema.ErrInvalidValue},
		{"int string coerced", integer, "42", coerce, int64(42), nil},
		{"int bad string coerced", integer, "0x10", coerce, nil, schema.ErrInvalidValue},
		{"decimal", decimal, num("4.25"), schema.DecodeOptions{}, 4.25, nil},
		{"decimal from int", decimal, num("4"), schema.DecodeOptions{}, 4.0, nil},
		{"decimal 1e400", decimal, num("1e400"), schema.DecodeOptions{}, nil, schema.ErrInvalidValue},
		{"decimal string coerced", decimal, "4.2", coerce, 4.2, nil},
		{"decimal NaN string", decimal, "NaN", coerce, nil, schema.ErrInvalidValue},
		{"bool", boolean, true, schema.DecodeOptions{}, true, nil},
		{"bool True coerced", boolean, "True", coerce, true, nil},
		{"bool false coerced", boolean, "false", coerce, false, nil},
		{"bool yes coerced", boolean, "yes", coerce, nil, schema.ErrInvalidValue},
		{"bool number", boolean, num("1"), coerce, nil, schema.ErrInvalidValue},
		{"dateTime", date, "2008-01-23T04:56:22Z", schema.DecodeOptions{}, "2008-01-23T04:56:22Z", nil},
		{"dateTime offset", date, "2008-01-23T04:56:22.123+02:00", schema.DecodeOptions{}, "2008-01-23T04:56:22.123+02:00", nil},
		{"dateTime bad", date, "yesterday", schema.DecodeOptions{}, nil, schema.ErrInvalidValue},
		{"binary", binary, "aGVsbG8=", schema.DecodeOptions{}, "aGVsbG8=", nil},
		{"binary unpadded", binary, "aGVsbG8", schema.DecodeOptions{}, "aGVsbG8", nil},
		{"binary bad", binary, "a*b", schema.DecodeOptions{}, nil, schema.ErrInvalidValue},
		{"string number strict", str, num("12345"), schema.DecodeOptions{}, nil, schema.ErrInvalidValue},
		{"string number coerced", str, num("12345"), coerce, "12345", nil},
		{"multi single wrapped", tags, "a", schema.DecodeOptions{}, []any{"a"}, nil},
		{"multi nulls dropped", tags, []any{nil, "a", nil}, schema.DecodeOptions{}, []any{"a"}, nil},
		{"multi all null", tags, []any{nil}, schema.DecodeOptions{}, nil, nil},
		{"multi nested array", tags, []any{[]any{"a"}}, schema.DecodeOptions{}, nil, schema.ErrInvalidValue},
		{"single array strict", str, []any{"a"}, schema.DecodeOptions{}, nil, schema.ErrInvalidValue},
		{"single one-element array coerced", str, []any{"a"}, coerce, "a", nil},
		{"complex bare value strict", manager, "id1", schema.DecodeOptions{}, nil, schema.ErrInvalidValue},
		{"complex bare value coerced (Entra manager)", manager, "id1", coerce, map[string]any{"value": "id1"}, nil},
		{"complex value sub-attribute is an object", manager, map[string]any{"value": map[string]any{"x": "y"}}, coerce, nil, schema.ErrInvalidValue},
		{"complex bare value, no value sub-attribute", schema.User().Attribute("name"), "Babs", coerce, nil, schema.ErrInvalidValue},
		{"complex one-element array strict", manager, []any{map[string]any{"value": "id1"}}, schema.DecodeOptions{}, nil, schema.ErrInvalidValue},
		{"complex one-element array coerced (Entra legacy manager)", manager, []any{map[string]any{"Value": "id1", "$Ref": nil}}, coerce, map[string]any{"value": "id1"}, nil},
		{"complex two-element array", manager, []any{map[string]any{"value": "1"}, map[string]any{"value": "2"}}, coerce, nil, schema.ErrInvalidValue},
		{"complex empty", manager, map[string]any{"value": nil}, schema.DecodeOptions{}, nil, nil},
		{"complex unknown sub ignored", manager, map[string]any{"value": "x", "foo": "y"}, schema.DecodeOptions{}, map[string]any{"value": "x"}, nil},
		{"complex unknown sub rejected", manager, map[string]any{"value": "x", "foo": "y"}, schema.DecodeOptions{Unknown: schema.RejectUnknown}, nil, schema.ErrInvalidSyntax},
		{"complex sub object", manager, map[string]any{"value": map[string]any{}}, schema.DecodeOptions{}, nil, schema.ErrInvalidValue},
		{"complex case duplicates agree", manager, map[string]any{"value": "x", "VALUE": "x"}, schema.DecodeOptions{}, map[string]any{"value": "x"}, nil},
		{"complex case duplicates conflict", manager, map[string]any{"value": "x", "VALUE": "y"}, schema.DecodeOptions{}, nil, schema.ErrInvalidSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := schema.DecodeValue(tt.a, tt.v, tt.a.Name, tt.opts)
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("DecodeValue error = %v, want %v", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DecodeValue (-want +got):\n%s", diff)
			}
		})
	}
}
