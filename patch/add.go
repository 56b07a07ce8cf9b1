package patch

import (
	"maps"

	"github.com/scimkit/scimkit/schema"
)

// add applies an "add" operation (RFC 7644 §3.5.2.1):
//   - multi-valued attribute: the values are appended, except those
//     already present (then only their mutable extra sub-attributes, such
//     as primary, are merged);
//   - complex attribute: the given sub-attributes are set, the others kept;
//   - single-valued attribute: the value is replaced (or set when absent);
//   - a value filter or "multi.sub" path: every matching value is updated
//     (see setPerValue).
func (s *state) add(o *operation) error {
	return s.set(o, s.addValues)
}

// set is what add and replace share: they differ only in what they do
// with the values of a multi-valued attribute (values). A value filter or
// sub-attribute path sets per value or per sub-attribute, a complex value
// is merged into the current one (RFC 7644 §3.5.2.1 and §3.5.2.3 both
// leave unnamed sub-attributes unchanged), and any other value replaces
// the current one.
func (s *state) set(o *operation, values func(o *operation, cur any, present bool, vals []any) error) error {
	t := o.tgt
	switch {
	case t.perValue():
		return s.setPerValue(o)
	case t.ref.Sub != nil:
		return s.setSub(o)
	}
	cur, present := s.get(t.ref)
	a := t.ref.Attr
	switch {
	case a.MultiValued:
		vals, _ := o.value.([]any)
		return values(o, cur, present, vals)
	case a.IsComplex():
		return s.write(o, t.ref, cur, present, mergeMap(cur, o.value))
	}
	return s.write(o, t.ref, cur, present, o.value)
}

// addValues appends vals to the multi-valued attribute o.tgt.ref without
// duplicating values already present (RFC 7644 §3.5.2.1). It is O(len
// list) per added value with a small constant, O(len list + len vals) for
// many reference values.
func (s *state) addValues(o *operation, cur any, present bool, vals []any) error {
	a := o.tgt.ref.Attr
	list, _ := cur.([]any)
	fd := newFinder(a, list, len(vals))
	out, owned := list, false
	var primaries, changed []int
	for _, v := range vals {
		if i := fd.find(out, v); i >= 0 {
			ne, err := s.mergeExisting(o, out[i], v)
			if err != nil {
				return err
			}
			if !equalExact(ne, out[i]) {
				out, owned = cow(out, owned, 0)
				out[i] = ne
				changed = append(changed, i)
			}
			if isPrimary(v) {
				primaries = append(primaries, i)
			}
			continue
		}
		out, owned = cow(out, owned, len(vals))
		v = schema.CloneValue(v) // the Patch's values are never handed out
		out = append(out, v)
		changed = append(changed, len(out)-1)
		fd.added(v, len(out)-1)
		s.members.add(a, v)
		if isPrimary(v) {
			primaries = append(primaries, len(out)-1)
		}
	}
	out, owned, cleared := fixPrimary(a, out, owned, primaries)
	if !owned {
		return nil // nothing new: every value was already there
	}
	s.markAppended(a, out, append(changed, cleared...))
	s.appending = true
	defer func() { s.appending = false }()
	return s.write(o, o.tgt.ref, cur, present, out)
}

// mergeExisting merges the sub-attributes of n, a value being added that
// is already present as e, into a copy of e. Reference lists (members)
// are left as they are: the same member added again is a no-op.
func (s *state) mergeExisting(o *operation, e, n any) (any, error) {
	a := o.tgt.ref.Attr
	em, ok1 := e.(map[string]any)
	nm, ok2 := n.(map[string]any)
	if !ok1 || !ok2 || refList(a) {
		return e, nil
	}
	out := maps.Clone(em)
	for k, v := range nm {
		sub := a.Sub(k)
		if sub != nil && sub.EffectiveMutability() != schema.ReadWrite {
			continue // an immutable or readOnly extra does not make a new value
		}
		if old, ok := em[k]; ok && equalValue(sub, old, v) {
			continue // keep the stored spelling
		}
		out[k] = v
	}
	return out, nil
}

// setSub sets the sub-attribute of a single-valued complex attribute
// ("name.givenName"), creating the complex value when absent.
func (s *state) setSub(o *operation) error {
	cur, present := s.get(o.tgt.ref)
	m, _ := cur.(map[string]any)
	nm := maps.Clone(m)
	if nm == nil {
		nm = map[string]any{}
	}
	nm[o.tgt.ref.Sub.Name] = o.value
	return s.write(o, o.tgt.ref, cur, present, nm)
}

// mergeMap returns a copy of cur (a complex value, or nil) with the
// members of v set (RFC 7644 §3.5.2.1, §3.5.2.3: "Sub-attributes that are
// not specified in the value parameter are left unchanged").
func mergeMap(cur, v any) any {
	m, _ := cur.(map[string]any)
	out := maps.Clone(m)
	if out == nil {
		out = map[string]any{}
	}
	nv, _ := v.(map[string]any)
	maps.Copy(out, nv)
	return out
}

// cow returns list as a slice owned by the caller, copying it once with
// room for extra more values.
func cow(list []any, owned bool, extra int) ([]any, bool) {
	if owned {
		return list, true
	}
	out := make([]any, len(list), len(list)+extra)
	copy(out, list)
	return out, true
}
