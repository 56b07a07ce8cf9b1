package patch

import (
	"maps"
	"reflect"

	"github.com/scimkit/scimkit/schema"
)

// bigList is the size above which validate checks only the values a
// patch created in a multi-valued complex attribute.
const bigList = 64

// markFresh records the complex values of out that are not, at the same
// index, the values of old: those Apply created or changed.
func (s *state) markFresh(a *schema.Attribute, old, out []any) {
	if !a.IsComplex() {
		return
	}
	set := s.fresh[a]
	for i, e := range out {
		id, ok := mapID(e)
		if !ok {
			continue
		}
		if i < len(old) {
			if oid, _ := mapID(old[i]); oid == id {
				continue
			}
		}
		if set == nil {
			if s.fresh == nil {
				s.fresh = map[*schema.Attribute]map[uintptr]bool{}
			}
			set = map[uintptr]bool{}
			s.fresh[a] = set
		}
		set[id] = true
	}
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
// resource), and the full lists are put back in its result. This keeps a
// one-member change to a big group O(n) with a small constant instead of
// re-validating and deep-copying every member.
func (s *state) validate() (*schema.Resource, error) {
	view := s.next
	var full map[string][]any
	for _, a := range s.rt.Schema.Attributes {
		list, _ := s.next.Attrs[a.Name].([]any)
		if len(list) <= bigList || !a.IsComplex() || a.EffectiveMutability() != schema.ReadWrite {
			continue
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
	set := s.fresh[a]
	var out []any
	for _, e := range list {
		if len(out) == len(set) {
			break
		}
		if id, ok := mapID(e); ok && set[id] {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		out = list[:1]
	}
	return out
}
