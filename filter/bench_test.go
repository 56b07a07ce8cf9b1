package filter

import (
	"testing"

	"github.com/scimkit/scimkit/schema"
)

const compound = `userType eq "Employee" and (emails[type eq "work" and value co "@example.com"] or title pr) and not (active eq false)`

func BenchmarkParse(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"eq", `userName eq "bjensen@example.com"`},
		{"entra", `id eq "2819c223" and members[value eq "e9e30dba"]`},
		{"compound", compound},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(bc.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkMatch(b *testing.B) {
	rt := schema.UserResourceType()
	user := fullUser(b)
	for _, bc := range []struct{ name, in string }{
		{"eq", `userName eq "BJENSEN@example.com"`},
		{"compound", compound},
	} {
		e, err := Parse(bc.in)
		if err != nil {
			b.Fatal(err)
		}
		bound, err := Bind(rt, e)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !Match(rt, bound, user) {
					b.Fatal("no match")
				}
			}
		})
	}
}
