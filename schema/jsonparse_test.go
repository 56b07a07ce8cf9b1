package schema

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"
)

// stdParse is what scanJSON stands in for: encoding/json with UseNumber,
// one value and nothing after it.
func stdParse(data []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return v, true
}

var jsonParseCases = []string{
	`{}`, `[]`, ` {"a" : 1 } `, `{"a":1,"a":2}`, `"x"`, `0`, `-0`, `-0.5e+10`, `1E5`, `01`, `1.`, `.5`, `-`, `1e`, `+1`,
	`{"a":[1,2,{"b":null}],"c":true,"d":false}`, `{"a":"\u00e9\ud83d\ude00\n\t\"\\\/"}`, `{"a":"\ud83d"}`, `{"a":"\ud83dx"}`,
	`{"a":"\ud83d\u0041"}`, `{"a":"\udc00\ud83d"}`, `{"a":"\uZZZZ"}`, `{"a":"\x"}`, "{\"a\":\"\x01\"}", "{\"a\":\"\xff\xfe\"}",
	"{\"a\":\"ok\xed\xa0\x80\"}", `{"a":1}x`, `{"a":1} {}`, `{"a":1,}`, `[1,]`, `{"a" 1}`, `{a:1}`, `nul`, `true`, `tru`, ``, ` `,
	`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen@example.com","name":{"givenName":"Barbara"},"emails":[{"value":"b@example.com","primary":true}]}`,
	"\ufeff{}", "{}\x00", `{"a":"` + strings.Repeat("é", 100) + `"}`,
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001), strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
}

// TestScanJSON: scanJSON accepts what encoding/json accepts here (all
// of these cases) and gives the same value.
func TestScanJSON(t *testing.T) {
	for _, in := range jsonParseCases {
		want, wantOK := stdParse([]byte(in))
		got, ok := scanJSON([]byte(in))
		if ok != wantOK || !reflect.DeepEqual(got, want) {
			t.Errorf("scanJSON(%.60q) = %v, %v; encoding/json: %v, %v", in, got, ok, want, wantOK)
		}
	}
}

// FuzzScanJSON: whatever scanJSON accepts, encoding/json accepts and
// parses to the same value.
func FuzzScanJSON(f *testing.F) {
	for _, in := range jsonParseCases {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := scanJSON(data)
		if !ok {
			return
		}
		want, wantOK := stdParse(data)
		if !wantOK {
			t.Fatalf("scanJSON accepted %q, encoding/json rejects it", data)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("scanJSON(%q) = %#v, encoding/json %#v", data, got, want)
		}
	})
}
