package conformance

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/internal/idptest"
)

// TestGradeShippedReplays: the grade of each IdP's shipped replays names
// exactly the detectable quirks QUIRKS.md (the catalog) attributes to that
// IdP, and no other.
func TestGradeShippedReplays(t *testing.T) {
	got := map[string][]string{}
	for name, f := range ShippedReplays() {
		g := GradeReplay(f)
		if len(g.Steps) != len(f.Steps) {
			t.Errorf("%s: %d graded steps, want %d", name, len(g.Steps), len(f.Steps))
		}
		for _, id := range g.QuirkIDs() {
			if !slices.Contains(got[f.IdP], id) {
				got[f.IdP] = append(got[f.IdP], id)
			}
		}
	}
	want := map[string][]string{}
	for _, q := range Quirks() {
		if !q.Detectable() {
			continue
		}
		for _, idp := range q.IdPs {
			want[idp] = append(want[idp], q.ID)
		}
	}
	for idp := range got {
		sort.Strings(got[idp])
		sort.Strings(want[idp])
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("quirks per IdP (-catalog +graded replays):\n%s", d)
	}
	for _, idp := range []string{"authentik", "entra", "jumpcloud", "okta", "onelogin", "pingfederate", "pingone", "rippling"} {
		if len(got[idp]) == 0 {
			t.Errorf("no shipped replay of %s shows a quirk", idp)
		}
	}
}

