package schema

import (
	"testing"
	"unsafe"
)

// TestScanJSONSharesNames: keys and string values that are names of the
// built-in schemas (jsonNames) are the table's strings, not copies, and
// other strings are parsed as usual.
func TestScanJSONSharesNames(t *testing.T) {
	v, ok := scanJSON([]byte(`{"schemas":["` + UserSchema + `"],"emails":[{"type":"work","value":"a@example.com"}],"userName":"bjensen"}`))
	if !ok {
		t.Fatal("scanJSON refused a valid body")
	}
	names := jsonNames()
	shared := func(s string) bool {
		n, ok := names[s].(string)
		return ok && unsafe.StringData(n) == unsafe.StringData(s)
	}
	m := v.(map[string]any)
	for k := range m {
		if !shared(k) {
			t.Errorf("key %q is a copy, want the jsonNames string", k)
		}
	}
	if s := m["schemas"].([]any)[0].(string); !shared(s) {
		t.Errorf("schemas[0] %q is a copy, want the jsonNames string", s)
	}
	email := m["emails"].([]any)[0].(map[string]any)
	if s := email["type"].(string); !shared(s) {
		t.Errorf("emails[0].type %q is a copy, want the jsonNames string", s)
	}
	if email["value"] != "a@example.com" || m["userName"] != "bjensen" {
		t.Errorf("other strings = %q, %q; want a@example.com, bjensen", email["value"], m["userName"])
	}
}
