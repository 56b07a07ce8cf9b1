package patch_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/scimkit/scimkit/patch"
	"github.com/scimkit/scimkit/schema"
)

func TestMembers(t *testing.T) {
	add := func(ids ...string) schema.MemberDelta {
		d := schema.MemberDelta{Kind: schema.DeltaAdd}
		for _, id := range ids {
			d.Members = append(d.Members, schema.Member{Value: id})
		}
		return d
	}
	rm := func(ids ...string) schema.MemberDelta {
		d := add(ids...)
		d.Kind = schema.DeltaRemove
		return d
	}
	clear := schema.MemberDelta{Kind: schema.DeltaClear}
	cases := []struct {
		name    string
		body    string
		dialect patch.Dialect
		attr    string
		want    []schema.MemberDelta
		ok      bool
		rest    int // operations left for Apply
	}{
		{name: "add", body: body(`{"op":"add","path":"members","value":[{"value":"u3"},{"value":"u4"},{"value":"u3"}]}`),
			want: []schema.MemberDelta{add("u3", "u4")}, ok: true},
		{name: "add keeps type and display, drops $ref (derived on output)",
			body: body(`{"op":"Add","path":"members","value":[{"value":"u3","type":"User","$ref":"https://x/Users/u3","display":"Three"}]}`),
			want: []schema.MemberDelta{{Kind: schema.DeltaAdd, Members: []schema.Member{{Value: "u3", Type: "User", Display: "Three"}}}}, ok: true},
		{name: "remove by filter", body: body(`{"op":"remove","path":"members[value eq \"u1\"]"}`),
			want: []schema.MemberDelta{rm("u1")}, ok: true},
		{name: "remove by or filter", body: body(`{"op":"remove","path":"members[value eq \"u1\" or value eq \"u2\"]"}`),
			want: []schema.MemberDelta{rm("u1", "u2")}, ok: true},
		{name: "Entra remove with value list", body: body(`{"op":"Remove","path":"members","value":[{"$ref":null,"value":"u1"}]}`),
			want: []schema.MemberDelta{rm("u1")}, ok: true},
		{name: "remove all", body: body(`{"op":"remove","path":"members"}`),
			want: []schema.MemberDelta{clear}, ok: true},
		{name: "replace", body: body(`{"op":"replace","path":"members","value":[{"value":"u9"}]}`),
			want: []schema.MemberDelta{clear, add("u9")}, ok: true},
		{name: "replace with empty list", body: body(`{"op":"replace","path":"members","value":[]}`),
			want: []schema.MemberDelta{clear}, ok: true},
		{name: "path-less replace with members and displayName",
			body: body(`{"op":"replace","value":{"displayName":"New","members":[{"value":"u9"}]}}`),
			want: []schema.MemberDelta{clear, add("u9")}, ok: true, rest: 1},
		{name: "Okta remove then add, rename",
			body: body(`{"op":"replace","value":{"id":"g1","displayName":"Ops"}},{"op":"remove","path":"members[value eq \"u2\"]"},{"op":"add","path":"members","value":[{"value":"u3","display":"x"}]}`),
			want: []schema.MemberDelta{rm("u2"), {Kind: schema.DeltaAdd, Members: []schema.Member{{Value: "u3", Display: "x"}}}}, ok: true, rest: 2},
		{name: "no member operation", body: body(`{"op":"replace","path":"displayName","value":"x"}`), ok: true, rest: 1},
		{name: "filter on display", body: body(`{"op":"remove","path":"members[display eq \"One\"]"}`)},
		{name: "filter with and", body: body(`{"op":"remove","path":"members[value eq \"u1\" and type eq \"User\"]"}`)},
		{name: "filter with ne", body: body(`{"op":"remove","path":"members[value ne \"u1\"]"}`)},
		{name: "sub-attribute target", body: body(`{"op":"add","path":"members[value eq \"u1\"].display","value":"One"}`)},
		{name: "add through filter", body: body(`{"op":"replace","path":"members[value eq \"u1\"]","value":{"value":"u1"}}`)},
		{name: "members.display", body: body(`{"op":"remove","path":"members.display"}`)},
		{name: "strict remove by filter needs the list", dialect: patch.DialectStrict,
			body: body(`{"op":"remove","path":"members[value eq \"u1\"]"}`)},
		{name: "strict add", dialect: patch.DialectStrict,
			body: body(`{"op":"add","path":"members","value":[{"value":"u3"}]}`), want: []schema.MemberDelta{add("u3")}, ok: true},
		{name: "unknown attribute", attr: "friends", body: body(`{"op":"add","path":"members","value":[{"value":"u3"}]}`)},
		{name: "not a reference list", attr: "displayName", body: body(`{"op":"add","path":"members","value":[{"value":"u3"}]}`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := patch.Parse(groupType, []byte(tc.body), patch.Config{Dialect: tc.dialect})
			if err != nil {
				t.Fatal(err)
			}
			attr := tc.attr
			if attr == "" {
				attr = "members"
			}
			rest, deltas, ok := p.Members(attr)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if d := cmp.Diff(tc.want, deltas, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("deltas mismatch (-want +got):\n%s", d)
			}
			if !ok {
				if rest != p {
					t.Error("ok=false must return p itself")
				}
				return
			}
			if rest.Len() != tc.rest {
				t.Errorf("rest has %d operations, want %d", rest.Len(), tc.rest)
			}
			checkDeltasAgree(t, p, rest, deltas)
		})
	}
}

// checkDeltasAgree applies the patch in full and as rest + deltas on a
// simulated member table, and requires the same members and other
// attributes.
func checkDeltasAgree(t *testing.T, p, rest *patch.Patch, deltas []schema.MemberDelta) {
	t.Helper()
	before := resource(t, groupType, `{"id":"g1","displayName":"Ops","members":[{"value":"u1","display":"One"},{"value":"u2"}]}`)
	full, _, err := p.Apply(before)
	if err != nil {
		t.Fatalf("full Apply: %v", err)
	}
	noMembers := before.Clone()
	delete(noMembers.Attrs, "members")
	part, _, err := rest.Apply(noMembers)
	if err != nil {
		t.Fatalf("rest Apply: %v", err)
	}
	members, _ := before.Attrs["members"].([]any)
	var ids []string
	for _, m := range members {
		ids = append(ids, m.(map[string]any)["value"].(string))
	}
	for _, d := range deltas {
		switch d.Kind {
		case schema.DeltaClear:
			ids = nil
		case schema.DeltaAdd:
			for _, m := range d.Members {
				if !contains(ids, m.Value) {
					ids = append(ids, m.Value)
				}
			}
		case schema.DeltaRemove:
			var keep []string
			for _, id := range ids {
				if !containsMember(d.Members, id) {
					keep = append(keep, id)
				}
			}
			ids = keep
		}
	}
	var want []string
	fm, _ := full.Attrs["members"].([]any)
	for _, m := range fm {
		want = append(want, m.(map[string]any)["value"].(string))
	}
	if d := cmp.Diff(want, ids, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("members via deltas differ from Apply (-apply +deltas):\n%s", d)
	}
	delete(full.Attrs, "members")
	if d := cmp.Diff(full.Attrs, part.Attrs); d != "" {
		t.Errorf("other attributes differ (-full +rest):\n%s", d)
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func containsMember(ms []schema.Member, v string) bool {
	for _, m := range ms {
		if m.Value == v {
			return true
		}
	}
	return false
}
