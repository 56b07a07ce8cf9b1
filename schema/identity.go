package schema

import (
	"maps"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Which values of a multi-valued attribute are "the same value": RFC 7643
// §2.4 says the same (type, value) pair SHOULD NOT be returned twice, and
// RFC 7644 §3.5.2.1 that adding a value already present changes nothing.
// Package patch (add, remove, the member index) and Validate (duplicates
// in POST and PUT bodies) both decide it here.

// IsReferenceList reports whether a's values are references to resources
// (Group members, User groups): complex with "value" and "$ref"
// sub-attributes. Such a value is identified by its "value" alone.
func (a *Attribute) IsReferenceList() bool {
	return a.IsComplex() && a.Sub("value") != nil && a.Sub("$ref") != nil
}

// IdentityKeys returns the sub-attributes that identify a value of the
// multi-valued complex attribute a: "value" for a reference list,
// "value" and "type" when a has a "type" (emails, phoneNumbers: RFC 7643
// §2.4's (type, value) pair), else "value"; nil when a has no "value"
// sub-attribute. The slice is shared: callers must not modify it.
func (a *Attribute) IdentityKeys() []string {
	switch {
	case a.Sub("value") == nil:
		return nil
	case a.IsReferenceList():
		return keysValue
	case a.Sub("type") != nil:
		return keysValueType
	}
	return keysValue
}

var (
	keysValue     = []string{"value"}
	keysValueType = []string{"value", "type"}
)

// IdentityKey returns a map key identifying v, a value of the
// multi-valued attribute a: two values have the same key exactly when
// their IdentityKeys sub-attributes (a simple value: the value itself)
// are equal, strings compared case-insensitively unless the
// (sub-)attribute is caseExact or binary (RFC 7643 §2.2), and a
// sub-attribute equal only to itself when absent. ok is false when v has
// no identity (no string "value"): such values are never duplicates.
func (a *Attribute) IdentityKey(v any) (key string, ok bool) {
	if !a.IsComplex() {
		s, ok := v.(string)
		return foldFor(a, s), ok
	}
	m, _ := v.(map[string]any)
	keys := a.IdentityKeys()
	if m == nil || keys == nil {
		return "", false
	}
	if _, ok := m["value"].(string); !ok {
		return "", false
	}
	if len(keys) == 1 {
		return foldFor(a.Sub("value"), m["value"].(string)), true
	}
	var b strings.Builder
	for _, k := range keys {
		s, ok := m[k].(string)
		if !ok {
			b.WriteByte(0) // absent (or not a string): equal only to absent
			continue
		}
		b.WriteByte(1)
		b.WriteString(foldFor(a.Sub(k), s))
		b.WriteByte(0)
	}
	return b.String(), true
}

// foldFor returns s as a's values compare: case-folded unless caseExact
// or binary.
func foldFor(a *Attribute, s string) string {
	if a == nil || a.CaseExact || a.Type == Binary {
		return s
	}
	return foldKey(s)
}

// equalFor reports whether x and y are equal as a's values compare
// (foldFor(a, x) == foldFor(a, y), without allocating).
func equalFor(a *Attribute, x, y string) bool {
	if a == nil || a.CaseExact || a.Type == Binary {
		return x == y
	}
	return strings.EqualFold(x, y)
}

// foldKey returns s with every rune replaced by one representative of its
// simple case-folding orbit (foldRune), so that foldKey(x) == foldKey(y)
// exactly when strings.EqualFold(x, y). ASCII without upper case is
// returned as is.
func foldKey(s string) string {
	i := 0
	for ; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			break
		}
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// foldRune returns the representative of r's simple case-folding orbit:
// its ASCII lower-case letter when the orbit has an ASCII rune (k for K,
// k and the Kelvin sign; s for S, s and ſ), else the orbit's smallest
// rune. (Lower-casing the smallest rune would not do: İ, alone in its
// orbit, lower-cases to i.)
func foldRune(r rune) rune {
	lower := func(c rune) rune {
		if 'A' <= c && c <= 'Z' {
			return c + 'a' - 'A'
		}
		return c
	}
	if r < utf8.RuneSelf {
		return lower(r)
	}
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < utf8.RuneSelf {
			return lower(f)
		}
		m = min(m, f)
	}
	return m
}

