package patch

import (
	"maps"
	"strings"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
)

// finder locates a value of a multi-valued attribute equal to a new one
// (sameElement). For reference lists and simple lists it indexes values by
// key when many values are looked up, so adding k members to a group of n
// is O(n+k); a single lookup is a linear scan without allocation.
type finder struct {
	a     *schema.Attribute
	keys  []string
	refs  bool
	exact bool
	index map[string]int
}

func newFinder(a *schema.Attribute, list []any, lookups int) *finder {
	f := &finder{a: a, keys: identityKeys(a), refs: refList(a)}
	if f.refs {
		f.exact = a.Sub("value").CaseExact
	}
	if lookups > 8 && (f.refs || !a.IsComplex()) {
		f.index = make(map[string]int, len(list)+lookups)
		for i, e := range list {
			f.added(e, i)
		}
	}
	return f
}

// find returns the index in list of a value equal to v, or -1.
func (f *finder) find(list []any, v any) int {
	if f.index != nil {
		if k, ok := elemKey(f.a, v); ok {
			if i, ok := f.index[k]; ok {
				return i
			}
			return -1
		}
	}
	if f.refs {
		nm, _ := v.(map[string]any)
		if nv, ok := nm["value"].(string); ok {
			for i, e := range list {
				em, _ := e.(map[string]any)
				ev, _ := em["value"].(string)
				if ev == nv || !f.exact && strings.EqualFold(ev, nv) {
					return i
				}
			}
			return -1
		}
	}
	for i, e := range list {
		if sameElement(f.a, f.keys, e, v) {
			return i
		}
	}
	return -1
}

// added records that v now sits at index i.
func (f *finder) added(v any, i int) {
	if f.index == nil {
		return
	}
	if k, ok := elemKey(f.a, v); ok {
		if _, dup := f.index[k]; !dup {
			f.index[k] = i
		}
	}
}

func isPrimary(v any) bool {
	m, _ := v.(map[string]any)
	b, _ := m["primary"].(bool)
	return b
}

// setsPrimary reports whether o makes the values it targets primary.
func (o *operation) setsPrimary() bool {
	if o.tgt.ref.Sub != nil {
		return o.tgt.ref.Sub.Name == "primary" && o.value == true
	}
	return isPrimary(o.value)
}

