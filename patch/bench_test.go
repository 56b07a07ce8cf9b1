package patch_test

import (
	"fmt"
	"testing"

	"github.com/scimkit/scimkit/patch"
	"github.com/scimkit/scimkit/schema"
)

// bigGroup returns a group with n members.
func bigGroup(n int) *schema.Resource {
	members := make([]any, n)
	for i := range members {
		members[i] = map[string]any{"value": fmt.Sprintf("user-%07d", i), "type": "User", "display": fmt.Sprintf("User %d", i)}
	}
	return &schema.Resource{ID: "g1", Schemas: []string{schema.GroupSchema},
		Attrs: map[string]any{"displayName": "Big", "members": members}}
}

var groupSizes = []struct {
	name string
	n    int
}{{"1k", 1000}, {"100k", 100000}}

var (
	addOne    = []byte(body(`{"op":"add","path":"members","value":[{"value":"new-user","type":"User"}]}`))
	removeOne = []byte(body(`{"op":"remove","path":"members[value eq \"user-0000500\"]"}`))
)

func benchApply(b *testing.B, req []byte) {
	for _, size := range groupSizes {
		b.Run(size.name, func(b *testing.B) {
			g := bigGroup(size.n)
			p, err := patch.Parse(groupType, req, patch.Config{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := p.Apply(g); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkApplyMemberAdd adds one member to groups of 1,000 and 100,000
// members with Apply (full member list in memory).
func BenchmarkApplyMemberAdd(b *testing.B) { benchApply(b, addOne) }

// BenchmarkApplyMemberRemove removes one member by filter
// (members[value eq "…"]) with Apply.
func BenchmarkApplyMemberRemove(b *testing.B) { benchApply(b, removeOne) }

// BenchmarkMemberDelta parses the same requests and splits them into
// deltas with Members: it never sees the member list, so 1k and 100k cost
// the same (the group is built only to keep the shape of the other
// benchmarks).
func BenchmarkMemberDelta(b *testing.B) {
	for _, req := range []struct {
		name string
		body []byte
	}{{"add", addOne}, {"remove", removeOne}} {
		for _, size := range groupSizes {
			b.Run(req.name+"/"+size.name, func(b *testing.B) {
				_ = bigGroup(size.n)
				b.ReportAllocs()
				for b.Loop() {
					p, err := patch.Parse(groupType, req.body, patch.Config{})
					if err != nil {
						b.Fatal(err)
					}
					if _, _, ok := p.Members("members"); !ok {
						b.Fatal("not delta-capable")
					}
				}
			})
		}
	}
}

// BenchmarkParseEntraUser parses a typical Entra user update.
func BenchmarkParseEntraUser(b *testing.B) {
	req := []byte(body(`{"op":"Replace","path":"emails[type eq \"work\"].value","value":"a@b.c"},{"op":"Replace","path":"name.familyName","value":"X"},{"op":"Replace","path":"active","value":"False"}`))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := patch.Parse(userType, req, patch.Config{}); err != nil {
			b.Fatal(err)
		}
	}
}
