package patch_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/scimkit/scimkit/patch"
	"github.com/scimkit/scimkit/schema"
)

// applyCase is one table-driven PATCH test: a resource before, a body,
// and either the resource after plus its summary, or an error prototype.
type applyCase struct {
	name    string
	group   bool   // Group resource type instead of User
	before  string // JSON resource
	body    string
	dialect patch.Dialect
	want    string // JSON resource after; "" with err
	err     *schema.Error
	sum     *patch.Summary // nil: not checked
}

func runApply(t *testing.T, cases []applyCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rt := userType
			if tc.group {
				rt = groupType
			}
			before := resource(t, rt, tc.before)
			snapshot := before.Clone()
			got, sum, err := applyBody(rt, before, tc.body, tc.dialect)
			if d := cmp.Diff(snapshot, before); d != "" {
				t.Fatalf("Apply modified its input (-before +after):\n%s", d)
			}
			if checkErr(t, tc.err, err) {
				if got != nil || sum != nil {
					t.Errorf("error with a result: %v %v", got, sum)
				}
				return
			}
			diffResource(t, resource(t, rt, tc.want), got)
			if tc.sum != nil {
				if d := cmp.Diff(tc.sum, sum, cmpopts.EquateEmpty()); d != "" {
					t.Errorf("summary mismatch (-want +got):\n%s", d)
				}
			}
		})
	}
}

const (
	bjensen = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"2819c223","userName":"bjensen",
		"name":{"givenName":"Barbara","familyName":"Jensen"},
		"emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@jensen.org","type":"home"}]}`
	group3 = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g1","displayName":"Tour Guides",
		"members":[{"value":"u1","display":"One"},{"value":"u2","display":"Two"},{"value":"u3"}]}`
)