// fixPrimary sets "primary" to false on every value except those at the
// indices keep (RFC 7644 §3.5.2: setting primary to true on one value
// "SHALL cause the server to automatically set primary to false for any
// other values in the array"; RFC 7643 §2.4).
func fixPrimary(a *schema.Attribute, list []any, owned bool, keep []int) ([]any, bool, []int) {
	if len(keep) == 0 || a.Sub("primary") == nil {
		return list, owned, nil
	}
	var cleared []int
	for i, e := range list {
		if !isPrimary(e) || containsInt(keep, i) {
			continue
		}
		list, owned = cow(list, owned, 0)
		ne := maps.Clone(e.(map[string]any))
		ne["primary"] = false
		list[i] = ne
		cleared = append(cleared, i)
	}
	return list, owned, cleared
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// setPerValue applies an add or replace whose path has a value filter
// ("emails[type eq \"work\"]", "emails[type eq \"work\"].value") or names
// a sub-attribute of every value ("emails.display"). Each matching value
// is updated; when none matches, strict RFC 7644 §3.5.2.3 answers
// noTarget while the lenient dialects create the value from the filter's
// equalities (Entra sends emails[type eq "work"].value for a user without
// a work email).
func (s *state) setPerValue(o *operation) error {
	t := o.tgt
	a := t.ref.Attr
	cur, present := s.get(t.ref)
	if !a.MultiValued {
		return s.setSingleFiltered(o, cur, present)
	}
	list, _ := cur.([]any)
	out, owned := list, false
	var hit []int
	for i, e := range list {
		if t.filter != nil && !filter.MatchValue(t.filter, e) {
			continue
		}
		ne, err := s.updateElem(o, e)
		if err != nil {
			return err
		}
		if !equalExact(ne, e) {
			out, owned = cow(out, owned, 0)
			out[i] = ne
		}
		hit = append(hit, i)
	}
	if len(hit) == 0 {
		ne, err := s.created(o)
		if err != nil {
			return err
		}
		out, owned = cow(out, owned, 1)
		out = append(out, ne)
		s.members.add(a, ne)
		hit = append(hit, len(out)-1)
	}
	if o.setsPrimary() {
		out, owned, _ = fixPrimary(a, out, owned, hit)
	}
	if !owned {
		return nil
	}
	s.markFresh(a, list, out)
	return s.write(o, t.ref, cur, present, out)
}

// setSingleFiltered is setPerValue for a filter on a single-valued complex
// attribute (manager[value eq "id"].displayName).
func (s *state) setSingleFiltered(o *operation, cur any, present bool) error {
	m, _ := cur.(map[string]any)
	if m == nil || !filter.MatchValue(o.tgt.filter, m) {
		if m != nil {
			return noTarget(o)
		}
		ne, err := s.created(o)
		if err != nil {
			return err
		}
		return s.write(o, o.tgt.ref, cur, present, ne)
	}
	ne, err := s.updateElem(o, m)
	if err != nil {
		return err
	}
	return s.write(o, o.tgt.ref, cur, present, ne)
}

// updateElem returns the new version of value e targeted by o: with a
// sub-attribute, that sub-attribute set; for add, the value's members
// merged; for replace, the value itself (RFC 7644 §3.5.2.3: "all matching
// record values SHALL be replaced"), in lenient dialects completed with
// the filter's equalities so that replace emails[type eq "work"] with
// {"value":…} keeps type work.
func (s *state) updateElem(o *operation, e any) (any, error) {
	t := o.tgt
	if !t.ref.Attr.IsComplex() {
		return o.value, nil
	}
	em, _ := e.(map[string]any)
	var ne map[string]any
	switch {
	case t.ref.Sub != nil:
		ne = maps.Clone(em)
		if ne == nil {
			ne = map[string]any{}
		}
		ne[t.ref.Sub.Name] = o.value
	case o.kind == opAdd:
		ne = mergeMap(em, o.value).(map[string]any)
	default:
		ne = maps.Clone(o.value.(map[string]any))
		if s.p.f.createOnNoMatch {
			fillEqualities(t, ne)
		}
	}
	if err := checkSubs(o, t.ref, em, ne); err != nil {
		return nil, err
	}
	return ne, nil
}

// created builds the value an add or replace through an unmatched filter
// creates in lenient dialects, or fails with noTarget.
func (s *state) created(o *operation) (any, error) {
	t := o.tgt
	if !s.p.f.createOnNoMatch {
		return nil, noTarget(o)
	}
	if !t.ref.Attr.IsComplex() {
		return o.value, nil
	}
	elem := map[string]any{}
	if !fillEqualities(t, elem) {
		return nil, schema.ErrNoTarget.WithDetail("%s: the filter matches no value, and only a filter of equalities (type eq \"work\") can create one", o.where())
	}
	if t.ref.Sub != nil {
		elem[t.ref.Sub.Name] = o.value
	} else {
		maps.Copy(elem, o.value.(map[string]any))
	}
	return elem, nil
}

// fillEqualities sets in m, where absent, the sub-attributes that t's
// filter compares with eq ("type eq \"work\"" → type: work). It reports
// false when the filter is not a conjunction of such equalities.
func fillEqualities(t target, m map[string]any) bool {
	if t.filter == nil {
		return true
	}
	cs, ok := equalities(t.filter)
	if !ok {
		return false
	}
	for _, c := range cs {
		sub := compareSub(t.ref.Attr, c)
		if sub == nil {
			return false
		}
		if _, has := m[sub.Name]; !has {
			m[sub.Name] = c.Value
		}
	}
	return true
}

// equalities returns the comparisons of e when e is "x eq v" or an "and"
// of such comparisons.
func equalities(e filter.Expr) ([]*filter.Compare, bool) {
	switch e := e.(type) {
	case *filter.Compare:
		return []*filter.Compare{e}, e.Op == filter.Eq && e.Value != nil
	case *filter.Logical:
		if e.Op != "and" {
			return nil, false
		}
		l, ok1 := equalities(e.Left)
		r, ok2 := equalities(e.Right)
		return append(l, r...), ok1 && ok2
	}
	return nil, false
}

// compareSub returns the sub-attribute of a that a comparison inside a's
// value filter names.
func compareSub(a *schema.Attribute, c *filter.Compare) *schema.Attribute {
	if c.Ref.Sub != nil {
		return c.Ref.Sub
	}
	if c.Ref.Attr != nil && a.Sub(c.Ref.Attr.Name) == c.Ref.Attr {
		return c.Ref.Attr
	}
	if c.Path.Sub != "" && strings.EqualFold(c.Path.Name, a.Name) {
		return a.Sub(c.Path.Sub)
	}
	return a.Sub(c.Path.Name)
}

func noTarget(o *operation) error {
	return schema.ErrNoTarget.WithDetail("%s: the filter matched no value (RFC 7644 §3.5.2)", o.where())
}
