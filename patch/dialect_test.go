package patch_test

import (
	"testing"

	"github.com/scimkit/scimkit/patch"
	"github.com/scimkit/scimkit/schema"
)

// quirkCase is a non-RFC request an IdP sends: its result in the lenient
// dialects (default, entra, okta) and in the strict one.
type quirkCase struct {
	name      string
	source    string // where the IdP is documented to send it
	group     bool
	before    string
	body      string
	want      string // lenient result
	sum       *patch.Summary
	strict    string // strict result, "" when strictErr
	strictErr *schema.Error
}

const (
	msTutorial = "https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups"
	// msCollection is Microsoft's SCIM test collection
	// (AzureAD/SCIMReferenceCode PostmanCollection.json), which sends the
	// enterprise URN followed by '.' (scimkit issue 16).
	msCollection = "AzureAD/SCIMReferenceCode PostmanCollection.json"
	msKnown      = "https://learn.microsoft.com/en-us/entra/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility"
	oktaRef      = "https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20"
	enterprise   = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

	plainUser   = `{"id":"u1","userName":"alice","active":true,"emails":[{"value":"alice@home.example","type":"home"}]}`
	managedUser = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","` + enterprise + `"],"id":"u1","userName":"alice",
		"` + enterprise + `":{"department":"R&D","manager":{"value":"m1"}}}`
	twoMembers = `{"id":"g1","displayName":"Ops","members":[{"value":"u1"},{"value":"u2"}]}`
)

func quirkCases() []quirkCase {
	return []quirkCase{
		{
			name: "capitalised op names", source: msTutorial,
			before: plainUser,
			body:   body(`{"op":"Replace","path":"userName","value":"bob"},{"op":"Add","path":"nickName","value":"b"},{"op":"Remove","path":"nickName"}`),
			want:   `{"userName":"bob","active":true,"emails":[{"value":"alice@home.example","type":"home"}]}`,
			sum:    &patch.Summary{Paths: []string{"userName"}}, strictErr: schema.ErrInvalidSyntax,
		},
		{
			name: "string boolean False", source: msKnown,
			before: plainUser,
			body:   body(`{"op":"Replace","path":"active","value":"False"}`),
			want:   `{"userName":"alice","active":false,"emails":[{"value":"alice@home.example","type":"home"}]}`,
			sum:    &patch.Summary{Paths: []string{"active"}, Active: patch.Deactivated}, strictErr: schema.ErrInvalidSyntax,
		},
		{
			name: "string boolean lower-case true", source: "https://github.com/scimmyjs/scimmy/issues/86",
			before: `{"userName":"alice","active":false}`,
			body:   body(`{"op":"replace","path":"active","value":"true"}`),
			want:   `{"userName":"alice","active":true}`,
			sum:    &patch.Summary{Paths: []string{"active"}, Active: patch.Reactivated}, strictErr: schema.ErrInvalidValue,
		},
		{
			name: "single value wrapped in an array", source: msKnown,
			before:    plainUser,
			body:      body(`{"op":"replace","path":"nickName","value":["Al"]}`),
			want:      `{"userName":"alice","nickName":"Al","active":true,"emails":[{"value":"alice@home.example","type":"home"}]}`,
			strictErr: schema.ErrInvalidValue,
		},
		{
			name: "legacy manager: short path and array", source: msTutorial,
			before: plainUser,
			body:   body(`{"op":"Add","path":"manager","value":[{"$ref":"http://.../scim/Users/m9","value":"m9"}]}`),
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","` + enterprise + `"],"userName":"alice","active":true,
				"emails":[{"value":"alice@home.example","type":"home"}],"` + enterprise + `":{"manager":{"$ref":"http://.../scim/Users/m9","value":"m9"}}}`,
			sum:       &patch.Summary{Paths: []string{enterprise + ":manager.$ref", enterprise + ":manager.value"}},
			strictErr: schema.ErrInvalidSyntax,
		},
		{
			name: "manager as a bare id", source: "https://github.com/Captain-P-Goldfish/SCIM-SDK/issues/686",
			before: managedUser,
			body:   body(`{"op":"add","path":"` + enterprise + `:manager","value":"m2"}`),
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","` + enterprise + `"],"userName":"alice",
				"` + enterprise + `":{"department":"R&D","manager":{"value":"m2"}}}`,
			sum:       &patch.Summary{Paths: []string{enterprise + ":manager.value"}},
			strictErr: schema.ErrInvalidValue,
		},
		{
			name: "manager set to empty string removes it", source: msKnown,
			before: managedUser,
			body:   body(`{"op":"Replace","path":"` + enterprise + `:manager","value":""}`),
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","` + enterprise + `"],"userName":"alice",
				"` + enterprise + `":{"department":"R&D"}}`,
			sum:       &patch.Summary{Paths: []string{enterprise + ":manager.value"}},
			strictErr: schema.ErrInvalidSyntax,
		},
		{
			name: "manager set to null removes it", source: msKnown,
			before: managedUser,
			body:   body(`{"op":"replace","path":"` + enterprise + `:manager","value":null}`),
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","` + enterprise + `"],"userName":"alice",
				"` + enterprise + `":{"department":"R&D"}}`,
			strictErr: schema.ErrInvalidValue,
		},
		{
			name: "manager value empty removes it", source: msKnown,
			before: managedUser,
			body:   body(`{"op":"replace","path":"` + enterprise + `:manager","value":{"value":""}}`),
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","` + enterprise + `"],"userName":"alice",
				"` + enterprise + `":{"department":"R&D"}}`,
			strict: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","` + enterprise + `"],"userName":"alice",
				"` + enterprise + `":{"department":"R&D","manager":{"value":""}}}`,
		},
		{
			name: "removing the last extension attribute through manager", source: msKnown,
			before:    `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","` + enterprise + `"],"userName":"alice","` + enterprise + `":{"manager":{"value":"m1"}}}`,
			body:      body(`{"op":"Replace","path":"` + enterprise + `:manager","value":""}`),
			want:      `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice"}`,
			strictErr: schema.ErrInvalidSyntax,
		},
		{
			name: "remove manager by value filter", source: "https://github.com/thomaspoignant/scim-patch/issues/453",
			before: managedUser,
			body:   body(`{"op":"remove","path":"manager[value eq \"m1\"]"}`),
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","` + enterprise + `"],"userName":"alice",
				"` + enterprise + `":{"department":"R&D"}}`,
			strict: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","` + enterprise + `"],"userName":"alice",
				"` + enterprise + `":{"department":"R&D"}}`,
		},
		{
			name: "remove manager by value filter, other manager", source: "https://github.com/thomaspoignant/scim-patch/issues/453",
			before: managedUser,
			body:   body(`{"op":"remove","path":"manager[value eq \"m7\"]"}`),
			want:   managedUser, strictErr: schema.ErrNoTarget,
		},
		{
			name: "enterprise URN with a dot before the attribute", source: msCollection,
			before: managedUser,
			body:   body(`{"op":"replace","path":"` + enterprise + `.manager","value":{"value":"m2"}}`),
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","` + enterprise + `"],"userName":"alice",
				"` + enterprise + `":{"department":"R&D","manager":{"value":"m2"}}}`,
			sum:       &patch.Summary{Paths: []string{enterprise + ":manager.value"}},
			strictErr: schema.ErrInvalidPath,
		},
		{
			name: "enterprise URN with a dot before a sub-attribute path", source: msCollection,
			before: managedUser,
			body:   body(`{"op":"Replace","path":"` + enterprise + `.manager.value","value":"m4"}`),
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","` + enterprise + `"],"userName":"alice",
				"` + enterprise + `":{"department":"R&D","manager":{"value":"m4"}}}`,
			sum:       &patch.Summary{Paths: []string{enterprise + ":manager.value"}},
			strictErr: schema.ErrInvalidSyntax,
		},
		{
			name: "dotted URN key in a path-less value", source: msCollection,
			before: managedUser,
			body:   body(`{"op":"replace","value":{"` + enterprise + `.department":"Ops"}}`),
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","` + enterprise + `"],"userName":"alice",
				"` + enterprise + `":{"department":"Ops","manager":{"value":"m1"}}}`,
			sum:    &patch.Summary{Paths: []string{enterprise + ":department"}},
			strict: managedUser,
		},
		{
			name: "path-less replace with dotted and URN keys", source: msKnown,
			before: managedUser,
			body: body(`{"op":"replace","value":{"displayName":"Bjfe","name.givenName":"Kkom","name.familyName":"Unua",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"Aklq","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":"m3"}}`),
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","` + enterprise + `"],"userName":"alice","displayName":"Bjfe",
				"name":{"givenName":"Kkom","familyName":"Unua"},"` + enterprise + `":{"department":"R&D","employeeNumber":"Aklq","manager":{"value":"m3"}}}`,
			sum: &patch.Summary{Paths: []string{"displayName", "name.familyName", "name.givenName",
				enterprise + ":employeeNumber", enterprise + ":manager.value"}},
			strictErr: schema.ErrInvalidValue, // the bare manager id; the dotted keys alone are accepted (see TestDottedKeysStrict)
		},
		{
			name: "unmatched work email is created", source: msTutorial,
			before: plainUser,
			body:   body(`{"op":"Replace","path":"emails[type eq \"work\"].value","value":"alice@work.example"}`),
			want:   `{"userName":"alice","active":true,"emails":[{"value":"alice@home.example","type":"home"},{"value":"alice@work.example","type":"work"}]}`,
			sum:    &patch.Summary{Paths: []string{"emails"}}, strictErr: schema.ErrInvalidSyntax,
		},
		{
			name: "unmatched work address is created", source: msKnown,
			before: plainUser,
			body:   body(`{"op":"add","path":"addresses[type eq \"work\"].streetAddress","value":"1 Main St"}`),
			want: `{"userName":"alice","active":true,"emails":[{"value":"alice@home.example","type":"home"}],
				"addresses":[{"type":"work","streetAddress":"1 Main St"}]}`,
			strictErr: schema.ErrNoTarget,
		},
		{
			name: "unmatched mobile phone is created", source: msKnown,
			before: plainUser,
			body:   body(`{"op":"replace","path":"phoneNumbers[type eq \"mobile\"].value","value":"+1 555 0100"}`),
			want: `{"userName":"alice","active":true,"emails":[{"value":"alice@home.example","type":"home"}],
				"phoneNumbers":[{"type":"mobile","value":"+1 555 0100"}]}`,
			strictErr: schema.ErrNoTarget,
		},
		{
			name: "unmatched non-equality filter is still noTarget", source: msKnown,
			before:    plainUser,
			body:      body(`{"op":"replace","path":"emails[type ne \"home\"].value","value":"x@y"}`),
			strictErr: schema.ErrNoTarget,
		},
		{
			name: "remove members by value list removes only those", source: msTutorial,
			group: true, before: `{"id":"g1","displayName":"Ops","members":[{"value":"u1"},{"value":"u2"},{"value":"u3"}]}`,
			body:      body(`{"op":"Remove","path":"members","value":[{"$ref":null,"value":"u1"},{"value":"u3"},{"value":"absent"}]}`),
			want:      `{"displayName":"Ops","members":[{"value":"u2"}]}`,
			sum:       &patch.Summary{Paths: []string{"members"}, MembersRemoved: []string{"u1", "u3"}},
			strictErr: schema.ErrInvalidSyntax,
		},
		{
			name: "remove members by value list, lower-case op", source: msKnown,
			group: true, before: twoMembers,
			body:      body(`{"op":"remove","path":"members","value":[{"value":"u2"}]}`),
			want:      `{"displayName":"Ops","members":[{"value":"u1"}]}`,
			sum:       &patch.Summary{Paths: []string{"members"}, MembersRemoved: []string{"u2"}},
			strictErr: schema.ErrInvalidValue,
		},
		{
			name: "remove absent member is a no-op", source: oktaRef,
			group: true, before: twoMembers,
			body: body(`{"op":"remove","path":"members[value eq \"u9\"]"}`),
			want: `{"displayName":"Ops","members":[{"value":"u1"},{"value":"u2"}]}`,
			sum:  &patch.Summary{}, strictErr: schema.ErrNoTarget,
		},
		{
			name: "add member with null $ref and again", source: msTutorial,
			group: true, before: twoMembers,
			body:   body(`{"op":"add","path":"members","value":[{"$ref":null,"value":"u3"}]},{"op":"add","path":"members","value":[{"$ref":null,"value":"u3"}]}`),
			want:   `{"displayName":"Ops","members":[{"value":"u1"},{"value":"u2"},{"value":"u3"}]}`,
			sum:    &patch.Summary{Paths: []string{"members"}, MembersAdded: []string{"u3"}},
			strict: `{"displayName":"Ops","members":[{"value":"u1"},{"value":"u2"},{"value":"u3"}]}`,
		},
		{
			name: "Okta deactivate: path-less replace", source: oktaRef,
			before: plainUser,
			body:   body(`{"op":"replace","value":{"active":false}}`),
			want:   `{"userName":"alice","active":false,"emails":[{"value":"alice@home.example","type":"home"}]}`,
			sum:    &patch.Summary{Paths: []string{"active"}, Active: patch.Deactivated},
			strict: `{"userName":"alice","active":false,"emails":[{"value":"alice@home.example","type":"home"}]}`,
		},
		{
			name: "Okta reactivate a user created without active", source: oktaRef,
			before: `{"userName":"alice"}`,
			body:   body(`{"op":"replace","value":{"active":true}}`),
			want:   `{"userName":"alice","active":true}`,
			sum:    &patch.Summary{Paths: []string{"active"}},
			strict: `{"userName":"alice","active":true}`,
		},
		{
			name: "Okta group rename carrying the same id", source: oktaRef,
			group: true, before: twoMembers,
			body:   body(`{"op":"replace","value":{"id":"g1","displayName":"Ops2"}}`),
			want:   `{"displayName":"Ops2","members":[{"value":"u1"},{"value":"u2"}]}`,
			sum:    &patch.Summary{Paths: []string{"displayName"}},
			strict: `{"displayName":"Ops2","members":[{"value":"u1"},{"value":"u2"}]}`,
		},
		{
			name: "Okta group rename carrying another id", source: oktaRef,
			group: true, before: twoMembers,
			body:      body(`{"op":"replace","value":{"id":"g2","displayName":"Ops2"}}`),
			strictErr: schema.ErrMutability,
		},
		{
			name: "Okta members with display and no type", source: oktaRef,
			group: true, before: twoMembers,
			body:   body(`{"op":"remove","path":"members[value eq \"u2\"]"},{"op":"add","path":"members","value":[{"value":"u3","display":"test.user@okta.local"}]}`),
			want:   `{"displayName":"Ops","members":[{"value":"u1"},{"value":"u3","display":"test.user@okta.local"}]}`,
			sum:    &patch.Summary{Paths: []string{"members"}, MembersAdded: []string{"u3"}, MembersRemoved: []string{"u2"}},
			strict: `{"displayName":"Ops","members":[{"value":"u1"},{"value":"u3","display":"test.user@okta.local"}]}`,
		},
		{
			name: "Okta password sync", source: "https://github.com/scimkit/scimkit/internal/idptest/testdata/QUIRKS.md (undocumented shape)",
			before: `{"userName":"alice"}`,
			body:   body(`{"op":"replace","value":{"password":"t1meMa$heen"}}`),
			want:   `{"userName":"alice","password":"t1meMa$heen"}`,
			strict: `{"userName":"alice","password":"t1meMa$heen"}`,
		},
		{
			name: "schemas missing", source: msKnown,
			before: `{"userName":"alice"}`,
			body:   `{"Operations":[{"op":"add","path":"title","value":"x"}]}`,
			want:   `{"userName":"alice","title":"x"}`, strictErr: schema.ErrInvalidSyntax,
		},
		{
			name: "schemas and member names in odd case", source: msTutorial,
			before: `{"userName":"alice"}`,
			body:   `{"SCHEMAS":["urn:ietf:params:scim:api:messages:2.0:patchop"],"operations":[{"OP":"add","Path":"title","VALUE":"x"}]}`,
			want:   `{"userName":"alice","title":"x"}`,
			strict: `{"userName":"alice","title":"x"}`,
		},
		{
			name: "Operations before schemas", source: msTutorial,
			before:    plainUser,
			body:      `{"Operations":[{"op":"Replace","path":"active","value":false}],"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`,
			want:      `{"userName":"alice","active":false,"emails":[{"value":"alice@home.example","type":"home"}]}`,
			strictErr: schema.ErrInvalidSyntax,
		},
	}
}

