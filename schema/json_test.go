package schema_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/schema"
)

// marshalReference is the encoder AppendJSON replaced: one json.Marshal per
// member, in the same member order. AppendJSON must match it byte for byte.
func marshalReference(r *schema.Resource) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	field := func(name string, v any) error {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(name)
		b.Write(k)
		b.WriteByte(':')
		data, err := json.Marshal(v)
		b.Write(data)
		return err
	}
	var err error
	if len(r.Schemas) > 0 {
		err = field("schemas", r.Schemas)
	}
	if r.ID != "" && err == nil {
		err = field("id", r.ID)
	}
	if r.ExternalID != "" && err == nil {
		err = field("externalId", r.ExternalID)
	}
	for _, k := range slices.Sorted(maps.Keys(r.Attrs)) {
		if r.Attrs[k] != nil && err == nil {
			err = field(k, r.Attrs[k])
		}
	}
	if m := r.Meta.Map(); len(m) > 0 && err == nil {
		err = field("meta", m)
	}
	b.WriteByte('}')
	return b.Bytes(), err
}

// checkAppendJSON compares AppendJSON with marshalReference (bytes and
// error) and, when the common attributes are not also in Attrs, with
// json.Marshal of the equivalent map (decoded value).
func checkAppendJSON(t *testing.T, r *schema.Resource) {
	t.Helper()
	want, wantErr := marshalReference(r)
	prefix := []byte("prefix")
	got, err := r.AppendJSON(prefix)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("AppendJSON error = %v, encoding/json error = %v", err, wantErr)
	}
	if !bytes.HasPrefix(got, prefix) {
		t.Fatalf("AppendJSON overwrote dst: %q", got)
	}
	if err != nil {
		if err.Error() != wantErr.Error() || len(got) != len(prefix) {
			t.Fatalf("AppendJSON = %q, %v; want %q, %v", got, err, prefix, wantErr)
		}
		return
	}
	got = got[len(prefix):]
	if !bytes.Equal(want, got) {
		t.Fatalf("AppendJSON differs from encoding/json:\nwant %s\ngot  %s", want, got)
	}
	m := maps.Clone(r.Attrs)
	for _, k := range []string{"schemas", "id", "externalId", "meta"} {
		if _, ok := m[k]; ok {
			return
		}
	}
	if m == nil {
		m = map[string]any{}
	}
	maps.DeleteFunc(m, func(_ string, v any) bool { return v == nil })
	if len(r.Schemas) > 0 {
		m["schemas"] = r.Schemas
	}
	if r.ID != "" {
		m["id"] = r.ID
	}
	if r.ExternalID != "" {
		m["externalId"] = r.ExternalID
	}
	if mm := r.Meta.Map(); len(mm) > 0 {
		m["meta"] = mm
	}
	ref, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(decodeJSON(t, ref), decodeJSON(t, got)); diff != "" {
		t.Fatalf("decoded AppendJSON differs from json.Marshal of the map (-want +got):\n%s", diff)
	}
}

func decodeJSON(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("invalid JSON %q: %v", data, err)
	}
	return v
}

