package backend

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/scimkit/scimkit/schema"
)

// marshalValues are attribute values marshal must encode as marshalStd
// (encoding/json without HTML escaping) does.
var marshalValues = []any{
	map[string]any{"userName": "bjensen", "active": true, "n": int64(-3), "f": 2.5, "big": 1e21, "small": 1e-7,
		"num": json.Number("12.50"), "nil": nil, "emails": []any{map[string]any{"value": "a@b", "primary": false}}},
	map[string]any{"html": "<b>&amp;</b>", "quote": `a"b\c`, "ctl": "a\nb\u0001", "ls": "x\u2028y", "bad": "a\xffb"},
	// Escapes both encoders write alike, without HTML or \u00XX: kept
	// from AppendJSONValue.
	map[string]any{"quote": `a"b\c`, "nl": "a\nb\r\tc", "bf": "\b\f", "ls": "x\u2028y\u2029", "bad": "a\xffb"},
	map[string]any{"é": "José", "": "", "<k>": 1.0, "emptyMap": map[string]any{}, "emptyList": []any{}},
	map[string]any{"nan": math.NaN()},
	map[string]any{"badNumber": json.Number("1x")},
	[]any{float64(1 << 53), math.Copysign(0, -1), 123456789.0, 0.000001},
	"plain",
}

func TestMarshal(t *testing.T) {
	for _, v := range marshalValues {
		checkMarshal(t, v)
	}
}

func checkMarshal(t *testing.T, v any) {
	t.Helper()
	want, wantErr := marshalStd(v)
	got, err := marshal(v)
	if (err != nil) != (wantErr != nil) || !bytes.Equal(got, want) {
		t.Errorf("marshal(%#v) = %s, %v; want %s, %v", v, got, err, want, wantErr)
	}
}

func FuzzMarshal(f *testing.F) {
	for _, v := range marshalValues {
		if b, err := marshalStd(v); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := schema.DecodeJSON(data)
		if err != nil {
			return
		}
		checkMarshal(t, v)
	})
}

// BenchmarkMarshal compares marshal with encoding/json on a user's
// attributes.
func BenchmarkMarshal(b *testing.B) {
	v, err := schema.DecodeJSON([]byte(`{"userName":"bjensen@example.com","name":{"givenName":"Barbara","familyName":"Jensen","formatted":"Ms. Barbara J Jensen III"},` +
		`"emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@jensen.org","type":"home"}],"active":true,"title":"Tour Guide",` +
		`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"701984","costCenter":"4130","department":"Tour Operations"}}`))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("marshal", func(b *testing.B) {
		for b.Loop() {
			marshal(v)
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			marshalStd(v)
		}
	})
}
