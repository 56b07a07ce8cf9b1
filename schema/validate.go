package schema

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// Mode is the operation a proposed resource state comes from.
type Mode int

const (
	// ModeCreate is POST (RFC 7644 §3.3).
	ModeCreate Mode = iota
	// ModeReplace is PUT (RFC 7644 §3.5.1).
	ModeReplace
	// ModePatch is the result of applying PATCH operations (RFC 7644 §3.5.2).
	ModePatch
)

// String returns "create", "replace" or "patch".
func (m Mode) String() string {
	switch m {
	case ModeCreate:
		return "create"
	case ModeReplace:
		return "replace"
	case ModePatch:
		return "patch"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Validate checks next, the proposed state of a resource, against rt for
// the given mode and returns the resource to store; prior is the stored
// state (nil for create). Neither argument is modified. id, meta and
// schemas are left to the store. The rules are RFC 7643 §7 and RFC 7644
// §3.5.1:
//
//   - readOnly attributes (and readOnly sub-attributes) sent by the client
//     are dropped on create and ignored on replace, where prior's values are
//     kept. In patch mode a changed readOnly attribute is a mutability error
//     (package patch rejects such operations first).
//   - immutable attributes may be set when prior has no value; a different
//     value is a mutability error. On replace, omitting an immutable
//     attribute that prior has keeps prior's value: RFC 7644 §3.5.1 says
//     input values "MUST match", and an omitted attribute asserts no value,
//     so it is treated as not asserted rather than as a request to clear a
//     value that can never be cleared. In patch mode removing it is a
//     mutability error. Immutability of sub-attributes is enforced for
//     single-valued complex attributes; elements of multi-valued ones (such
//     as Group members) can be added and removed as wholes.
//   - writeOnly and returned:never attributes (password) omitted on replace
//     keep prior's value: clients cannot read them back, so a
//     GET-modify-PUT cycle must not erase them.
//   - required attributes (and required sub-attributes of present complex
//     values) must be present and, for strings, not "": invalidValue
//     naming them (a userName "" is no identifier). A required
//     extension must be present.
//   - at most one element of a multi-valued attribute has primary true
//     (RFC 7643 §2.4): invalidValue.
//   - canonicalValues are applied per opts.Canonical, as in Decode.
func (rt *ResourceType) Validate(mode Mode, prior, next *Resource, opts DecodeOptions) (*Resource, error) {
	if next == nil {
		return nil, ErrInvalidValue.WithDetail("no resource to validate")
	}
	if mode == ModeCreate || prior == nil {
		prior = &Resource{}
	}
	res := next.Clone()
	if res.Attrs == nil {
		res.Attrs = map[string]any{}
	}
	v := validator{rt: rt, mode: mode, opts: opts}
	if err := v.schema(rt.Schema, prior.Attrs, res.Attrs, true); err != nil {
		return nil, err
	}
	for _, e := range rt.Extensions {
		if err := v.extension(e, prior, res); err != nil {
			return nil, err
		}
		if _, ok := res.Attrs[e.Schema.ID]; ok && !slices.Contains(res.Schemas, e.Schema.ID) {
			res.Schemas = append(res.Schemas, e.Schema.ID) // kept readOnly data
		}
	}
	return res, nil
}

type validator struct {
	rt   *ResourceType
	mode Mode
	opts DecodeOptions
	// depth is 0 for top-level attributes, 1 for sub-attributes of a
	// single-valued complex value and 2 inside elements of a multi-valued
	// one, which cannot be matched with prior's elements.
	depth int
}

func (v *validator) extension(e Extension, prior, res *Resource) error {
	id := e.Schema.ID
	cur, _ := res.Attrs[id].(map[string]any)
	old, _ := prior.Attrs[id].(map[string]any)
	listed := slices.Contains(res.Schemas, id)
	if cur == nil {
		cur = map[string]any{}
	}
	present := e.Required || listed || len(cur) > 0
	if e.Required && !listed && len(cur) == 0 {
		return ErrInvalidValue.WithDetail("schema extension %s is required for resource type %s (RFC 7643 §6)", id, v.rt.Name)
	}
	if err := v.schema(e.Schema, old, cur, present); err != nil {
		return err
	}
	if len(cur) == 0 {
		delete(res.Attrs, id)
	} else {
		res.Attrs[id] = cur
	}
	return nil
}

// schema validates the attributes of s held in cur against old; required
// attributes are only enforced when the schema is present.
func (v *validator) schema(s *Schema, old, cur map[string]any, present bool) error {
	for _, a := range s.Attributes {
		path := a.Name
		if s != v.rt.Schema {
			path = s.ID + ":" + a.Name
		}
		if err := v.attribute(a, path, old, cur); err != nil {
			return err
		}
		if val, ok := cur[a.Name]; present && a.Required && a.EffectiveMutability() != ReadOnly {
			if !ok {
				return ErrInvalidValue.WithDetail("attribute %q is required (RFC 7643 §7)", path)
			}
			if val == "" {
				return ErrInvalidValue.WithDetail("attribute %q is required and cannot be the empty string (RFC 7643 §7)", path)
			}
		}
	}
	return nil
}

// attribute applies mutability to cur[a.Name] and checks its value.
func (v *validator) attribute(a *Attribute, path string, old, cur map[string]any) error {
	_, has := cur[a.Name]
	ov, had := old[a.Name]
	switch a.EffectiveMutability() {
	case ReadOnly:
		return v.readOnly(a, path, cur, ov, had)
	case Immutable:
		if err := v.immutable(a, path, cur, ov, had); err != nil {
			return err
		}
	}
	if v.mode == ModeReplace && had && !has &&
		(a.EffectiveMutability() == WriteOnly || a.EffectiveReturned() == ReturnedNever) {
		cur[a.Name] = CloneValue(ov)
	}
	nv, has := cur[a.Name]
	if !has {
		return nil
	}
	nv, err := v.value(a, path, nv, ov)
	if err != nil {
		return err
	}
	if nv == nil {
		delete(cur, a.Name)
	} else {
		cur[a.Name] = nv
	}
	return nil
}

// readOnly ignores client values of a readOnly attribute. A top-level one
// changed by PATCH is an error; readOnly sub-attributes keep prior's value
// (or are dropped in elements of multi-valued attributes, except in patch
// mode, where they are the stored values).
func (v *validator) readOnly(a *Attribute, path string, cur map[string]any, ov any, had bool) error {
	switch {
	case v.mode == ModeCreate:
		delete(cur, a.Name)
	case v.mode == ModePatch && v.depth == 0:
		if nv, has := cur[a.Name]; has != had || !valuesEqual(a, nv, ov) {
			return ErrMutability.WithDetail("attribute %q is readOnly and cannot be modified (RFC 7643 §7)", path)
		}
	case v.depth == 2:
		if v.mode != ModePatch {
			delete(cur, a.Name)
		}
	default:
		delete(cur, a.Name)
		if had {
			cur[a.Name] = CloneValue(ov)
		}
	}
	return nil
}

func (v *validator) immutable(a *Attribute, path string, cur map[string]any, ov any, had bool) error {
	if v.mode == ModeCreate || !had || v.depth == 2 {
		return nil
	}
	nv, has := cur[a.Name]
	switch {
	case !has && v.mode == ModeReplace:
		cur[a.Name] = CloneValue(ov)
	case !has:
		return ErrMutability.WithDetail("attribute %q is immutable and already set: it cannot be removed (RFC 7643 §7)", path)
	case !valuesEqual(a, nv, ov):
		return ErrMutability.WithDetail("attribute %q is immutable and already set: the new value must match the current one (RFC 7644 §3.5.1)", path)
	}
	return nil
}

// value checks one attribute value (sub-attributes, primary, canonical
// values) and returns it, possibly rewritten; nil means it became empty.
func (v *validator) value(a *Attribute, path string, nv, ov any) (any, error) {
	if !a.MultiValued {
		return v.single(a, path, nv, ov)
	}
	list, ok := nv.([]any)
	if !ok {
		return nil, ErrInvalidValue.WithDetail("attribute %q is multi-valued: expected an array", path)
	}
	out := list[:0]
	primaries := 0
	w := *v
	w.depth = 2
	for i, e := range list {
		e, err := w.single(a, fmt.Sprintf("%s[%d]", path, i), e, nil)
		if err != nil {
			return nil, err
		}
		if e == nil {
			continue
		}
		if m, ok := e.(map[string]any); ok && m["primary"] == true {
			if primaries++; primaries > 1 {
				return nil, ErrInvalidValue.WithDetail("attribute %q: at most one value may have primary true (RFC 7643 §2.4)", path)
			}
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// single checks one value of a; ov is prior's value for single-valued
// complex attributes (nil otherwise).
func (v *validator) single(a *Attribute, path string, nv, ov any) (any, error) {
	if a.Type == String {
		s, ok := nv.(string)
		if !ok {
			return nil, ErrInvalidValue.WithDetail("attribute %q: expected a string, got %s", path, jsonKind(nv))
		}
		c, ok := canonicalValue(a, s, v.opts)
		if !ok {
			return nil, canonicalError(path, s, a)
		}
		return c, nil
	}
	if a.Type != Complex {
		return nv, nil
	}
	m, ok := nv.(map[string]any)
	if !ok {
		return nil, ErrInvalidValue.WithDetail("attribute %q is complex: expected an object, got %s", path, jsonKind(nv))
	}
	old, _ := ov.(map[string]any)
	if old == nil {
		old = map[string]any{}
	}
	w := *v
	w.depth = max(v.depth, 1)
	for _, sub := range a.SubAttributes {
		if err := w.attribute(sub, path+"."+sub.Name, old, m); err != nil {
			return nil, err
		}
	}
	if len(m) == 0 {
		return nil, nil
	}
	for _, sub := range a.SubAttributes {
		if val, ok := m[sub.Name]; sub.Required && (!ok || val == "") && sub.EffectiveMutability() != ReadOnly {
			return nil, ErrInvalidValue.WithDetail("attribute %q is required in %q and cannot be empty (RFC 7643 §7)", sub.Name, path)
		}
	}
	return m, nil
}

// valuesEqual compares two values of a, honouring caseExact for strings
// and ignoring the order of multi-valued attributes (RFC 7643 §2.4).
func valuesEqual(a *Attribute, x, y any) bool {
	if reflect.DeepEqual(x, y) {
		return true
	}
	if a.MultiValued {
		xs, ok1 := x.([]any)
		ys, ok2 := y.([]any)
		if !ok1 || !ok2 || len(xs) != len(ys) || len(xs) > 256 {
			return false
		}
		used := make([]bool, len(ys))
	next:
		for _, xe := range xs {
			for j, ye := range ys {
				if !used[j] && singleEqual(a, xe, ye) {
					used[j] = true
					continue next
				}
			}
			return false
		}
		return true
	}
	return singleEqual(a, x, y)
}

func singleEqual(a *Attribute, x, y any) bool {
	switch a.Type {
	case Complex:
		xm, ok1 := x.(map[string]any)
		ym, ok2 := y.(map[string]any)
		if !ok1 || !ok2 || len(xm) != len(ym) {
			return false
		}
		for k, xv := range xm {
			yv, ok := ym[k]
			if s := a.Sub(k); !ok || s == nil || !valuesEqual(s, xv, yv) {
				return false
			}
		}
		return true
	case String, Reference:
		xs, ok1 := x.(string)
		ys, ok2 := y.(string)
		return ok1 && ok2 && (xs == ys || !a.CaseExact && strings.EqualFold(xs, ys))
	}
	return reflect.DeepEqual(x, y)
}