func TestApplyCore(t *testing.T) {
	runApply(t, []applyCase{
		{
			name:   "add single-valued replaces",
			before: bjensen,
			body:   body(`{"op":"add","path":"userName","value":"babs"}`),
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"babs","name":{"givenName":"Barbara","familyName":"Jensen"},
				"emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@jensen.org","type":"home"}]}`,
			sum: &patch.Summary{Paths: []string{"userName"}},
		},
		{
			name:   "add sub-attribute creates complex",
			before: `{"userName":"a"}`,
			body:   body(`{"op":"add","path":"name.givenName","value":"Ann"}`),
			want:   `{"userName":"a","name":{"givenName":"Ann"}}`,
			sum:    &patch.Summary{Paths: []string{"name.givenName"}},
		},
		{
			name:   "add complex merges",
			before: bjensen,
			body:   body(`{"op":"add","path":"name","value":{"middleName":"J"}}`),
			want: `{"userName":"bjensen","name":{"givenName":"Barbara","familyName":"Jensen","middleName":"J"},
				"emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@jensen.org","type":"home"}]}`,
			sum: &patch.Summary{Paths: []string{"name.middleName"}},
		},
		{
			name:   "replace complex keeps unspecified sub-attributes",
			before: bjensen,
			body:   body(`{"op":"replace","path":"name","value":{"givenName":"Babs"}}`),
			want: `{"userName":"bjensen","name":{"givenName":"Babs","familyName":"Jensen"},
				"emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@jensen.org","type":"home"}]}`,
			sum: &patch.Summary{Paths: []string{"name.givenName"}},
		},
		{
			name:   "add existing email is a no-op",
			before: bjensen,
			body:   body(`{"op":"add","path":"emails","value":[{"value":"BJENSEN@example.com","type":"work"}]}`),
			want:   bjensen,
			sum:    &patch.Summary{},
		},
		{
			name:   "add primary email clears other primary",
			before: bjensen,
			body:   body(`{"op":"add","path":"emails","value":[{"value":"new@example.com","type":"other","primary":true}]}`),
			want: `{"userName":"bjensen","name":{"givenName":"Barbara","familyName":"Jensen"},
				"emails":[{"value":"bjensen@example.com","type":"work","primary":false},{"value":"babs@jensen.org","type":"home"},{"value":"new@example.com","type":"other","primary":true}]}`,
			sum: &patch.Summary{Paths: []string{"emails"}},
		},
		{
			name:   "replace filtered primary clears other primary",
			before: bjensen,
			body:   body(`{"op":"replace","path":"emails[type eq \"home\"].primary","value":true}`),
			want: `{"userName":"bjensen","name":{"givenName":"Barbara","familyName":"Jensen"},
				"emails":[{"value":"bjensen@example.com","type":"work","primary":false},{"value":"babs@jensen.org","type":"home","primary":true}]}`,
		},
		{
			name:   "replace filtered sub-attribute",
			before: bjensen,
			body:   body(`{"op":"replace","path":"emails[type eq \"work\"].value","value":"b@example.com"}`),
			want: `{"userName":"bjensen","name":{"givenName":"Barbara","familyName":"Jensen"},
				"emails":[{"value":"b@example.com","type":"work","primary":true},{"value":"babs@jensen.org","type":"home"}]}`,
			sum: &patch.Summary{Paths: []string{"emails"}},
		},
		{
			name:   "replace with equal value changes nothing",
			before: bjensen,
			body:   body(`{"op":"replace","path":"name.givenName","value":"Barbara"}`),
			want:   bjensen,
			sum:    &patch.Summary{},
		},
		{
			name:   "remove sub-attribute",
			before: bjensen,
			body:   body(`{"op":"remove","path":"name.familyName"}`),
			want: `{"userName":"bjensen","name":{"givenName":"Barbara"},
				"emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@jensen.org","type":"home"}]}`,
			sum: &patch.Summary{Paths: []string{"name.familyName"}},
		},
		{
			name:   "remove last sub-attribute unassigns complex",
			before: `{"userName":"a","name":{"givenName":"Ann"}}`,
			body:   body(`{"op":"remove","path":"name.givenName"}`),
			want:   `{"userName":"a"}`,
		},
		{
			name:   "remove absent attribute succeeds",
			before: `{"userName":"a"}`,
			body:   body(`{"op":"remove","path":"nickName"}`),
			want:   `{"userName":"a"}`,
			sum:    &patch.Summary{},
		},
		{
			name: "remove sub-attribute of no values", dialect: patch.DialectStrict,
			before: `{"userName":"a"}`,
			body:   body(`{"op":"remove","path":"emails.display"}`),
			want:   `{"userName":"a"}`,
		},
		{
			name:   "remove sub-attribute of every value",
			before: bjensen,
			body:   body(`{"op":"remove","path":"emails.primary"}`),
			want: `{"userName":"bjensen","name":{"givenName":"Barbara","familyName":"Jensen"},
				"emails":[{"value":"bjensen@example.com","type":"work"},{"value":"babs@jensen.org","type":"home"}]}`,
		},
		{
			name:   "remove filtered sub-attribute",
			before: bjensen,
			body:   body(`{"op":"remove","path":"emails[type eq \"work\"].primary"}`),
			want: `{"userName":"bjensen","name":{"givenName":"Barbara","familyName":"Jensen"},
				"emails":[{"value":"bjensen@example.com","type":"work"},{"value":"babs@jensen.org","type":"home"}]}`,
		},
		{
			name:   "remove every value unassigns",
			before: bjensen,
			body:   body(`{"op":"remove","path":"emails[value pr]"}`),
			want:   `{"userName":"bjensen","name":{"givenName":"Barbara","familyName":"Jensen"}}`,
		},
		{
			name:   "extension attribute by URN path adds schema",
			before: `{"userName":"a"}`,
			body:   body(`{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"42"}`),
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
				"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"42"}}`,
			sum: &patch.Summary{Paths: []string{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"}},
		},
		{
			name: "remove last extension attribute drops schema",
			before: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
				"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"42"}}`,
			body: body(`{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"}`),
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a"}`,
		},
		{
			name:   "path naming the whole extension",
			before: `{"userName":"a"}`,
			body:   body(`{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","value":{"department":"R&D","manager":{"value":"m1"}}}`),
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
				"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R&D","manager":{"value":"m1"}}}`,
		},
		{
			name:   "externalId",
			before: `{"userName":"a","externalId":"x1"}`,
			body:   body(`{"op":"replace","path":"externalId","value":"x2"}`),
			want:   `{"userName":"a","externalId":"x2"}`,
			sum:    &patch.Summary{Paths: []string{"externalId"}},
		},
		{
			name:   "operations apply in order",
			before: `{"userName":"a"}`,
			body:   body(`{"op":"add","path":"nickName","value":"x"},{"op":"replace","path":"nickName","value":"y"},{"op":"remove","path":"title"}`),
			want:   `{"userName":"a","nickName":"y"}`,
			sum:    &patch.Summary{Paths: []string{"nickName"}},
		},
		{
			name:   "changes that cancel out are not reported",
			before: `{"userName":"a","nickName":"x"}`,
			body:   body(`{"op":"replace","path":"nickName","value":"y"},{"op":"replace","path":"nickName","value":"x"}`),
			want:   `{"userName":"a","nickName":"x"}`,
			sum:    &patch.Summary{},
		},
		{
			name:   "path case-insensitive",
			before: bjensen,
			body:   body(`{"op":"replace","path":"NAME.GIVENNAME","value":"B"}`),
			want: `{"userName":"bjensen","name":{"givenName":"B","familyName":"Jensen"},
				"emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@jensen.org","type":"home"}]}`,
		},
	})
}

func TestApplyErrors(t *testing.T) {
	runApply(t, []applyCase{
		{name: "remove required", before: bjensen, body: body(`{"op":"remove","path":"userName"}`), err: schema.ErrMutability},
		{name: "remove readOnly id", before: bjensen, body: body(`{"op":"remove","path":"id"}`), err: schema.ErrMutability},
		{name: "replace id with another", before: bjensen, body: body(`{"op":"replace","path":"id","value":"other"}`), err: schema.ErrMutability},
		{name: "replace readOnly groups", before: bjensen, body: body(`{"op":"add","path":"groups","value":[{"value":"g1"}]}`), err: schema.ErrMutability},
		{name: "readOnly sub-attribute", before: bjensen, body: body(`{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName","value":"Boss"}`), err: schema.ErrMutability},
		{name: "unknown attribute", before: bjensen, body: body(`{"op":"add","path":"shoeSize","value":"9"}`), err: schema.ErrInvalidPath},
		{name: "unknown sub-attribute", before: bjensen, body: body(`{"op":"add","path":"name.shoe","value":"9"}`), err: schema.ErrInvalidPath},
		{name: "unknown URN", before: bjensen, body: body(`{"op":"add","path":"urn:example:x:1.0:User:foo","value":"9"}`), err: schema.ErrInvalidPath},
		{name: "malformed filter", before: bjensen, body: body(`{"op":"replace","path":"emails[type eq","value":"x"}`), err: schema.ErrInvalidPath},
		{name: "filter on unknown sub-attribute", before: bjensen, body: body(`{"op":"replace","path":"emails[shoe eq \"x\"].value","value":"x"}`), err: schema.ErrInvalidPath},
		{name: "filter on simple attribute", before: bjensen, body: body(`{"op":"replace","path":"userName[value eq \"x\"]","value":"x"}`), err: schema.ErrInvalidPath},
		{name: "wrong type", before: bjensen, body: body(`{"op":"replace","path":"active","value":"maybe"}`), err: schema.ErrInvalidValue},
		{name: "number for string", before: bjensen, body: body(`{"op":"replace","path":"userName","value":42}`), dialect: patch.DialectStrict, err: schema.ErrInvalidValue},
		{name: "add without value", before: bjensen, body: body(`{"op":"add","path":"nickName"}`), err: schema.ErrInvalidValue},
		{name: "path-less add with scalar", before: bjensen, body: body(`{"op":"add","value":"x"}`), err: schema.ErrInvalidValue},
		{name: "remove without path", before: bjensen, body: body(`{"op":"remove"}`), err: schema.ErrNoTarget},
		{name: "unknown op", before: bjensen, body: body(`{"op":"move","path":"nickName"}`), err: schema.ErrInvalidSyntax},
		{name: "missing op", before: bjensen, body: body(`{"path":"nickName","value":"x"}`), err: schema.ErrInvalidSyntax},
		{name: "no Operations", before: bjensen, body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`, err: schema.ErrInvalidSyntax},
		{name: "empty Operations", before: bjensen, body: body(``), err: schema.ErrInvalidSyntax},
		{name: "not JSON", before: bjensen, body: `{"Operations":[`, err: schema.ErrInvalidSyntax},
		{name: "trailing data", before: bjensen, body: body(`{"op":"add","path":"nickName","value":"x"}`) + `{}`, err: schema.ErrInvalidSyntax},
		{name: "operation not an object", before: bjensen, body: body(`"add"`), err: schema.ErrInvalidSyntax},
		{name: "wrong schema", before: bjensen, body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"Operations":[{"op":"add","path":"nickName","value":"x"}]}`, err: schema.ErrInvalidSyntax},
		{name: "path not a string", before: bjensen, body: body(`{"op":"add","path":5,"value":"x"}`), err: schema.ErrInvalidPath},
		{name: "two primaries", before: bjensen, body: body(`{"op":"replace","path":"emails","value":[{"value":"a@x","primary":true},{"value":"b@x","primary":true}]}`), err: schema.ErrInvalidValue},
		{name: "filtered value is a list", before: bjensen, body: body(`{"op":"replace","path":"emails[type eq \"work\"]","value":[{"value":"a@x"},{"value":"b@x"}]}`), err: schema.ErrInvalidValue},
		{name: "failure leaves nothing applied", before: bjensen, body: body(`{"op":"replace","path":"nickName","value":"x"},{"op":"remove","path":"userName"}`), err: schema.ErrMutability},
		{name: "immutable member value", group: true, before: group3, body: body(`{"op":"replace","path":"members[value eq \"u1\"].value","value":"u9"}`), err: schema.ErrMutability},
		{name: "immutable member display", group: true, before: group3, body: body(`{"op":"replace","path":"members[value eq \"u1\"].display","value":"Uno"}`), err: schema.ErrMutability},
		{name: "replace schemas without core", before: bjensen, body: body(`{"op":"replace","path":"schemas","value":["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]}`), err: schema.ErrInvalidValue},
		{name: "remove group displayName", group: true, before: group3, body: body(`{"op":"remove","path":"displayName"}`), err: schema.ErrMutability},
	})
}

