package memory

import (
	"slices"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
)

// candidates returns a superset of the records matching e, in creation
// order, when one term of e's top-level conjunction is an equality on an
// indexed attribute (id, externalId, displayName, a unique attribute) or
// a membership test (members[value eq "x"], members.value eq "x"); ok is
// false when e must be evaluated over every record.
func (st *state) candidates(td *tenantData, t *table, e filter.Expr) ([]*record, bool) {
	if e == nil {
		return nil, false
	}
	for _, term := range conjuncts(e, nil) {
		if recs, ok := t.lookup(td, term); ok {
			slices.SortFunc(recs, func(a, b *record) int { return cmpUint(a.seq, b.seq) })
			return recs, true
		}
	}
	return nil, false
}

func conjuncts(e filter.Expr, out []filter.Expr) []filter.Expr {
	if l, ok := e.(*filter.Logical); ok && l.Op == "and" {
		return conjuncts(l.Right, conjuncts(l.Left, out))
	}
	return append(out, e)
}

// lookup answers one term from an index.
func (t *table) lookup(td *tenantData, term filter.Expr) ([]*record, bool) {
	ti := t.info.Load()
	if vp, ok := term.(*filter.ValuePath); ok && ti.members != "" && vp.Ref.Attr != nil && vp.Ref.Attr.Name == ti.members && vp.Ref.Schema == ti.rt.Schema {
		if c, ok := filter.Equality(vp.Filter); ok && c.Path.Sub == "" && isValueSub(c.Ref, c.Path) {
			return t.groupsWithMember(td, c.Value)
		}
		return nil, false
	}
	c, ok := term.(*filter.Compare)
	if !ok || c.Op != filter.Eq || c.Value == nil || c.Ref.Attr == nil {
		return nil, false
	}
	ref := c.Ref
	switch {
	case ref.IsCommon() && ref.Attr.Name == "id":
		s, _ := c.Value.(string)
		if r := t.get(s); r != nil {
			return []*record{r}, true
		}
		return nil, true
	case ref.IsCommon() && ref.Attr.Name == "externalId":
		s, _ := c.Value.(string)
		return t.byExt.get(keyHash(s)), true
	case ref.IsCommon():
		return nil, false
	case ref.Sub != nil:
		if ti.members != "" && ref.Attr.Name == ti.members && ref.Schema == ti.rt.Schema && ref.Sub.Name == "value" {
			return t.groupsWithMember(td, c.Value)
		}
		return nil, false
	case ti.displayName.Attr == ref.Attr && ref.Schema == ti.displayName.Schema:
		k, ok := indexKey(ref.Attr, c.Value)
		return t.byName.get(keyHash(k)), ok
	}
	for i, u := range ti.unique {
		if u.Attr == ref.Attr && u.Schema == ref.Schema {
			k, ok := indexKey(ref.Attr, c.Value)
			if m := t.unique[ti.uniquePaths[i]]; m != nil && ok {
				return m.get(keyHash(k)), true
			}
			return nil, ok
		}
	}
	return nil, false
}

// isValueSub reports whether a compare inside members[...] names "value".
func isValueSub(ref schema.AttrRef, p filter.AttrPath) bool {
	if ref.Sub != nil {
		return ref.Sub.Name == "value"
	}
	return ref.Attr != nil && ref.Attr.Name == "value"
}

// groupsWithMember returns the records of t whose member set holds v.
func (t *table) groupsWithMember(td *tenantData, v any) ([]*record, bool) {
	s, ok := v.(string)
	if !ok || !t.info.Load().memberValueExact {
		return nil, false
	}
	var out []*record
	for _, m := range td.memberOf[s] {
		if r := t.get(m.group); r != nil {
			out = append(out, r)
		}
	}
	return out, true
}
