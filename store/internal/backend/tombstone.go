package backend

import (
	"fmt"
	"strconv"

	"github.com/scimkit/scimkit/schema"
)

// TombstoneValues returns the values of r's unique attributes for
// TombstoneRecord.Unique: every top-level, single-valued, simple attribute
// of rt's core schema and extensions with uniqueness server or global that
// r holds, keyed by its path, as text (strings as they are, numbers and
// booleans formatted by strconv). Nil when r holds none.
func TombstoneValues(rt *schema.ResourceType, r *schema.Resource) map[string]string {
	var out map[string]string
	schemas := []*schema.Schema{rt.Schema}
	for _, e := range rt.Extensions {
		schemas = append(schemas, e.Schema)
	}
	for _, s := range schemas {
		for _, a := range s.Attributes {
			u := a.EffectiveUniqueness()
			if a.MultiValued || a.IsComplex() || (u != schema.UniqueServer && u != schema.UniqueGlobal) {
				continue
			}
			ref := schema.AttrRef{Schema: s, Attr: a}
			v, ok := r.Get(rt, ref)
			if !ok || v == nil {
				continue
			}
			if out == nil {
				out = map[string]string{}
			}
			out[ref.String()] = valueText(v)
		}
	}
	return out
}

func valueText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}
