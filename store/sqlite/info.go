package sqlite

import (
	"sync"

	"github.com/scimkit/scimkit/schema"
)

// typeInfo is what the store derives once from a resource type.
type typeInfo struct {
	// members is the core "members" attribute when the type is a member
	// resource (multi-valued complex with a "value" sub-attribute).
	members *schema.Attribute
	// groups is the core readOnly multi-valued "groups" attribute filled
	// from the membership index on read.
	groups *schema.Attribute
	// uniques are the top-level single-valued simple attributes with
	// uniqueness server or global.
	uniques []schema.AttrRef
}

var infos sync.Map // *schema.ResourceType → *typeInfo

func infoOf(rt *schema.ResourceType) *typeInfo {
	if v, ok := infos.Load(rt); ok {
		return v.(*typeInfo)
	}
	ti := &typeInfo{}
	if a := rt.Schema.Attribute("members"); a != nil && a.MultiValued && a.IsComplex() && a.Sub("value") != nil {
		ti.members = a
	}
	if a := rt.Schema.Attribute("groups"); a != nil && a.MultiValued && a.IsComplex() && a.EffectiveMutability() == schema.ReadOnly {
		ti.groups = a
	}
	schemas := []*schema.Schema{rt.Schema}
	for _, e := range rt.Extensions {
		schemas = append(schemas, e.Schema)
	}
	for _, s := range schemas {
		for _, a := range s.Attributes {
			u := a.EffectiveUniqueness()
			if !a.MultiValued && !a.IsComplex() && (u == schema.UniqueServer || u == schema.UniqueGlobal) {
				ti.uniques = append(ti.uniques, schema.AttrRef{Schema: s, Attr: a})
			}
		}
	}
	v, _ := infos.LoadOrStore(rt, ti)
	return v.(*typeInfo)
}