func TestLimits(t *testing.T) {
	ops := `{"op":"add","path":"nickName","value":"x"}`
	b := body(ops + "," + ops + "," + ops)
	_, err := patch.Parse(userType, []byte(b), patch.Config{MaxOperations: 2})
	checkErr(t, schema.ErrPayloadTooLarge, err)
	if _, err := patch.Parse(userType, []byte(b), patch.Config{MaxOperations: 3}); err != nil {
		t.Fatal(err)
	}
	m := body(`{"op":"add","path":"members","value":[{"value":"a"},{"value":"b"},{"value":"c"}]}`)
	_, err = patch.Parse(groupType, []byte(m), patch.Config{MaxMembersPerOp: 2})
	checkErr(t, schema.ErrPayloadTooLarge, err)
	if _, err := patch.Parse(nil, []byte(m), patch.Config{}); err == nil {
		t.Error("Parse(nil resource type) succeeded")
	}
}

// TestPatchReusable: a Patch is immutable and safe for concurrent use, and
// results never alias its values (a store may retry Apply).
func TestPatchReusable(t *testing.T) {
	p, err := patch.Parse(groupType, []byte(body(`{"op":"add","path":"members","value":[{"value":"u4","display":"Three"}]},{"op":"replace","path":"displayName","value":"X"}`)), patch.Config{})
	if err != nil {
		t.Fatal(err)
	}
	g := resource(t, groupType, group3)
	first, _, err := p.Apply(g)
	if err != nil {
		t.Fatal(err)
	}
	first.Attrs["members"].([]any)[3].(map[string]any)["display"] = "mutated"
	done := make(chan *schema.Resource)
	for range 4 {
		go func() {
			r, _, err := p.Apply(g)
			if err != nil {
				t.Error(err)
			}
			done <- r
		}()
	}
	for range 4 {
		r := <-done
		if got := r.Attrs["members"].([]any)[3].(map[string]any)["display"]; got != "Three" {
			t.Errorf("display = %v, want Three", got)
		}
	}
}
