package schema_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/scimkit/scimkit/schema"
)

// BenchmarkValidateUserReplace validates a PUT of the RFC 7643 §8.2 full
// user over itself: the happy path of every replace.
func BenchmarkValidateUserReplace(b *testing.B) {
	rt := schema.UserResourceType()
	r, err := rt.Decode(fixture(b, "rfc7643-8.2.json"), schema.DecodeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rt.Validate(schema.ModeReplace, r, r, schema.DecodeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidateGroupPatch validates a group of 1,000 and 100,000
// members after a one-member add (ModePatch), as a full PATCH Apply would
// without package patch's shortcut for big lists.
func BenchmarkValidateGroupPatch(b *testing.B) {
	rt := schema.GroupResourceType()
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			members := make([]any, n)
			for i := range members {
				members[i] = map[string]any{"value": fmt.Sprintf("user-%07d", i), "type": "User", "display": fmt.Sprintf("User %d", i)}
			}
			prior := &schema.Resource{ID: "g1", Schemas: []string{schema.GroupSchema},
				Attrs: map[string]any{"displayName": "Big", "members": members}}
			next := &schema.Resource{ID: "g1", Schemas: []string{schema.GroupSchema},
				Attrs: map[string]any{"displayName": "Big", "members": append(slices.Clip(members), map[string]any{"value": "new-user", "type": "User"})}}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := rt.Validate(schema.ModePatch, prior, next, schema.DecodeOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
