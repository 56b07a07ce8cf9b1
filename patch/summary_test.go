package patch_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/scimkit/scimkit/patch"
	"github.com/scimkit/scimkit/schema"
)

func TestSummary(t *testing.T) {
	cases := []struct {
		name   string
		group  bool
		before string
		body   string
		want   patch.Summary
	}{
		{name: "deactivate user created without active", before: `{"userName":"a"}`,
			body: body(`{"op":"replace","path":"active","value":false}`),
			want: patch.Summary{Paths: []string{"active"}, Active: patch.Deactivated}},
		{name: "removing active reactivates", before: `{"userName":"a","active":false}`,
			body: body(`{"op":"remove","path":"active"}`),
			want: patch.Summary{Paths: []string{"active"}, Active: patch.Reactivated}},
		{name: "active true again is no change", before: `{"userName":"a","active":true}`,
			body: body(`{"op":"replace","value":{"active":"True"}}`),
			want: patch.Summary{}},
		{name: "add present and new members", group: true, before: twoMembers,
			body: body(`{"op":"add","path":"members","value":[{"value":"u1"},{"value":"u3"},{"value":"u3"}]}`),
			want: patch.Summary{Paths: []string{"members"}, MembersAdded: []string{"u3"}}},
		{name: "add then remove cancels", group: true, before: twoMembers,
			body: body(`{"op":"add","path":"members","value":[{"value":"u3"}]},{"op":"remove","path":"members[value eq \"u3\"]"}`),
			want: patch.Summary{}},
		{name: "remove then add back cancels", group: true, before: twoMembers,
			body: body(`{"op":"remove","path":"members[value eq \"u1\"]"},{"op":"add","path":"members","value":[{"value":"u1"}]}`),
			want: patch.Summary{Paths: []string{"members"}}}, // order changed
		{name: "replace members", group: true, before: twoMembers,
			body: body(`{"op":"replace","path":"members","value":[{"value":"u2"},{"value":"u4"}]}`),
			want: patch.Summary{Paths: []string{"members"}, MembersReplaced: true, MembersAdded: []string{"u4"}, MembersRemoved: []string{"u1"}}},
		{name: "rename and members", group: true, before: twoMembers,
			body: body(`{"op":"replace","value":{"displayName":"New","members":[{"value":"u1"},{"value":"u2"}]}}`),
			want: patch.Summary{Paths: []string{"displayName"}, MembersReplaced: true}},
		{name: "remove all members", group: true, before: twoMembers,
			body: body(`{"op":"remove","path":"members"}`),
			want: patch.Summary{Paths: []string{"members"}, MembersRemoved: []string{"u1", "u2"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rt := userType
			if tc.group {
				rt = groupType
			}
			_, sum, err := applyBody(rt, resource(t, rt, tc.before), tc.body, patch.DialectDefault)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(&tc.want, sum, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("summary mismatch (-want +got):\n%s", d)
			}
			if sum.Changed() != (len(tc.want.Paths) > 0 || tc.want.Active != 0 || len(tc.want.MembersAdded)+len(tc.want.MembersRemoved) > 0) {
				t.Errorf("Changed() = %v", sum.Changed())
			}
		})
	}
}

// TestBigGroup checks that the big-list path of Apply (only created values
// validated, unchanged values shared) gives the same results.
func TestBigGroup(t *testing.T) {
	g := bigGroup(500)
	snapshot := g.Clone()
	apply := func(ops string) (*schema.Resource, *patch.Summary, error) {
		t.Helper()
		return applyBody(groupType, g, body(ops), patch.DialectDefault)
	}
	out, sum, err := apply(`{"op":"add","path":"members","value":[{"value":"new","type":"user"}]},{"op":"remove","path":"members[value eq \"user-0000007\"]"}`)
	if err != nil {
		t.Fatal(err)
	}
	members := out.Attrs["members"].([]any)
	if len(members) != 500 {
		t.Fatalf("%d members, want 500", len(members))
	}
	if d := cmp.Diff(map[string]any{"value": "new", "type": "User"}, members[499]); d != "" {
		t.Errorf("added member (-want +got):\n%s", d)
	}
	for _, m := range members {
		if m.(map[string]any)["value"] == "user-0000007" {
			t.Error("removed member still present")
		}
	}
	if d := cmp.Diff(&patch.Summary{Paths: []string{"members"}, MembersAdded: []string{"new"}, MembersRemoved: []string{"user-0000007"}}, sum); d != "" {
		t.Errorf("summary (-want +got):\n%s", d)
	}
	if _, _, err := apply(`{"op":"replace","path":"members[value eq \"user-0000009\"].display","value":"x"}`); err == nil {
		t.Error("changing an immutable member display succeeded")
	}
	if _, _, err := apply(`{"op":"add","path":"members","value":[{"value":"user-0000001","display":"other"}]}`); err != nil {
		t.Errorf("re-adding a member: %v", err)
	}
	if d := cmp.Diff(snapshot, g); d != "" {
		t.Fatalf("Apply modified the group (-before +after):\n%s", d)
	}
	if _, err := groupType.Validate(schema.ModePatch, g, out, schema.DecodeOptions{}); err != nil {
		t.Errorf("result fails a full Validate: %v", err)
	}
}
