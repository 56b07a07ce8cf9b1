package schema

import (
	"maps"
	"strings"
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
// sub-attribute.
func (a *Attribute) IdentityKeys() []string {
	switch {
	case a.Sub("value") == nil:
		return nil
	case a.IsReferenceList():
		return []string{"value"}
	case a.Sub("type") != nil:
		return []string{"value", "type"}
	}
	return []string{"value"}
}

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

// foldFor returns s as a's values compare: lower-cased unless caseExact
// or binary.
func foldFor(a *Attribute, s string) string {
	if a == nil || a.CaseExact || a.Type == Binary {
		return s
	}
	return strings.ToLower(s)
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
		if isPrimary(e) && !isPrimary(out[j]) {
			m := maps.Clone(out[j].(map[string]any))
			m["primary"] = true
			out[j] = m
		}
	}
	if out == nil {
		return list, false
	}
	return out, true
}

func isPrimary(v any) bool {
	m, _ := v.(map[string]any)
	b, _ := m["primary"].(bool)
	return b
}