var appendJSONCases = []struct {
	name string
	r    *schema.Resource
}{
	{"empty", &schema.Resource{}},
	{"common", &schema.Resource{ID: "1", ExternalID: "e<1>", Schemas: []string{schema.UserSchema, "urn:x"}}},
	{"meta", &schema.Resource{ID: "1", Meta: schema.Meta{ResourceType: "User", Created: time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.FixedZone("x", 3600)),
		LastModified: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), Location: "https://h/Users/1?a=b&c", Version: `W/"3"`}}},
	{"meta only version", &schema.Resource{Meta: schema.Meta{Version: `W/"a"`}}},
	{"escapes", &schema.Resource{Attrs: map[string]any{
		"html": "<script>&amp;</script>", "ctl": "\x00\x01\b\f\n\r\t\x1f\x7f\"\\/", "sep": "a\u2028b\u2029c",
		"bad": "\xff\xfe a \xe2\x82 \xed\xa0\x80", "uni": "é漢字🙂\ufffd", "k<&>\n": "key escaped"}}},
	{"scalars", &schema.Resource{Attrs: map[string]any{"t": true, "f": false, "i": int64(-9223372036854775808), "n": nil,
		"d": 3.5, "z": 0.0, "negz": math.Copysign(0, -1), "small": 1e-7, "tiny": 5e-324, "big": 1e21, "justbelow": 999999999999999999999.0,
		"edge": 1e-6, "neg": -1.25e-9, "max": math.MaxFloat64}}},
	{"nested", &schema.Resource{Attrs: map[string]any{
		"name":                      map[string]any{"givenName": "B", "familyName": "J", "middle": nil},
		"emails":                    []any{map[string]any{"value": "b@x", "primary": true}, nil, []any{}, map[string]any{}},
		schema.EnterpriseUserSchema: map[string]any{"manager": map[string]any{"value": "m"}}}}},
	{"typed nil", &schema.Resource{Attrs: map[string]any{"m": map[string]any(nil), "a": []any(nil)}}},
	{"many keys", &schema.Resource{Attrs: func() map[string]any {
		m := map[string]any{}
		for i := range 100 {
			m[string(rune('A'+i%26))+string(rune('a'+i/26))] = int64(i)
		}
		return m
	}()}},
	{"other types", &schema.Resource{Attrs: map[string]any{"num": json.Number("-1.5e+10"), "empty": json.Number(""),
		"int": 7, "i32": int32(-7), "u64": uint64(math.MaxUint64), "u8": uint8(8), "f32": float32(0.1), "f32e": float32(1e-7),
		"strs": []string{"a", "<"}, "time": time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), "ptr": new(string), "sm": map[string]string{"b": "1", "a": "2"}}}},
	{"common keys in attrs", &schema.Resource{ID: "1", Attrs: map[string]any{"id": "2", "meta": "x"}}},
	{"NaN", &schema.Resource{Attrs: map[string]any{"x": map[string]any{"y": math.NaN()}}}},
	{"Inf", &schema.Resource{ID: "1", Attrs: map[string]any{"x": []any{math.Inf(-1)}}}},
	{"float32 Inf", &schema.Resource{Attrs: map[string]any{"x": float32(math.Inf(1))}}},
	{"bad number", &schema.Resource{Attrs: map[string]any{"x": json.Number("01")}}},
	{"unsupported", &schema.Resource{Attrs: map[string]any{"x": make(chan int)}}},
}

// TestAppendJSON checks AppendJSON against encoding/json, escaping and
// number formatting included.
func TestAppendJSON(t *testing.T) {
	for _, c := range appendJSONCases {
		t.Run(c.name, func(t *testing.T) { checkAppendJSON(t, c.r) })
	}
}

// TestAppendJSONFloats compares float formatting with encoding/json on
// random bit patterns and on the boundaries of its exponent rule.
func TestAppendJSONFloats(t *testing.T) {
	fs := []any{1e-6, math.Nextafter(1e-6, 0), 1e21, math.Nextafter(1e21, 0), float32(1e-6), float32(1e21),
		math.Nextafter32(1e21, 0), math.Nextafter32(1e-6, 0), 123456789.0, 0.000001234, 1e100, -1e-100}
	for i := uint64(0); i < 20000; i++ {
		bits := i * 0x9E3779B97F4A7C15
		fs = append(fs, math.Float64frombits(bits), math.Float32frombits(uint32(bits>>32)))
	}
	for _, f := range fs {
		checkAppendJSON(t, &schema.Resource{Attrs: map[string]any{"f": f}})
	}
}

