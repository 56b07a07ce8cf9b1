package patch

import (
	"maps"
	"reflect"

	"github.com/scimkit/scimkit/schema"
)

// bigList is the size above which validate checks only the values a
// patch created in a multi-valued complex attribute.
const bigList = 64

// freshSet is the values one Apply created in a multi-valued attribute.
type freshSet struct {
	ids  map[uintptr]bool
	vals []any
	// appendOnly is true while every write of the attribute only appended
	// values or changed values in place: all of vals are then still in
	// the list, unless changed again (which markFresh also records).
	appendOnly bool
}

// markFresh records the complex values of out that are not, at the same
// index, the values of old: those Apply created or changed.
func (s *state) markFresh(a *schema.Attribute, old, out []any) {
	s.freshen(a, false)
	for i, e := range out {
		if i < len(old) {
			if oid, _ := mapID(old[i]); oid != 0 && s.sameID(oid, e) {
				continue
			}
		}
		s.addFresh(a, e)
	}
}

// markAppended records the values of out at the indices idx, which an add
// appended or merged; it keeps the attribute's values append-only.
func (s *state) markAppended(a *schema.Attribute, out []any, idx []int) {
	s.freshen(a, true)
	for _, i := range idx {
		s.addFresh(a, out[i])
	}
}

// freshen returns a's set, created on first use; a write that is not an
// add clears appendOnly.
func (s *state) freshen(a *schema.Attribute, appending bool) *freshSet {
	if s.fresh == nil {
		s.fresh = map[*schema.Attribute]*freshSet{}
	}
	f := s.fresh[a]
	if f == nil {
		f = &freshSet{ids: map[uintptr]bool{}, appendOnly: true}
		s.fresh[a] = f
	}
	if !appending {
		f.appendOnly = false
	}
	return f
}

func (s *state) addFresh(a *schema.Attribute, e any) {
	id, ok := mapID(e)
	if !ok || !a.IsComplex() {
		return
	}
	f := s.fresh[a]
	if !f.ids[id] {
		f.ids[id] = true
		f.vals = append(f.vals, e)
	}
}

func (s *state) sameID(id uintptr, e any) bool {
	eid, ok := mapID(e)
	return ok && eid == id
}

// mapID returns the identity of a complex value. Values reachable from
// the resource being patched are live, so an identity is never reused
// during one Apply.
func mapID(v any) (uintptr, bool) {
	m, ok := v.(map[string]any)
	if !ok || m == nil {
		return 0, false
	}
	return reflect.ValueOf(m).Pointer(), true
}

// validate runs ResourceType.Validate(ModePatch) on the patched resource.
// The values of big readWrite multi-valued complex attributes that the
// patch did not create were valid when stored and are unchanged, so only
// the created ones are passed to Validate (in a shallow view of the
// resource), and the full lists are put back in its result. Validate
// itself no longer copies unchanged values, but still visits each of
// them: for a one-member add to a 100,000-member group this shortcut
// keeps Apply at ~18 ms instead of ~41 ms (~10 ms instead of ~80 ms for a
// remove by filter), so it stays.
func (s *state) validate() (*schema.Resource, error) {
	view := s.next
	var full map[string][]any
	for _, a := range s.rt.Schema.Attributes {
		list, _ := s.next.Attrs[a.Name].([]any)
		if len(list) <= bigList || !a.IsComplex() || a.EffectiveMutability() != schema.ReadWrite {
			continue
		}
		if m := s.p.opts.MaxValues; m > 0 && len(list) > m && !refList(a) {
			return nil, schema.ErrInvalidValue.WithDetail("attribute %q would have %d values after this PATCH; this server accepts at most %d values in one multi-valued attribute", a.Name, len(list), m)
		}
		if full == nil {
			v := *s.next
			v.Attrs = maps.Clone(s.next.Attrs)
			view, full = &v, map[string][]any{}
		}
		full[a.Name] = list
		view.Attrs[a.Name] = s.freshValues(a, list)
	}
	out, err := s.rt.Validate(schema.ModePatch, s.prior, view, s.p.opts)
	if err != nil {
		return nil, err
	}
	for name, list := range full {
		out.Attrs[name] = list
	}
	return out, nil
}

// freshValues returns the values of list created by this Apply; when there
// are none, one value stands for the list so that "required" still holds.
func (s *state) freshValues(a *schema.Attribute, list []any) []any {
	f := s.fresh[a]
	var out []any
	switch {
	case f == nil:
	case f.appendOnly && len(f.vals) > 0:
		out = f.vals
		if len(f.vals) > 1 {
			out = s.present(f, list) // a merge may have replaced a value twice
		}
	default:
		out = s.present(f, list)
	}
	if len(out) == 0 {
		out = list[:1]
	}
	return out
}

// present returns the values of f still in list.
func (s *state) present(f *freshSet, list []any) []any {
	var out []any
	for _, e := range list {
		if len(out) == len(f.ids) {
			break
		}
		if id, ok := mapID(e); ok && f.ids[id] {
			out = append(out, e)
		}
	}
	return out
}
