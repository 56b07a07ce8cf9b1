package filter

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scimkit/schema"
)

var pathCases = []struct {
	in   string
	want Path
}{
	{`userName`, Path{Attr: AttrPath{Name: "userName"}}},
	{`name.givenName`, Path{Attr: AttrPath{Name: "name", Sub: "givenName"}}},
	{`  name.familyName  `, Path{Attr: AttrPath{Name: "name", Sub: "familyName"}}},
	{`members`, Path{Attr: AttrPath{Name: "members"}}},
	{`active`, Path{Attr: AttrPath{Name: "active"}}},
	{entURN + `:employeeNumber`, Path{Attr: AttrPath{URI: entURN, Name: "employeeNumber"}}},
	{entURN + `:manager.value`, Path{Attr: AttrPath{URI: entURN, Name: "manager", Sub: "value"}}},
	{entURN, Path{Attr: AttrPath{URI: entURN}}},
	{schema.UserSchema, Path{Attr: AttrPath{URI: schema.UserSchema}}},
	{schema.UserSchema + `:userName`, Path{Attr: AttrPath{URI: schema.UserSchema, Name: "userName"}}},
	{`members[value eq "2819c223-7f76-453a-919d-413861904646"]`,
		Path{Attr: AttrPath{Name: "members"}, Filter: cmpx("value", Eq, "2819c223-7f76-453a-919d-413861904646")}},
	{`emails[type eq "work"].value`, Path{Attr: AttrPath{Name: "emails"}, Filter: cmpx("type", Eq, "work"), Sub: "value"}},
	{`addresses[type eq "work"].streetAddress`, Path{Attr: AttrPath{Name: "addresses"}, Filter: cmpx("type", Eq, "work"), Sub: "streetAddress"}},
	{`members[value eq "a" or value eq "b"]`, Path{Attr: AttrPath{Name: "members"}, Filter: or(cmpx("value", Eq, "a"), cmpx("value", Eq, "b"))}},
	{`emails[type eq "work" and not (primary eq false)].display`,
		Path{Attr: AttrPath{Name: "emails"}, Filter: and(cmpx("type", Eq, "work"), not(cmpx("primary", Eq, false))), Sub: "display"}},
	{entURN + `:manager[value eq "x"]`, Path{Attr: AttrPath{URI: entURN, Name: "manager"}, Filter: cmpx("value", Eq, "x")}},
	{`members [value eq "a]"] `, Path{Attr: AttrPath{Name: "members"}, Filter: cmpx("value", Eq, "a]")}},
	{`members[value eq "\u00e9"]`, Path{Attr: AttrPath{Name: "members"}, Filter: cmpx("value", Eq, "é")}},
}

func TestParsePath(t *testing.T) {
	for _, tc := range pathCases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParsePath(tc.in)
			if err != nil {
				t.Fatalf("ParsePath(%q): %v", tc.in, err)
			}
			if diff := cmp.Diff(tc.want, got, treeOpts); diff != "" {
				t.Errorf("ParsePath(%q) (-want +got):\n%s", tc.in, diff)
			}
			again, err := ParsePath(got.String())
			if err != nil {
				t.Fatalf("ParsePath(String() = %q): %v", got.String(), err)
			}
			if diff := cmp.Diff(got, again, treeOpts); diff != "" {
				t.Errorf("round trip of %q (-want +got):\n%s", got.String(), diff)
			}
		})
	}
}

func TestParsePathErrors(t *testing.T) {
	for _, tc := range []struct{ in, detail string }{
		{``, "empty"},
		{`   `, "empty"},
		{`name.`, "not a valid sub-attribute name"},
		{`a.b.c`, "more than one '.'"},
		{`1abc`, "not a valid attribute name"},
		{`urn:x:`, "must not end with ':'"},
		{`user name`, `unexpected " "`},
		{`members]`, "']' without '['"},
		{`members[value eq "x"`, `missing "]"`},
		{`members[value eq "x"]x`, "expected '.' and a sub-attribute name"},
		{`members[value eq "x"].`, "expected '.' and a sub-attribute name"},
		{`members[value eq "x"].a.b`, "expected '.' and a sub-attribute name"},
		{`members[]`, "empty value filter"},
		{`members[value eq]`, "expected a comparison value"},
		{`members[value[x eq 1]]`, "cannot be nested"},
		{`emails.type[value eq "x"]`, "not to the sub-attribute"},
		{`members[value eq "x"] and x pr`, "expected '.'"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			_, err := ParsePath(tc.in)
			checkError(t, err, schema.ErrInvalidPath, tc.detail)
		})
	}
}

func TestAttrPathResolve(t *testing.T) {
	rt := schema.UserResourceType()
	for _, tc := range []struct{ in, want AttrPath }{
		{AttrPath{URI: "urn:ietf:params:scim:schemas:extension:enterprise:2.0", Name: "User"}, AttrPath{URI: entURN}},
		{AttrPath{URI: "urn:ietf:params:scim:schemas:extension:Enterprise:2.0", Name: "user"}, AttrPath{URI: "urn:ietf:params:scim:schemas:extension:Enterprise:2.0:user"}},
		{AttrPath{URI: "urn:acme:ext:1.0:User"}, AttrPath{URI: "urn:acme:ext:1.0", Name: "User"}},
		{AttrPath{URI: entURN}, AttrPath{URI: entURN}},
		{AttrPath{URI: entURN, Name: "department"}, AttrPath{URI: entURN, Name: "department"}},
		{AttrPath{Name: "userName"}, AttrPath{Name: "userName"}},
	} {
		if got := tc.in.Resolve(rt); got != tc.want {
			t.Errorf("%#v.Resolve() = %#v, want %#v", tc.in, got, tc.want)
		}
	}
}
