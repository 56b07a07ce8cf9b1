package filter

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scimkit/schema"
)

// FuzzParse checks that Parse never panics, that its errors are
// invalidFilter, that the fast path and filter-parser agree, and that
// String re-parses to an equal tree.
func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(tc.in)
	}
	for _, tc := range parseErrors {
		f.Add(tc.in)
	}
	for _, tc := range matchCases {
		f.Add(tc.in)
	}
	rt := schema.UserResourceType()
	user := fullUser(f)
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		lib, libErr := parseLibrary(s)
		if (err == nil) != (libErr == nil) {
			t.Fatalf("Parse(%q) error %v, filter-parser path error %v", s, err, libErr)
		}
		if err != nil {
			if !errors.Is(err, schema.ErrInvalidFilter) {
				t.Fatalf("Parse(%q) error %v is not invalidFilter", s, err)
			}
			return
		}
		if diff := cmp.Diff(lib, e, treeOpts); diff != "" {
			t.Fatalf("Parse(%q): fast path and filter-parser disagree (-library +fast):\n%s", s, diff)
		}
		// Canonical text may be longer than the input (quotes added to an
		// unquoted value, "1e3" written 1000.0), so it is re-parsed
		// without the length limit.
		text := e.String()
		again, err := Limits{MaxLength: 1 << 20}.Parse(text)
		if err != nil {
			t.Fatalf("Parse(%q).String() = %q does not parse: %v", s, text, err)
		}
		if diff := cmp.Diff(e, again, treeOpts); diff != "" {
			t.Fatalf("Parse(%q) round trip through %q (-want +got):\n%s", s, text, diff)
		}
		if b, err := Bind(rt, e); err == nil {
			Match(rt, b, user)
			Match(rt, b, &schema.Resource{})
		} else if !errors.Is(err, schema.ErrInvalidFilter) {
			t.Fatalf("Bind(%q) error %v is not invalidFilter", s, err)
		}
	})
}

// FuzzParsePath checks that ParsePath never panics, returns invalidPath
// errors and round-trips through String.
func FuzzParsePath(f *testing.F) {
	for _, tc := range pathCases {
		f.Add(tc.in)
	}
	f.Add(`members[value eq "x"].display`)
	f.Add(`emails[`)
	f.Add(`a]`)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePath(s)
		if err != nil {
			if !errors.Is(err, schema.ErrInvalidPath) {
				t.Fatalf("ParsePath(%q) error %v is not invalidPath", s, err)
			}
			return
		}
		again, err := ParsePath(p.String())
		if err != nil {
			t.Fatalf("ParsePath(%q).String() = %q does not parse: %v", s, p.String(), err)
		}
		if diff := cmp.Diff(p, again, treeOpts); diff != "" {
			t.Fatalf("ParsePath(%q) round trip (-want +got):\n%s", s, diff)
		}
	})
}

// FuzzFold checks that the allocation-free comparisons equal the
// documented rule: comparisons of Fold(a) and Fold(b).
func FuzzFold(f *testing.F) {
	for _, p := range [][2]string{{"ß", "SS"}, {"İ", "i"}, {"ı", "I"}, {"Σς", "σσ"}, {"K", "k"}, {"ſ", "s"}, {"😀a", "😀A"}, {"é", "e\u0301"}, {"", "a"}, {"ABC", "b"}} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if !utf8.ValidString(a) || !utf8.ValidString(b) {
			return
		}
		fa, fb := Fold(a), Fold(b)
		if got, want := foldCompare(a, b), strings.Compare(fa, fb); got != want {
			t.Errorf("foldCompare(%q, %q) = %d, want %d", a, b, got, want)
		}
		if got, want := foldEqual(a, b), fa == fb; got != want {
			t.Errorf("foldEqual(%q, %q) = %v, want %v", a, b, got, want)
		}
		if got, want := foldHasPrefix(a, b), strings.HasPrefix(fa, fb); got != want {
			t.Errorf("foldHasPrefix(%q, %q) = %v, want %v", a, b, got, want)
		}
		if got, want := foldHasSuffix(a, b), strings.HasSuffix(fa, fb); got != want {
			t.Errorf("foldHasSuffix(%q, %q) = %v, want %v", a, b, got, want)
		}
		if got, want := foldContains(a, b), strings.Contains(fa, fb); got != want {
			t.Errorf("foldContains(%q, %q) = %v, want %v", a, b, got, want)
		}
	})
}
