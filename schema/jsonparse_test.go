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

var defaultMembersCases = []struct {
	obj  string
	want bool
}{
	{`{}`, true},
	{`{"userName":"bjensen","active":true,"emails":[{"value":"b@example.com","primary":true}],"name":{"givenName":"B"}}`, true},
	{` { "userName" : "b" , "x-unknown" : [1, {"a": null}] } `, true},
	{`{"userName":"b","password":"secret"}`, false},
	{`{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Sales","manager":{"value":"m"}}}`, true},
	{`{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{}}`, false},
	{`{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":"x"}`, false},
	{`{"urn:ietf:params:scim:schemas:core:2.0:User":{"userName":"x"}}`, false},
	{`{"userName":"b"`, false}, {`{"userName":"b"}x`, false}, {`[]`, false}, {`{"a":"\x"}`, false}, {`{"a":01}`, false},
	{"{\"a\":\"\x01\"}", false},
	{`{"a":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}`, true},
	{`{"a":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`, false},
	{`{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:user":{"department":"x"}}`, false}, {`{"a":"\u00e9\ud83d\ude00"}`, true}, {`{"a":[1,2,]}`, false}, {`{"a":{"b":1,}}`, false},
}

// TestDefaultMembers: AppendDefaultMembers appends a stored object's members
// exactly when Project would leave them all as they are.
func TestDefaultMembers(t *testing.T) {
	rt := UserResourceType()
	for _, tc := range defaultMembersCases {
		got, ok := rt.AppendDefaultMembers([]byte("x"), []byte(tc.obj), nil)
		if ok != tc.want || !ok && string(got) != "x" || ok && got[0] != 'x' {
			t.Errorf("AppendDefaultMembers(%s) = %q, %v; want ok %v, after the prefix", tc.obj, got, ok, tc.want)
			continue
		}
		got = got[1:]
		if ok {
			checkDefaultMembers(t, rt, []byte(tc.obj), got)
		}
	}
}

// checkDefaultMembers checks members against the default projection of
// obj's attributes.
func checkDefaultMembers(t *testing.T, rt *ResourceType, obj, members []byte) {
	t.Helper()
	v, err := DecodeJSON(obj)
	if err != nil {
		t.Fatalf("AppendDefaultMembers accepted %q, which does not decode: %v", obj, err)
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		t.Fatalf("AppendDefaultMembers accepted %q, not an object", obj)
	}
	want, err := rt.Project(&Resource{Attrs: m}, nil, nil).AppendJSON(nil)
	if err != nil {
		t.Skip("the projection does not encode:", err)
	}
	got, err := DecodeJSON(append(append([]byte{'{'}, members...), '}'))
	if err != nil {
		t.Fatalf("members %q are not valid object members: %v", members, err)
	}
	wantV, _ := DecodeJSON(want)
	if !reflect.DeepEqual(got, wantV) {
		t.Errorf("AppendDefaultMembers(%s) = %s; the projection is %s", obj, members, want)
	}
}

// FuzzDefaultMembers: whatever AppendDefaultMembers accepts is a valid object
// whose default projection is its members unchanged.
func FuzzDefaultMembers(f *testing.F) {
	for _, tc := range defaultMembersCases {
		f.Add([]byte(tc.obj))
	}
	rt := UserResourceType()
	f.Fuzz(func(t *testing.T, obj []byte) {
		if members, ok := rt.AppendDefaultMembers(nil, obj, nil); ok {
			checkDefaultMembers(t, rt, obj, members)
		}
		// Omitting "schemas" (a store's bookkeeping) leaves what
		// omitting it from the object first would.
		if members, ok := rt.AppendDefaultMembers(nil, obj, func(k string, _ []byte) bool { return k == "schemas" }); ok {
			v, _ := DecodeJSON(obj)
			m, _ := v.(map[string]any)
			delete(m, "schemas")
			plain, err := AppendJSONValue(nil, m)
			if err != nil {
				return
			}
			checkDefaultMembers(t, rt, plain, members)
		}
	})
}

// TestAppendDefaultMembersOmit: omitted top-level members are left out
// wherever they are, with the commas right, and omit sees their values.
func TestAppendDefaultMembersOmit(t *testing.T) {
	rt := UserResourceType()
	var seen []string
	omit := func(k string, v []byte) bool {
		if k == "schemas" {
			seen = append(seen, string(v))
		}
		return k == "schemas"
	}
	for in, want := range map[string]string{
		`{"schemas":["s"],"userName":"a","active":true}`: `"userName":"a","active":true`,
		`{"userName":"a","schemas":["s"],"active":true}`: `"userName":"a","active":true`,
		`{"userName":"a","active":true,"schemas":["s"]}`: `"userName":"a","active":true`,
		`{"schemas":["s"]}`:    ``,
		`{ "userName" : "a" }`: `"userName" : "a"`,
	} {
		seen = nil
		got, ok := rt.AppendDefaultMembers(nil, []byte(in), omit)
		if !ok || string(got) != want {
			t.Errorf("AppendDefaultMembers(%s) = %q, %v; want %q", in, got, ok, want)
		}
		if strings.Contains(in, `"schemas"`) && (len(seen) != 1 || seen[0] != `["s"]`) {
			t.Errorf("AppendDefaultMembers(%s): omit saw schemas %q, want [\"s\"] once", in, seen)
		}
	}
}