// TestGradeUnseen: a grade names the documented quirks of its IdP that no
// request can show, and only those (JumpCloud's connection test objects,
// Okta never deleting users).
func TestGradeUnseen(t *testing.T) {
	got := map[string][]string{}
	for _, f := range ShippedReplays() {
		got[f.IdP] = GradeReplay(f).Unseen
	}
	want := map[string][]string{}
	for idp := range got {
		want[idp] = nil
	}
	for _, q := range Quirks() {
		for _, idp := range q.IdPs {
			if !q.Detectable() {
				want[idp] = append(want[idp], q.ID)
			}
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("unseen quirks per IdP (-catalog +grades):\n%s", d)
	}
	if !slices.Contains(got["jumpcloud"], "Q-JUMPCLOUD-TEST-OBJECTS") {
		t.Errorf("JumpCloud's grade does not name its connection test: %v", got["jumpcloud"])
	}
	if g := GradeReplay(&ReplayFile{IdP: "unknown", Steps: ShippedReplays()["jumpcloud-connect.json"].Steps}); len(g.Unseen) != 0 {
		t.Errorf("an unknown IdP's grade names unseen quirks %v", g.Unseen)
	}
}

// quirkID matches the id of a QUIRKS.md entry, a bullet that starts with
// "**[Q-…]**" (the same form elsewhere in a line is a reference).
var quirkID = regexp.MustCompile(`^- \*\*\[(Q-[A-Z0-9-]+)\]\*\*`)

// TestQuirksDocumented: every quirk of the catalog has its entry in
// QUIRKS.md, with a source, and every id there is in the catalog.
func TestQuirksDocumented(t *testing.T) {
	data, err := fs.ReadFile(idptest.FS(), "QUIRKS.md")
	if err != nil {
		t.Fatal(err)
	}
	var doc []string
	for _, line := range strings.Split(string(data), "\n") {
		for _, m := range quirkID.FindAllStringSubmatch(line, 1) {
			if slices.Contains(doc, m[1]) {
				t.Errorf("QUIRKS.md: %s has two entries", m[1])
			}
			doc = append(doc, m[1])
			if !strings.Contains(line, "http") && !strings.Contains(line, "[") {
				t.Errorf("QUIRKS.md: %s cites no source", m[1])
			}
		}
	}
	var cat []string
	for _, q := range Quirks() {
		cat = append(cat, q.ID)
	}
	sort.Strings(doc)
	sort.Strings(cat)
	if d := cmp.Diff(cat, doc); d != "" {
		t.Errorf("quirk ids (-catalog +QUIRKS.md):\n%s", d)
	}
}

// TestDeviationRules grades single requests: RFC-clean ones have no
// deviation, each non-RFC form exactly its rule's.
func TestDeviationRules(t *testing.T) {
	const patchOp = `"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]`
	tests := []struct {
		name, method, path, body string
		want                     []string
	}{
		{"clean create", "POST", "/Users", `{"schemas":["` + userURN + `"],"userName":"a","active":true}`, nil},
		{"clean patch", "PATCH", "/Groups/1", `{` + patchOp + `,"Operations":[{"op":"remove","path":"members[value eq \"2\"]"},{"op":"add","path":"members","value":[{"value":"3"}]}]}`, nil},
		{"clean filters", "GET", `/Users?filter=userName eq "a" and emails co "x" and active eq true and meta.lastModified gt "2020-01-01T00:00:00Z"`, "", nil},
		{"clean path-less extension", "PATCH", "/Users/1", `{` + patchOp + `,"Operations":[{"op":"replace","value":{"` + enterpriseURN + `":{"department":"x"}}}]}`, nil},
		{"double slash", "GET", "//Users", "", []string{"protocol.endpoint"}},
		{"no schemas", "POST", "/Groups", `{"displayName":"g"}`, []string{"resource.schemas"}},
		{"SCIM 1.1", "POST", "/Users", `{"schemas":["urn:scim:schemas:core:1.0"],"userName":"a"}`, []string{"resource.schemas", "resource.unknown-schema"}},
		{"string boolean in body", "PUT", "/Users/1", `{"schemas":["` + userURN + `"],"userName":"a","active":"False"}`, []string{"value.string-boolean"}},
		{"string boolean in patch", "PATCH", "/Users/1", `{` + patchOp + `,"Operations":[{"op":"replace","path":"active","value":"False"}]}`, []string{"value.string-boolean"}},
		{"manager string", "PATCH", "/Users/1", `{` + patchOp + `,"Operations":[{"op":"add","path":"` + enterpriseURN + `:manager","value":"m"}]}`, []string{"value.manager-shape"}},
		{"patch without schemas", "PATCH", "/Users/1", `{"Operations":[{"op":"add","path":"title","value":"t"}]}`, []string{"patch.schemas"}},
		{"op case", "PATCH", "/Users/1", `{` + patchOp + `,"Operations":[{"op":"Add","path":"title","value":"t"}]}`, []string{"patch.op-case"}},
		{"remove by value", "PATCH", "/Groups/1", `{` + patchOp + `,"Operations":[{"op":"remove","path":"members","value":[{"value":"2"}]}]}`, []string{"patch.remove-value"}},
		{"dotted keys", "PATCH", "/Users/1", `{` + patchOp + `,"Operations":[{"op":"replace","value":{"name.givenName":"g","` + enterpriseURN + `:department":"d"}}]}`, []string{"patch.pathless-keys", "patch.pathless-keys"}},
		{"urn dot path", "PATCH", "/Users/1", `{` + patchOp + `,"Operations":[{"op":"replace","path":"` + enterpriseURN + `.manager","value":{"value":"m"}}]}`, []string{"patch.path-syntax"}},
		{"unquoted", "GET", "/Users?filter=externalId eq jyoung", "", []string{"filter.unquoted"}},
		{"unknown attribute", "GET", `/Users?filter=email Co "x"`, "", []string{"filter.unknown-attribute"}},
		{"search body", "POST", "/Users/.search", `{"filter":"email eq \"x\""}`, []string{"filter.unknown-attribute"}},
		{"bad filter", "GET", `/Groups?filter=displayName eq "a" and`, "", []string{"filter.syntax"}},
		{"bulk operations", "POST", "/Bulk", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[
			{"method":"POST","path":"/Users","bulkId":"u","data":{"schemas":["` + userURN + `"],"userName":"a"}},
			{"method":"PATCH","path":"/Users/1","data":{"Operations":[{"op":"Replace","path":"active","value":"False"}]}}]}`,
			[]string{"value.string-boolean", "patch.schemas", "patch.op-case"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := ReplayStep{Name: tt.name, Request: ReplayRequest{Method: tt.method, Path: tt.path}, Expect: ReplayExpect{Status: 200}}
			if tt.body != "" {
				st.Request.Body = json.RawMessage(tt.body)
			}
			g := GradeReplay(&ReplayFile{IdP: "x", Steps: []ReplayStep{st}})
			var got []string
			for _, d := range g.Steps[0].Deviations {
				got = append(got, d.ID)
				if d.Detail == "" || d.Requirement.Source == "" {
					t.Errorf("%s: empty detail or requirement", d.ID)
				}
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("deviations (-want +got):\n%s", d)
			}
		})
	}
}

// TestWriteGrade: the table names every matched quirk and setting, JSON
// round-trips, and JUnit has one case per request, failing those that
// deviate.
func TestWriteGrade(t *testing.T) {
	g := GradeReplay(ShippedReplays()["jumpcloud-connect.json"])
	var table bytes.Buffer
	if err := WriteGradeTable(&table, g); err != nil {
		t.Fatal(err)
	}
	for _, s := range append(append(g.QuirkIDs(), g.Settings...), g.IdPSettings...) {
		if !strings.Contains(table.String(), s) {
			t.Errorf("table lacks %q:\n%s", s, table.String())
		}
	}
	var js bytes.Buffer
	if err := WriteGradeJSON(&js, g); err != nil {
		t.Fatal(err)
	}
	var back Grade
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(g, &back); d != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", d)
	}
	var ju bytes.Buffer
	if err := WriteGradeJUnit(&ju, g); err != nil {
		t.Fatal(err)
	}
	var suite junitSuite
	if err := xml.Unmarshal(ju.Bytes(), &suite); err != nil {
		t.Fatal(err)
	}
	if len(suite.Cases) != len(g.Steps) || suite.Failures != len(g.Steps) {
		t.Errorf("JUnit: %d cases, %d failures; want %d and %d (every JumpCloud request has the // path)", len(suite.Cases), suite.Failures, len(g.Steps), len(g.Steps))
	}
}