func TestDialectQuirks(t *testing.T) {
	for _, qc := range quirkCases() {
		for _, d := range []patch.Dialect{patch.DialectDefault, patch.DialectEntra, patch.DialectOkta, patch.DialectStrict} {
			c := applyCase{name: qc.name + "/" + d.String(), group: qc.group, before: qc.before, body: qc.body, dialect: d}
			switch {
			case d != patch.DialectStrict && qc.want != "":
				c.want, c.sum = qc.want, qc.sum
			case d != patch.DialectStrict:
				c.err = qc.strictErr // no lenient form: same error
			case qc.strict != "":
				c.want = qc.strict
			default:
				c.err = qc.strictErr
			}
			runApply(t, []applyCase{c})
		}
	}
}

// TestDottedKeysStrict: keys such as "name.givenName" in a path-less value
// are unambiguous (attribute names cannot contain '.'), so even the strict
// dialect reads them as paths rather than reject or mis-store them.
func TestDottedKeysStrict(t *testing.T) {
	runApply(t, []applyCase{{
		name: "strict", dialect: patch.DialectStrict, before: `{"userName":"alice"}`,
		body: body(`{"op":"replace","value":{"name.givenName":"Kkom","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"7"}}`),
		want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","` + enterprise + `"],"userName":"alice","name":{"givenName":"Kkom"},"` + enterprise + `":{"employeeNumber":"7"}}`,
	}})
}
