package patch

import (
	"encoding/json"
	"reflect"
	"strings"

	"github.com/scimkit/scimkit/schema"
)

// equalExact reports whether two decoded values are identical: same
// types, same strings byte for byte. It decides whether a value "really
// changed" for Summary and readOnly checks.
func equalExact(x, y any) bool {
	switch x := x.(type) {
	case nil:
		return y == nil
	case string:
		y, ok := y.(string)
		return ok && x == y
	case bool:
		y, ok := y.(bool)
		return ok && x == y
	case int64:
		y, ok := y.(int64)
		return ok && x == y
	case float64:
		y, ok := y.(float64)
		return ok && x == y
	case map[string]any:
		y, ok := y.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !equalExact(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := y.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalExact(x[i], y[i]) {
				return false
			}
		}
		return true
	case json.Number:
		y, ok := y.(json.Number)
		return ok && x == y
	}
	return reflect.DeepEqual(x, y)
}

// equalValue reports whether x and y are the same value of attribute a
// (RFC 7643 §2.2 caseExact): strings of a non-caseExact attribute compare
// case-insensitively, complex values sub-attribute by sub-attribute.
func equalValue(a *schema.Attribute, x, y any) bool {
	switch xv := x.(type) {
	case string:
		yv, ok := y.(string)
		if !ok {
			return false
		}
		if a == nil || a.CaseExact || a.Type == schema.Binary {
			return xv == yv
		}
		return strings.EqualFold(xv, yv)
	case map[string]any:
		yv, ok := y.(map[string]any)
		if !ok || len(xv) != len(yv) {
			return false
		}
		for k, v := range xv {
			w, ok := yv[k]
			if !ok || !equalValue(a.Sub(k), v, w) {
				return false
			}
		}
		return true
	case []any:
		yv, ok := y.([]any)
		if !ok || len(xv) != len(yv) {
			return false
		}
		for i := range xv {
			if !equalValue(a, xv[i], yv[i]) {
				return false
			}
		}
		return true
	}
	return equalExact(x, y)
}

// refList reports whether a is a list of references to resources (Group
// "members", User "groups"), whose values are identified by "value"
// alone (schema.Attribute.IsReferenceList).
func refList(a *schema.Attribute) bool { return a.IsReferenceList() }

// identityKeys returns the sub-attributes that identify a value of the
// multi-valued complex attribute a (schema.Attribute.IdentityKeys), nil
// when every sub-attribute except "primary" does.
func identityKeys(a *schema.Attribute) []string { return a.IdentityKeys() }

// sameElement reports whether n, a value being added, is already present
// as e in multi-valued attribute a (RFC 7644 §3.5.2.1: "If the target
// location already contains the value specified, no changes SHOULD be
// made"). A sub-attribute that n does not carry does not distinguish.
func sameElement(a *schema.Attribute, keys []string, e, n any) bool {
	if !a.IsComplex() {
		return equalValue(a, e, n)
	}
	em, ok1 := e.(map[string]any)
	nm, ok2 := n.(map[string]any)
	if !ok1 || !ok2 {
		return false
	}
	matched := 0
	for _, k := range keys {
		nv, ok := nm[k]
		if !ok {
			continue
		}
		if !equalValue(a.Sub(k), em[k], nv) {
			return false
		}
		matched++
	}
	if matched > 0 {
		return true
	}
	for k, nv := range nm {
		if k != "primary" && !equalValue(a.Sub(k), em[k], nv) {
			return false
		}
	}
	return len(nm) > 0
}

// elemKey returns a map key for value v of a reference list or a simple
// multi-valued attribute, for O(1) duplicate checks on large lists: the
// schema's identity key (schema.Attribute.IdentityKey), so that PATCH and
// Validate agree on which values are the same.
func elemKey(a *schema.Attribute, v any) (string, bool) {
	if a.IsComplex() && !refList(a) {
		return "", false
	}
	return a.IdentityKey(v)
}
