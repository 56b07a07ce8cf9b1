package patch

import (
	"maps"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
)

// remove applies a "remove" operation (RFC 7644 §3.5.2.2), or an add or
// replace whose value means "unassign" in a lenient dialect (soft):
//   - single-valued attribute, or multi-valued without filter: the
//     attribute is unassigned; removing a required or readOnly attribute
//     fails with mutability;
//   - "complex.sub": the sub-attribute is unassigned;
//   - value filter: the matching values are removed (with ".sub", that
//     sub-attribute of each); no match is noTarget in DialectStrict and a
//     no-op in the lenient dialects, so removing an absent member succeeds;
//   - lenient dialects, path without filter and a value: only the given
//     values are removed (Entra: path "members" with a value list).
//
// Removing an attribute that has no value changes nothing and succeeds.
func (s *state) remove(o *operation, soft bool) error {
	t := o.tgt
	switch {
	case t.whole != nil:
		return s.removeSchema(o)
	case t.perValue():
		return s.removePerValue(o, soft)
	}
	cur, present := s.get(t.ref)
	if t.ref.Sub != nil {
		m, _ := cur.(map[string]any)
		if _, ok := m[t.ref.Sub.Name]; !ok {
			return nil
		}
		nm := maps.Clone(m)
		delete(nm, t.ref.Sub.Name)
		return s.write(o, t.ref, cur, present, nm)
	}
	if o.hasValue {
		return s.removeValues(o, cur, present)
	}
	if old, ok := cur.([]any); ok {
		for _, e := range old {
			s.members.remove(t.ref.Attr, e)
		}
	}
	return s.write(o, t.ref, cur, present, nil)
}

// removeValues removes the values of o.value that are present (lenient
// dialects only). A single-valued attribute is unassigned when its value
// equals the one given.
func (s *state) removeValues(o *operation, cur any, present bool) error {
	a := o.tgt.ref.Attr
	if !a.MultiValued {
		if present && sameElement(a, identityKeys(a), cur, o.value) {
			return s.write(o, o.tgt.ref, cur, present, nil)
		}
		return nil
	}
	vals, _ := o.value.([]any)
	list, _ := cur.([]any)
	if len(vals) == 0 || len(list) == 0 {
		return nil
	}
	hit := valueMatcher(a, vals)
	var out []any
	for i, e := range list {
		if !hit(e) {
			if out != nil {
				out = append(out, e)
			}
			continue
		}
		if out == nil {
			out = make([]any, i, len(list))
			copy(out, list[:i])
		}
		s.members.remove(a, e)
	}
	if out == nil {
		return nil
	}
	return s.write(o, o.tgt.ref, cur, present, out)
}

// valueMatcher returns a test for "e is one of vals" (sameElement). Many
// keyed values (members by id) are looked up in a set, so removing k
// members from a group of n is O(n+k).
func valueMatcher(a *schema.Attribute, vals []any) func(e any) bool {
	keys := identityKeys(a)
	slow := func(e any) bool {
		for _, v := range vals {
			if sameElement(a, keys, e, v) {
				return true
			}
		}
		return false
	}
	if len(vals) <= 8 || a.IsComplex() && !refList(a) {
		return slow
	}
	set := make(map[string]bool, len(vals))
	for _, v := range vals {
		k, ok := elemKey(a, v)
		if !ok {
			return slow
		}
		set[k] = true
	}
	return func(e any) bool {
		k, ok := elemKey(a, e)
		return ok && set[k]
	}
}

// removePerValue removes the values a filter selects (or, with ".sub",
// that sub-attribute of each).
func (s *state) removePerValue(o *operation, soft bool) error {
	t := o.tgt
	a := t.ref.Attr
	cur, present := s.get(t.ref)
	if !a.MultiValued {
		m, _ := cur.(map[string]any)
		if m == nil || !filter.MatchValue(t.filter, m) {
			return s.unmatched(o, soft)
		}
		if t.ref.Sub == nil {
			return s.write(o, t.ref, cur, present, nil)
		}
		nm := maps.Clone(m)
		delete(nm, t.ref.Sub.Name)
		return s.write(o, t.ref, cur, present, nm)
	}
	list, _ := cur.([]any)
	var out []any
	matched := false
	for i, e := range list {
		if t.filter != nil && !filter.MatchValue(t.filter, e) {
			if out != nil {
				out = append(out, e)
			}
			continue
		}
		matched = true
		if out == nil {
			out = make([]any, i, len(list))
			copy(out, list[:i])
		}
		if t.ref.Sub == nil {
			s.members.remove(a, e)
			continue
		}
		ne, err := s.dropSub(o, e)
		if err != nil {
			return err
		}
		s.markFresh(a, nil, []any{ne})
		out = append(out, ne)
	}
	if !matched {
		return s.unmatched(o, soft)
	}
	return s.write(o, t.ref, cur, present, out)
}

// dropSub returns a copy of value e without o's sub-attribute.
func (s *state) dropSub(o *operation, e any) (any, error) {
	em, _ := e.(map[string]any)
	if _, ok := em[o.tgt.ref.Sub.Name]; !ok {
		return e, nil
	}
	ne := maps.Clone(em)
	delete(ne, o.tgt.ref.Sub.Name)
	if err := checkSubs(o, o.tgt.ref, em, ne); err != nil {
		return nil, err
	}
	return ne, nil
}

// unmatched handles a remove whose filter selected nothing: noTarget in
// DialectStrict (RFC 7644 Table 9), a no-op in lenient dialects. Without a
// filter ("emails.display" on a user without emails) there is nothing to
// remove, which succeeds.
func (s *state) unmatched(o *operation, soft bool) error {
	if soft || s.p.f.idempotentRemove || o.tgt.filter == nil {
		return nil
	}
	return noTarget(o)
}

// removeSchema unassigns every attribute of an extension.
func (s *state) removeSchema(o *operation) error {
	for _, a := range o.tgt.whole.Attributes {
		ref := schema.AttrRef{Schema: o.tgt.whole, Attr: a}
		cur, present := s.get(ref)
		if err := s.write(o, ref, cur, present, nil); err != nil {
			return err
		}
	}
	return nil
}
