package filter

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Fold returns the case-folded form of s used for every comparison with
// an attribute whose caseExact is false (RFC 7643 §2.2, RFC 7644
// §3.4.2.2): each rune is replaced by unicode.ToLower of it — the Unicode
// simple lower-case mapping (UnicodeData.txt field 13, at the Unicode
// version of the Go release) — and invalid UTF-8 bytes by U+FFFD. There is
// no language-specific rule, no multi-rune mapping and no normalisation:
//
//   - "ß" stays "ß" (it does not equal "ss"); "ẞ" (U+1E9E) folds to "ß".
//   - Turkish "İ" (U+0130) folds to "i" and "I" to "i"; dotless "ı"
//     (U+0131) stays "ı" and does not equal "i".
//   - "Σ" folds to "σ", but final "ς" stays "ς".
//   - Precomposed "é" (U+00E9) and "e" + U+0301 are different strings.
//   - Characters without case (digits, CJK, emoji) are unchanged.
//
// Two strings are equal ignoring case when their Folds are equal; they
// order as their Folds compare bytewise (UTF-8 byte order is code point
// order); co, sw and ew are substring, prefix and suffix tests on the
// Folds. Store backends must reproduce exactly this: SQL lower() differs
// (SQLite's folds only ASCII; PostgreSQL's depends on the collation and
// may apply full mappings), so backends should store Fold(value) in a
// column computed in Go, compare it with Fold of the filter value using
// binary collation (COLLATE "C" / BINARY), or register Fold as a SQL
// function.
func Fold(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return strings.Map(unicode.ToLower, s)
		}
	}
	return s
}

// foldRune is unicode.ToLower with an ASCII fast path.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	return unicode.ToLower(r)
}

// next decodes the first rune of s and folds it; n is its width.
func next(s string) (r rune, n int) {
	if c := s[0]; c < utf8.RuneSelf {
		return foldRune(rune(c)), 1
	}
	r, n = utf8.DecodeRuneInString(s)
	return foldRune(r), n
}

// foldCompare returns strings.Compare(Fold(a), Fold(b)) without
// allocating.
func foldCompare(a, b string) int {
	for a != "" && b != "" {
		ra, na := next(a)
		rb, nb := next(b)
		if ra != rb {
			if ra < rb {
				return -1
			}
			return 1
		}
		a, b = a[na:], b[nb:]
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	}
	return 1
}

// foldEqual reports whether Fold(a) == Fold(b) without allocating.
func foldEqual(a, b string) bool {
	// ASCII fast path: compare bytes until a non-ASCII byte.
	i := 0
	for ; i < len(a) && i < len(b); i++ {
		ca, cb := a[i], b[i]
		if ca|cb >= utf8.RuneSelf {
			return foldEqualRunes(a[i:], b[i:])
		}
		if ca != cb && lowerASCII(ca) != lowerASCII(cb) {
			return false
		}
	}
	return len(a) == len(b)
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func foldEqualRunes(a, b string) bool {
	for a != "" && b != "" {
		ra, na := next(a)
		rb, nb := next(b)
		if ra != rb {
			return false
		}
		a, b = a[na:], b[nb:]
	}
	return a == "" && b == ""
}

// foldHasPrefix reports whether Fold(s) starts with Fold(prefix).
func foldHasPrefix(s, prefix string) bool {
	for prefix != "" {
		if s == "" {
			return false
		}
		rs, ns := next(s)
		rp, np := next(prefix)
		if rs != rp {
			return false
		}
		s, prefix = s[ns:], prefix[np:]
	}
	return true
}

// foldHasSuffix reports whether Fold(s) ends with Fold(suffix).
func foldHasSuffix(s, suffix string) bool {
	for suffix != "" {
		if s == "" {
			return false
		}
		rs, ns := utf8.DecodeLastRuneInString(s)
		rp, np := utf8.DecodeLastRuneInString(suffix)
		if foldRune(rs) != foldRune(rp) {
			return false
		}
		s, suffix = s[:len(s)-ns], suffix[:len(suffix)-np]
	}
	return true
}

// foldContains reports whether Fold(s) contains Fold(sub).
func foldContains(s, sub string) bool {
	for {
		if foldHasPrefix(s, sub) {
			return true
		}
		if s == "" {
			return false
		}
		_, n := utf8.DecodeRuneInString(s)
		s = s[n:]
	}
}
