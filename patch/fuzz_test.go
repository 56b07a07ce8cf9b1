package patch_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scimkit/patch"
	"github.com/scimkit/scimkit/schema"
)

// fuzzSeeds returns the bodies of the table tests.
func fuzzSeeds() []string {
	var seeds []string
	for _, c := range rfcCases() {
		seeds = append(seeds, c.body)
	}
	for _, c := range quirkCases() {
		seeds = append(seeds, c.body)
	}
	return append(seeds,
		body(`{"op":"add","path":"emails[type eq \"work\"].primary","value":true}`),
		body(`{"op":"replace","path":"members[value eq \"u1\"].display","value":"x"}`),
		body(`{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}`),
		body(`{"op":"add","path":"x509Certificates","value":[{"value":"TUlJ"}]}`),
		body(`{"op":"add","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m"}}}}`),
		`{"Operations":[{"op":"remove","path":"emails[not (type eq \"work\")]"}]}`,
		`[]`, `null`, `{"Operations":{}}`,
	)
}

// FuzzParse: Parse never panics, returns a *schema.Error on failure, and
// what it accepts applies to a user and a group without panicking.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	user := rfcUserResource(f)
	group := resource(f, groupType, rfcGroup)
	f.Fuzz(func(t *testing.T, b string) {
		for _, rt := range []*schema.ResourceType{userType, groupType} {
			for _, d := range []patch.Dialect{patch.DialectDefault, patch.DialectStrict} {
				p, err := patch.Parse(rt, []byte(b), patch.Config{Dialect: d})
				if err != nil {
					if _, ok := err.(*schema.Error); !ok {
						t.Fatalf("Parse error %T is not a *schema.Error: %v", err, err)
					}
					continue
				}
				r := user
				if rt == groupType {
					r = group
				}
				_, _, _ = p.Apply(r)
				_, _, _ = p.Members("members")
			}
		}
	})
}

// FuzzApply applies arbitrary operations to the RFC 7643 §8.2 user and to
// a group: Apply never panics and never modifies its input; a result
// passes Validate(ModePatch) and survives a JSON round trip through
// Decode.
func FuzzApply(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s, false)
		f.Add(s, true)
	}
	user := rfcUserResource(f)
	group := resource(f, groupType, rfcGroup)
	f.Fuzz(func(t *testing.T, b string, isGroup bool) {
		rt, r := userType, user
		if isGroup {
			rt, r = groupType, group
		}
		p, err := patch.Parse(rt, []byte(b), patch.Config{})
		if err != nil {
			return
		}
		checkApply(t, rt, p, r)
	})
}

// checkApply applies p to r: Apply must not modify r, must fail only with
// a *schema.Error, and must otherwise return a summary and a result that
// passes Validate(ModePatch) and survives a JSON round trip through Decode.
func checkApply(t *testing.T, rt *schema.ResourceType, p *patch.Patch, r *schema.Resource) {
	t.Helper()
	snapshot := r.Clone()
	out, sum, err := p.Apply(r)
	if d := cmp.Diff(snapshot, r); d != "" {
		t.Fatalf("Apply modified its input (-before +after):\n%s", d)
	}
	if err != nil {
		if _, ok := err.(*schema.Error); !ok {
			t.Fatalf("Apply error %T is not a *schema.Error: %v", err, err)
		}
		return
	}
	if sum == nil {
		t.Fatal("no summary")
	}
	if _, err := rt.Validate(schema.ModePatch, r, out, schema.DecodeOptions{CoerceStrings: true}); err != nil {
		t.Fatalf("result fails Validate: %v\n%s", err, mustJSON(t, out))
	}
	data, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	back, err := rt.Decode(data, schema.DecodeOptions{})
	if err != nil {
		t.Fatalf("result does not decode: %v\n%s", err, data)
	}
	if d := cmp.Diff(out.Attrs, back.Attrs); d != "" {
		t.Fatalf("JSON round trip differs (-applied +decoded):\n%s", d)
	}
}

func rfcUserResource(t testing.TB) *schema.Resource {
	data, err := os.ReadFile("../schema/testdata/rfc7643-8.2.json")
	if err != nil {
		t.Fatal(err)
	}
	return resource(t, userType, string(data))
}

// FuzzApplyOp is FuzzApply with one structured operation, so that the
// fuzzer explores paths and values rather than JSON syntax.
func FuzzApplyOp(f *testing.F) {
	seeds := [][3]string{
		{"add", "members", `[{"value":"u9","display":"Nine"}]`},
		{"remove", `members[value eq "2819c223-7f76-453a-919d-413861904646"]`, ``},
		{"Remove", "members", `[{"value":"902c246b-6245-4190-8e05-00816be7344a"}]`},
		{"replace", `emails[type eq "work"].value`, `"x@example.com"`},
		{"replace", `addresses[type eq "home"]`, `{"streetAddress":"1 Main"}`},
		{"add", `emails`, `{"value":"y@example.com","primary":true}`},
		{"replace", "", `{"name.givenName":"A","active":"False","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":"m"}`},
		{"remove", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[value eq "m"]`, ``},
		{"add", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", `{"employeeNumber":"1"}`},
		{"replace", "phoneNumbers[type eq \"mobile\" and primary eq true].value", `"1"`},
		{"remove", "emails.primary", ``},
		{"replace", "schemas", `["urn:ietf:params:scim:schemas:core:2.0:User"]`},
		{"add", "x509Certificates", `[{"value":"TUlJ"}]`},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2], false, false)
		f.Add(s[0], s[1], s[2], true, true)
	}
	user := rfcUserResource(f)
	group := resource(f, groupType, rfcGroup)
	f.Fuzz(func(t *testing.T, op, path, value string, isGroup, strict bool) {
		o := map[string]any{"op": op}
		if path != "" {
			o["path"] = path
		}
		if value != "" {
			if !json.Valid([]byte(value)) {
				return
			}
			o["value"] = json.RawMessage(value)
		}
		b, err := json.Marshal(map[string]any{"schemas": []string{schema.PatchOpSchema}, "Operations": []any{o}})
		if err != nil {
			return
		}
		rt, r := userType, user
		if isGroup {
			rt, r = groupType, group
		}
		d := patch.DialectDefault
		if strict {
			d = patch.DialectStrict
		}
		p, err := patch.Parse(rt, b, patch.Config{Dialect: d})
		if err != nil {
			return
		}
		checkApply(t, rt, p, r)
	})
}
