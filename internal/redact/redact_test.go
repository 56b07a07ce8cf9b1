package redact

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const secret = "Q2hhbmdlTWVQbGVhc2UxMjM0NTY3ODkwQUJDREVGR0g"

func TestNames(t *testing.T) {
	n := Names{"password": true}
	tests := []struct {
		in                 string
		has, path, anyPart bool
	}{
		{"password", true, true, true},
		{"PassWord", true, true, true},
		{"urn:ietf:params:scim:schemas:core:2.0:User:password", true, true, true},
		{"userName", false, false, false},
		{"", false, false, false},
		{"password[value eq \"x\"]", false, true, true},
		{"a.password", false, true, true},
		{`emails[type eq "work"].password`, false, true, false},
		{"urn:password:x:name", false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := [3]bool{n.Has(tt.in), n.Path(tt.in), n.AnyPart(tt.in)}
			if diff := cmp.Diff([3]bool{tt.has, tt.path, tt.anyPart}, got); diff != "" {
				t.Errorf("Has, Path, AnyPart (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIdentifierName(t *testing.T) {
	tests := map[string]bool{
		"userName": true, "DISPLAYNAME": true, "externalId": true, "id": true, "bulkId": true,
		"urn:ietf:params:scim:schemas:core:2.0:User:userName": true,
		"title": false, "value": false, "": false,
	}
	for k, want := range tests {
		if got := IdentifierName(k); got != want {
			t.Errorf("IdentifierName(%q) = %v, want %v", k, got, want)
		}
	}
}

func TestLooksLikeToken(t *testing.T) {
	log := Tokens{Prefix: "scimkit_", MinRun: 24}
	record := Tokens{Prefix: "scimkit_", MinRun: 20}
	tests := []struct {
		name, in    string
		log, record bool
	}{
		{"short", "abc", false, false},
		{"scimkit token", "scimkit_Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5", true, true},
		{"bearer", "Bearer abcdefghijklmnopqrstuvwxyz", true, true},
		{"bearer lower case, padded", "  bearer abcdefghijklmnopqrstuvwxyz ", true, true},
		{"jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", true, true},
		{"random secret", secret, true, true},
		{"base64url secret with separators", "Zm9vYmFyYmF6cXV4cXV1eGNvcmdl-Z3JhdWx0Z2FycGx5", true, true},
		{"run of 22 only for record", "Ab1cdefghijklmnopqrstu-vwxyzABCDEFGHIJKLMNOP", false, true},
		{"uuid", "2819c223-7f76-453a-919d-413861904646", false, false},
		{"validator user name", "Test_User_5c0f3c2e-4Ab9-4bBd-9c3E-0A1b2C3d4E5f", false, false},
		{"url", "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646", false, false},
		{"long lower case", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := [2]bool{log.LooksLikeToken(tt.in), record.LooksLikeToken(tt.in)}
			if diff := cmp.Diff([2]bool{tt.log, tt.record}, got); diff != "" {
				t.Errorf("log, record (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValue(t *testing.T) {
	n := Names{"password": true}
	tok := Tokens{Prefix: "scimkit_", MinRun: 24}
	keep := Rules{Name: n.Has, Path: n.Path, Token: tok.LooksLikeToken}
	drop := Rules{Name: n.Has, Path: n.AnyPart, Token: tok.LooksLikeToken, DropOperations: true}
	tests := []struct {
		name        string
		rules       Rules
		in, want    string
		wantChanged int
	}{
		{"password removed", keep, `{"userName":"bjensen","password":"t1meMa$heen"}`, `{"userName":"bjensen"}`, 1},
		{"password any case and depth", keep, `{"a":{"PassWord":"x","b":[{"password":"y","c":1}]}}`, `{"a":{"b":[{"c":1}]}}`, 2},
		{"patch value removed", keep, `{"Operations":[{"op":"replace","path":"password","value":"x"}]}`, `{"Operations":[{"op":"replace","path":"password"}]}`, 1},
		{"patch operation dropped", drop, `{"Operations":[{"op":"replace","path":"password","value":"x"},{"op":"add","path":"title","value":"t"}]}`, `{"Operations":[{"op":"add","path":"title","value":"t"}]}`, 1},
		{"operation outside an array", drop, `{"op":"replace","path":"password","value":"x"}`, `{"op":"replace","path":"password"}`, 1},
		{"patch value map", keep, `{"Operations":[{"op":"replace","value":{"password":"x","active":false}}]}`, `{"Operations":[{"op":"replace","value":{"active":false}}]}`, 1},
		{"token redacted", keep, `{"x":"` + secret + `"}`, `{"x":"[redacted]"}`, 1},
		{"identifiers kept", drop, `{"id":"` + secret + `","bulkId":"` + secret + `","externalId":"` + secret + `"}`, `{"bulkId":"` + secret + `","externalId":"` + secret + `","id":"` + secret + `"}`, 0},
		{"patch identifier value kept", keep, `{"Operations":[{"op":"replace","path":"externalId","value":"` + secret + `"}]}`, `{"Operations":[{"op":"replace","path":"externalId","value":"` + secret + `"}]}`, 0},
		{"patch other value redacted", keep, `{"Operations":[{"op":"replace","path":"title","value":"` + secret + `"}]}`, `{"Operations":[{"op":"replace","path":"title","value":"[redacted]"}]}`, 1},
		{"empty array kept", drop, `{"a":[]}`, `{"a":[]}`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in any
			if err := json.Unmarshal([]byte(tt.in), &in); err != nil {
				t.Fatal(err)
			}
			before, _ := json.Marshal(in)
			out, changed := tt.rules.Value(in)
			got, _ := json.Marshal(out)
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("Value (-want +got):\n%s", diff)
			}
			if changed != tt.wantChanged {
				t.Errorf("Value changed %d values, want %d", changed, tt.wantChanged)
			}
			if after, _ := json.Marshal(in); string(after) != string(before) {
				t.Errorf("Value changed its input: %s", after)
			}
		})
	}
}
