package postgres

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/scimkit/scimkit/schema"
)

// foldString folds s with the filter package's case rule: every rune
// mapped with unicode.ToLower (RFC 7644 §3.4.2.2 case-insensitive
// comparison, as filter.Match does it).
func foldString(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || ('A' <= c && c <= 'Z') {
			return strings.Map(unicode.ToLower, s)
		}
	}
	return s
}

// timeLayout is the fixed-width UTC form dateTime values take in the fold
// document: byte order equals chronological order.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// normTime rewrites an xsd:dateTime (RFC 7643 §2.3.5) to timeLayout. Text
// that is not a dateTime (never stored: values are validated on write) is
// returned unchanged, so it can only compare as text, never fail a query.
func normTime(s string) (string, bool) {
	t, err := schema.ParseDateTime(s)
	if err != nil || t.Year() < 0 || t.Year() > 9999 {
		return s, false
	}
	return t.UTC().Format(timeLayout), true
}

// isText reports whether values of a compare as strings: string, reference
// and binary (filter.Match folds them unless caseExact).
func isText(a *schema.Attribute) bool {
	return a.Type == schema.String || a.Type == schema.Reference || a.Type == schema.Binary
}

// foldScalar returns the fold-document form of one simple value of a.
func foldScalar(a *schema.Attribute, v any) any {
	s, ok := v.(string)
	if !ok || a == nil {
		return v
	}
	switch {
	case a.Type == schema.DateTime:
		n, _ := normTime(s)
		return n
	case isText(a) && !a.CaseExact:
		return foldString(s)
	}
	return s
}

// mapAttr applies fn to every simple value of attribute a's value v,
// descending into complex and multi-valued values; sub-attributes unknown
// to the schema are passed to fn with a nil attribute.
func mapAttr(a *schema.Attribute, v any, fn func(*schema.Attribute, any) any) any {
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = mapAttr(a, e, fn)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			var sub *schema.Attribute
			if a != nil {
				sub = a.Sub(k)
			}
			out[k] = mapAttr(sub, e, fn)
		}
		return out
	}
	return fn(a, v)
}

// mapAttrs applies mapAttr to every attribute of a resource's Attrs: core
// attributes at the top level, extension attributes under their URN.
func mapAttrs(rt *schema.ResourceType, attrs map[string]any, fn func(*schema.Attribute, any) any) map[string]any {
	out := make(map[string]any, len(attrs))
	for k, v := range attrs {
		if a := rt.Schema.Attribute(k); a != nil {
			out[k] = mapAttr(a, v, fn)
			continue
		}
		ext := rt.SchemaByURN(k)
		m, ok := v.(map[string]any)
		if ext == nil || !ok {
			out[k] = mapAttr(nil, v, fn)
			continue
		}
		em := make(map[string]any, len(m))
		for ek, ev := range m {
			em[ek] = mapAttr(ext.Attribute(ek), ev, fn)
		}
		out[k] = em
	}
	return out
}

// stored returns the attributes of r as stored in the data document: the
// derived members and groups attributes are kept elsewhere.
func stored(rt *schema.ResourceType, r *schema.Resource) map[string]any {
	out := make(map[string]any, len(r.Attrs)+1)
	for k, v := range r.Attrs {
		if v == nil || isDerived(rt, k) {
			continue
		}
		out[k] = v
	}
	return out
}

// isDerived reports whether the top-level attribute k lives outside the
// data document: a group's members or a member's groups.
func isDerived(rt *schema.ResourceType, k string) bool {
	return (k == "members" && membersAttr(rt) != nil) || (k == "groups" && groupsAttr(rt) != nil)
}

// encodeDocs returns the data and fold documents of r.
func encodeDocs(rt *schema.ResourceType, r *schema.Resource) (data, fold []byte, err error) {
	attrs := stored(rt, r)
	folded := mapAttrs(rt, attrs, foldScalar)
	if len(r.Schemas) > 0 {
		attrs["schemas"] = r.Schemas
		folded["schemas"] = r.Schemas
	}
	if data, err = json.Marshal(attrs); err != nil {
		return nil, nil, fmt.Errorf("encode %s: %w", rt.Name, err)
	}
	if fold, err = json.Marshal(folded); err != nil {
		return nil, nil, fmt.Errorf("encode %s: %w", rt.Name, err)
	}
	return data, fold, nil
}

// decodeDoc parses a data document back into schemas and typed attributes
// (int64 for integer, float64 for decimal, as schema.Resource documents).
func decodeDoc(rt *schema.ResourceType, data []byte) ([]string, map[string]any, error) {
	v, err := schema.DecodeJSON(data) // encoding/json's values, faster
	if err != nil {
		return nil, nil, fmt.Errorf("decode stored %s: %w", rt.Name, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, nil, fmt.Errorf("decode stored %s: not a JSON object", rt.Name)
	}
	var schemas []string
	if list, ok := m["schemas"].([]any); ok {
		for _, s := range list {
			if s, ok := s.(string); ok {
				schemas = append(schemas, s)
			}
		}
	}
	delete(m, "schemas")
	return schemas, mapAttrs(rt, m, typedNumber), nil
}

// typedNumber converts a json.Number to the Go type of attribute a.
func typedNumber(a *schema.Attribute, v any) any {
	n, ok := v.(json.Number)
	if !ok {
		return v
	}
	if a == nil || a.Type == schema.Integer {
		if i, err := n.Int64(); err == nil {
			return i
		}
	}
	f, _ := n.Float64()
	return f
}

// membersAttr returns the "members" attribute of a member resource type (a
// multi-valued complex core attribute with a "value" sub-attribute), or nil.
func membersAttr(rt *schema.ResourceType) *schema.Attribute {
	a := rt.Schema.Attribute("members")
	if a == nil || a.Name != "members" || !a.MultiValued || a.Type != schema.Complex || a.Sub("value") == nil {
		return nil
	}
	return a
}

// groupsAttr returns the readOnly multi-valued "groups" attribute that a
// member's representation derives from the membership index, or nil.
func groupsAttr(rt *schema.ResourceType) *schema.Attribute {
	a := rt.Schema.Attribute("groups")
	if a == nil || a.Name != "groups" || !a.MultiValued || a.EffectiveMutability() != schema.ReadOnly {
		return nil
	}
	return a
}

// dbTime is the precision PostgreSQL keeps: timestamps are truncated to
// microseconds before they are stored or returned, so both agree.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
