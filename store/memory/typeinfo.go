package memory

import (
	"strings"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// typeInfo is what the store derives once from a resource type.
type typeInfo struct {
	rt *schema.ResourceType
	// members is the name of the membership attribute ("members") when the
	// core schema has a multi-valued complex attribute "members" with a
	// "value" sub-attribute, else "".
	members string
	// memberValueExact: members.value is caseExact, so the membership
	// index (keyed by exact value) can answer equality filters on it.
	memberValueExact bool
	// groups is the name of the derived attribute ("groups") when the core
	// schema has a readOnly multi-valued complex "groups" attribute.
	groups string
	// unique lists the top-level single-valued simple attributes with
	// uniqueness server or global (RFC 7643 §7), core or extension.
	unique      []schema.AttrRef
	uniquePaths []string // unique[i].String()
	// displayName is the core displayName attribute, indexed for
	// push-down, or the zero AttrRef.
	displayName schema.AttrRef
	// treats caches the default projection's treatment of each name, per
	// schema (render.go).
	treats []treatTable
}

func newTypeInfo(rt *schema.ResourceType) *typeInfo {
	ti := &typeInfo{rt: rt, treats: newTreatTables(rt)}
	shape := backend.ShapeOf(rt)
	if a := shape.Members; a != nil {
		ti.members = a.Name
		ti.memberValueExact = a.Sub("value").CaseExact
	}
	if a := shape.Groups; a != nil {
		ti.groups = a.Name
	}
	if a := rt.Schema.Attribute("displayName"); a != nil && !a.MultiValued && a.Type == schema.String {
		ti.displayName = schema.AttrRef{Schema: rt.Schema, Attr: a}
	}
	add := func(s *schema.Schema) {
		for _, a := range s.Attributes {
			u := a.EffectiveUniqueness()
			if (u == schema.UniqueServer || u == schema.UniqueGlobal) && !a.MultiValued && !a.IsComplex() {
				ref := schema.AttrRef{Schema: s, Attr: a}
				ti.unique = append(ti.unique, ref)
				ti.uniquePaths = append(ti.uniquePaths, ref.String())
			}
		}
	}
	add(rt.Schema)
	for _, e := range rt.Extensions {
		add(e.Schema)
	}
	return ti
}

// indexKey returns the key of value v of attribute a in an equality index
// (backend.UniqueText, the rule of every backend: strings folded unless
// caseExact, dateTimes as one instant, numbers by value), or false for a
// value that is not a scalar.
func indexKey(a *schema.Attribute, v any) (string, bool) {
	switch v.(type) {
	case string, bool, int64, float64:
		return backend.UniqueText(a, v), true
	}
	return "", false
}

// uniqueKey is the uniqueness key of one attribute of a resource.
type uniqueKey struct {
	path string // the attribute's path (AttrRef.String)
	key  string // its index key
}

// uniqueKeys appends to out the uniqueness keys of the resource attributes
// attrs, in the order of ti.unique. (Creates pass a buffer on their stack:
// short-lived allocations between the records' strings would leave their
// memory pages half empty.)
func (ti *typeInfo) uniqueKeys(out []uniqueKey, attrs map[string]any) []uniqueKey {
	for i, ref := range ti.unique {
		m := attrs
		if ref.IsExtension(ti.rt) {
			m, _ = attrs[ref.Schema.ID].(map[string]any)
		}
		k, ok := indexKey(ref.Attr, m[ref.Attr.Name])
		if !ok {
			continue
		}
		out = append(out, uniqueKey{ti.uniquePaths[i], k})
	}
	return out
}

func (ti *typeInfo) nameKey(attrs map[string]any) (string, bool) {
	if ti.displayName.Attr == nil {
		return "", false
	}
	return indexKey(ti.displayName.Attr, attrs[ti.displayName.Attr.Name])
}

// schemaMask encodes the schemas of a resource: the core schema always,
// and each extension that is listed in schemas or holds attributes.
func (ti *typeInfo) schemaMask(r *schema.Resource) uint32 {
	mask := uint32(1)
	for i, e := range ti.rt.Extensions {
		if i >= 31 {
			break
		}
		if _, ok := r.Attrs[e.Schema.ID].(map[string]any); ok {
			mask |= 1 << (i + 1)
			continue
		}
		for _, s := range r.Schemas {
			if strings.EqualFold(s, e.Schema.ID) {
				mask |= 1 << (i + 1)
			}
		}
	}
	return mask
}

func (ti *typeInfo) schemas(mask uint32) []string {
	out := []string{ti.rt.Schema.ID}
	for i, e := range ti.rt.Extensions {
		if i < 31 && mask&(1<<(i+1)) != 0 {
			out = append(out, e.Schema.ID)
		}
	}
	return out
}
