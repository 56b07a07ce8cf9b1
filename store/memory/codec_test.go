package memory

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

var codecAttrs = []map[string]any{
	{},
	{"userName": "bjensen@example.com", "active": true, "x": int64(-7), "f": 1.5,
		"emails": []any{
			map[string]any{"value": "bjensen@example.com", "type": "work", "primary": true},
			map[string]any{"value": "babs@example.org", "type": "home"},
		},
		"name":        map[string]any{"givenName": "Barbara", "formatted": "Barbara Jensen"},
		"displayName": "Barbara Jensen",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{
			"department": "Sales", "manager": map[string]any{"value": "work"}},
	},
	{"type": []any{"a", "abcd", "abcd", "work"}, "abc": "abc", "abcd": "abcd", "k": []any{"abcd", "type"}},
	{"a": "x@example.com", "b": "x@example.com", "c": "y@example.com", "d": "@example.com", "e": "z@abc",
		"f": "a@b@example.com", "g": "@", "h": "me@", "i": []any{"p@home.example.org", "p@home.example.org"}},
}

// TestCodec: attributes and schema masks decode to themselves, shared
// strings and dictionary values included, and equal attributes encode to
// equal bytes whatever the state of the dictionaries.
func TestCodec(t *testing.T) {
	st := &state{}
	var first []string
	for pass := range 2 {
		for i, attrs := range codecAttrs {
			mask := uint32(1) << (i * 10) // 1, 1<<10, 1<<20, 1<<30
			b, err := st.encode(mask, attrs)
			if err != nil {
				t.Fatalf("encode %d: %v", i, err)
			}
			if got := docMask(b); got != mask {
				t.Errorf("docMask %d = %#x, want %#x", i, got, mask)
			}
			got, err := st.dict.decodeAttrs(b)
			if err != nil {
				t.Fatalf("decode %d: %v", i, err)
			}
			if diff := cmp.Diff(attrs, got); diff != "" {
				t.Errorf("attrs %d (-want +got):\n%s", i, diff)
			}
			if pass == 0 {
				first = append(first, b)
			} else if diff := cmp.Diff(first[i], b); diff != "" {
				t.Errorf("attrs %d encode differently the second time (-first +second):\n%s", i, diff)
			}
		}
	}
}

// FuzzDecodeAttrs: a corrupt encoding is an error, never a panic, and
// strings round-trip in every position.
func FuzzDecodeAttrs(f *testing.F) {
	st := &state{}
	for _, attrs := range codecAttrs {
		b, _ := st.encode(3, attrs)
		f.Add([]byte(b), "abcd", "type")
	}
	f.Fuzz(func(t *testing.T, b []byte, s, k string) {
		st.dict.decodeAttrs(string(b))
		attrs := map[string]any{k: s, "type": s, "v": []any{s, s}, "m": map[string]any{k: s},
			"i": int64(len(b)) - 1<<62, "f": float64(len(s)) / 3}
		enc, err := st.encode(7, attrs)
		if err != nil {
			t.Fatal(err)
		}
		got, err := st.dict.decodeAttrs(enc)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(attrs, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}