// TestAppendJSONAllocs checks a typical user is written with no
// allocation into a buffer that is large enough.
func TestAppendJSONAllocs(t *testing.T) {
	r, err := schema.UserResourceType().Decode(fixture(t, "rfc7643-8.2.json"), schema.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r.ID, r.Meta = "1", schema.Meta{ResourceType: "User", Created: time.Now(), LastModified: time.Now(), Location: "/Users/1", Version: `W/"1"`}
	buf := make([]byte, 0, 64<<10)
	if n := testing.AllocsPerRun(100, func() { _, _ = r.AppendJSON(buf[:0]) }); n != 0 {
		t.Errorf("AppendJSON allocates %v times per call, want 0", n)
	}
}

// FuzzAppendJSON compares AppendJSON with encoding/json on resources
// decoded from doc by UnmarshalJSON, with attributes generated from raw
// added: strings of arbitrary bytes, float bits, integers, nesting.
func FuzzAppendJSON(f *testing.F) {
	for _, c := range appendJSONCases {
		if doc, err := json.Marshal(c.r); err == nil {
			f.Add(doc, []byte(c.name))
		}
	}
	for name := range fixtureTypes() {
		f.Add(fixture(f, name), []byte{0x03, 0xff, 0x10, 0x2f, 0x80})
	}
	f.Add([]byte(`{}`), []byte("\x05\x04\x07\x00\x00\x00\x00\x00\x00\xf0\x7f\xe2\x80\xa8<"))
	f.Fuzz(func(t *testing.T, doc, raw []byte) {
		var r schema.Resource
		if json.Unmarshal(doc, &r) != nil {
			r = schema.Resource{Attrs: map[string]any{}}
		}
		g := &valueGen{raw: raw}
		for len(g.raw) > 0 {
			r.Attrs[g.string()] = g.value(0)
		}
		r.Meta.Created = time.Unix(int64(int32(g.uint64())), int64(g.uint64()%1e9))
		checkAppendJSON(t, &r)
	})
}

// valueGen turns fuzz bytes into attribute values of every type.
type valueGen struct{ raw []byte }

func (g *valueGen) byte() byte {
	if len(g.raw) == 0 {
		return 0
	}
	b := g.raw[0]
	g.raw = g.raw[1:]
	return b
}

func (g *valueGen) uint64() uint64 {
	var b [8]byte
	n := copy(b[:], g.raw)
	g.raw = g.raw[n:]
	return binary.LittleEndian.Uint64(b[:])
}

func (g *valueGen) string() string {
	n := min(int(g.byte()%16), len(g.raw))
	s := string(g.raw[:n])
	g.raw = g.raw[n:]
	return s
}

func (g *valueGen) value(depth int) any {
	switch k := g.byte() % 12; {
	case k == 0:
		return nil
	case k == 1:
		return g.byte()%2 == 0
	case k == 2:
		return int64(g.uint64())
	case k == 3:
		return math.Float64frombits(g.uint64())
	case k == 4:
		return math.Float32frombits(uint32(g.uint64()))
	case k == 5:
		return json.Number(g.string())
	case k == 6 && depth < 4:
		m := map[string]any{}
		for range g.byte() % 4 {
			m[g.string()] = g.value(depth + 1)
		}
		return m
	case k == 7 && depth < 4:
		var a []any
		for range g.byte() % 4 {
			a = append(a, g.value(depth+1))
		}
		return a
	case k == 8:
		return float64(int64(g.uint64()) >> (g.byte() % 64))
	}
	return g.string()
}

// TestAppendJSONStringEveryPosition: a character that needs escaping (or a
// multi-byte one) is found wherever it stands among safe ones, in strings
// of every length around the 8-byte words AppendJSONString skips at once;
// the result is what encoding/json writes.
func TestAppendJSONStringEveryPosition(t *testing.T) {
	specials := []string{"\x00", "\x1f", " ", "\"", "\\", "<", ">", "&", "\x7f", "é", "\u2028", "\U0001F600", "\xff", "\xe2\x80"}
	for n := 0; n <= 19; n++ {
		for pos := 0; pos <= n; pos++ {
			for _, sp := range specials {
				s := strings.Repeat("a", pos) + sp + strings.Repeat("b", n-pos)
				want, err := json.Marshal(s)
				if err != nil {
					t.Fatal(err)
				}
				if got := schema.AppendJSONString(nil, s); string(got) != string(want) {
					t.Errorf("AppendJSONString(%q) = %s, want %s", s, got, want)
				}
			}
		}
	}
}