// sameIdentity reports whether x and y, values of a that both have an
// identity, have the same IdentityKey, without building the keys.
func sameIdentity(a *Attribute, keys []string, x, y any) bool {
	if !a.IsComplex() {
		xs, _ := x.(string)
		ys, _ := y.(string)
		return equalFor(a, xs, ys)
	}
	xm, _ := x.(map[string]any)
	ym, _ := y.(map[string]any)
	for _, k := range keys {
		xs, xok := xm[k].(string)
		ys, yok := ym[k].(string)
		if xok != yok || xok && !equalFor(a.Sub(k), xs, ys) {
			return false
		}
	}
	return true
}

// Dedupe returns list, the values of the multi-valued attribute a,
// without the values whose IdentityKey an earlier value has (RFC 7643
// §2.4: the same (type, value) pair SHOULD NOT be returned twice): the
// first is kept and, when a dropped duplicate has primary true, gets it.
// It reports whether it dropped any. list is not modified; a kept value
// that gains primary is copied. Validate applies it to every
// multi-valued attribute, and package patch to a replace's values.
func Dedupe(a *Attribute, list []any) ([]any, bool) {
	if len(list) < 2 || (a.IsComplex() && a.IdentityKeys() == nil) {
		return list, false
	}
	if len(list) <= 16 {
		return dedupeSmall(a, list)
	}
	seen := make(map[string]int, len(list))
	var out []any // nil until the first duplicate
	for i, e := range list {
		k, ok := a.IdentityKey(e)
		if !ok {
			if out != nil {
				out = append(out, e)
			}
			continue
		}
		j, dup := seen[k]
		if !dup {
			if out != nil {
				seen[k] = len(out)
				out = append(out, e)
			} else {
				seen[k] = i
			}
			continue
		}
		if out == nil {
			out = append(make([]any, 0, len(list)-1), list[:i]...)
		}
		inheritPrimary(out, j, e)
	}
	if out == nil {
		return list, false
	}
	return out, true
}

// inheritPrimary makes out[j], the value kept for the dropped duplicate
// dup, primary when dup was (on a copy: the caller's maps are not
// modified).
func inheritPrimary(out []any, j int, dup any) {
	if isPrimary(dup) && !isPrimary(out[j]) {
		m := maps.Clone(out[j].(map[string]any))
		m["primary"] = true
		out[j] = m
	}
}

// dedupeSmall is Dedupe for a short list: pairwise comparisons, no keys
// and no map, so that validating a typical user allocates nothing here.
func dedupeSmall(a *Attribute, list []any) ([]any, bool) {
	keys := a.IdentityKeys()
	var out []any // nil until the first duplicate
	for i, e := range list {
		if !hasIdentity(a, e) {
			if out != nil {
				out = append(out, e)
			}
			continue
		}
		kept := list[:i]
		if out != nil {
			kept = out
		}
		j := -1
		for k, p := range kept {
			if hasIdentity(a, p) && sameIdentity(a, keys, p, e) {
				j = k
				break
			}
		}
		switch {
		case j < 0 && out != nil:
			out = append(out, e)
		case j >= 0:
			if out == nil {
				out = append(make([]any, 0, len(list)-1), list[:i]...)
			}
			inheritPrimary(out, j, e)
		}
	}
	if out == nil {
		return list, false
	}
	return out, true
}

// hasIdentity reports whether v, a value of a, has an identity (see
// IdentityKey), without building its key.
func hasIdentity(a *Attribute, v any) bool {
	if !a.IsComplex() {
		_, ok := v.(string)
		return ok
	}
	m, _ := v.(map[string]any)
	_, ok := m["value"].(string)
	return ok && a.Sub("value") != nil
}

func isPrimary(v any) bool {
	m, _ := v.(map[string]any)
	b, _ := m["primary"].(bool)
	return b
}
