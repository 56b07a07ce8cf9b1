package postgres

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

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

// membersAttr returns the attribute a type keeps in the membership index
// (store.Shape), or nil.
func membersAttr(rt *schema.ResourceType) *schema.Attribute { return store.ShapeOf(rt).Members }

// groupsAttr returns the attribute a member's representation derives from
// the membership index (store.Shape), or nil.
func groupsAttr(rt *schema.ResourceType) *schema.Attribute { return store.ShapeOf(rt).Groups }

// dbTime is the precision PostgreSQL keeps: timestamps are truncated to
// microseconds before they are stored or returned, so both agree.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
