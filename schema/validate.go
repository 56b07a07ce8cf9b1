package schema

import (
	"fmt"
	"maps"
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
//   - a value of a multi-valued attribute that repeats an earlier one
//     (the same Attribute.IdentityKey: the same (type, value) pair for
//     emails, the same "value" for members, caseExact respected, as
//     package patch decides it for PATCH) is stored once (RFC 7643 §2.4:
//     such pairs SHOULD NOT be returned twice): the first is kept, and it
//     becomes primary when a dropped duplicate was.
//   - at most one element of a multi-valued attribute has primary true
//     (RFC 7643 §2.4): invalidValue.
//   - a multi-valued attribute has at most opts.MaxValues values
//     (reference lists exempt): invalidValue.
//   - canonicalValues are applied per opts.Canonical, as in Decode.
//
// The result is a new Resource with its own top-level and extension maps,
// but it shares with next (and with prior, for values kept from it) every
// nested value Validate did not need to change: treat all three as
// read-only, or Clone before modifying nested values in place. On success
// the cost is one pass over the values with no copies beyond those maps
// and the values rewritten; error details are formatted only on failure.
func (rt *ResourceType) Validate(mode Mode, prior, next *Resource, opts DecodeOptions) (*Resource, error) {
	if next == nil {
		return nil, ErrInvalidValue.WithDetail("no resource to validate")
	}
	if mode == ModeCreate || prior == nil {
		prior = &Resource{}
	}
	res := *next
	res.Schemas = slices.Clone(next.Schemas)
	res.Attrs = maps.Clone(next.Attrs)
	if res.Attrs == nil {
		res.Attrs = map[string]any{}
	}
	v := validator{rt: rt, mode: mode, opts: opts}
	if err := v.schema(rt.Schema, prior.Attrs, res.Attrs, true); err != nil {
		return nil, err
	}
	for _, e := range rt.Extensions {
		if err := v.extension(e, prior, &res); err != nil {
			return nil, err
		}
		if _, ok := res.Attrs[e.Schema.ID]; ok && !slices.Contains(res.Schemas, e.Schema.ID) {
			res.Schemas = append(res.Schemas, e.Schema.ID) // kept readOnly data
		}
	}
	return &res, nil
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
	cur = maps.Clone(cur) // next's container is never modified
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

// schema validates the attributes of s held in cur, a map Validate owns,
// against old; required attributes are only enforced when the schema is
// present.
func (v *validator) schema(s *Schema, old, cur map[string]any, present bool) error {
	obj := object{m: cur, owned: true}
	for _, a := range s.Attributes {
		path := attrPath{base: a.Name}
		if s != v.rt.Schema {
			path.urn = s.ID // joined only for an error
		}
		if err := v.attribute(a, path, old, &obj); err != nil {
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

// attribute applies mutability to cur's a.Name and checks its value.
func (v *validator) attribute(a *Attribute, path attrPath, old map[string]any, cur *object) error {
	nv, has := cur.m[a.Name]
	ov, had := old[a.Name]
	mut := a.EffectiveMutability()
	if mut == ReadOnly {
		return v.readOnly(a, path, cur, ov, had)
	}
	if !has && had && v.keepsOmitted(a, mut) {
		cur.set(a.Name, ov)
		nv, has = ov, true
	}
	if mut == Immutable {
		if err := v.immutable(a, path, nv, has, ov, had); err != nil {
			return err
		}
	}
	if !has {
		return nil
	}
	nv, changed, err := v.value(a, path, nv, ov)
	switch {
	case err != nil:
		return err
	case nv == nil:
		cur.del(a.Name)
	case changed:
		cur.set(a.Name, nv)
	}
	return nil
}

// readOnly ignores client values of a readOnly attribute. A top-level one
// changed by PATCH is an error; readOnly sub-attributes keep prior's value
// (or are dropped in elements of multi-valued attributes, except in patch
// mode, where they are the stored values).
func (v *validator) readOnly(a *Attribute, path attrPath, cur *object, ov any, had bool) error {
	switch {
	case v.mode == ModeCreate:
		cur.del(a.Name)
	case v.mode == ModePatch && v.depth == 0:
		if nv, has := cur.m[a.Name]; has != had || !valuesEqual(a, nv, ov) {
			return ErrMutability.WithDetail("attribute %q is readOnly and cannot be modified (RFC 7643 §7)", path)
		}
	case v.depth == 2:
		if v.mode != ModePatch {
			cur.del(a.Name)
		}
	case had:
		cur.set(a.Name, ov)
	default:
		cur.del(a.Name)
	}
	return nil
}

// keepsOmitted reports whether replace keeps prior's value of a when the
// client omitted it: immutable attributes outside multi-valued elements,
// and attributes clients cannot read back (writeOnly, returned:never).
func (v *validator) keepsOmitted(a *Attribute, mut Mutability) bool {
	if v.mode != ModeReplace {
		return false
	}
	return mut == Immutable && v.depth != 2 || mut == WriteOnly || a.EffectiveReturned() == ReturnedNever
}

// immutable checks the value nv (has: present) of an immutable attribute
// against prior's ov (had: present).
func (v *validator) immutable(a *Attribute, path attrPath, nv any, has bool, ov any, had bool) error {
	if v.mode == ModeCreate || !had || v.depth == 2 {
		return nil
	}
	switch {
	case !has:
		return ErrMutability.WithDetail("attribute %q is immutable and already set: it cannot be removed (RFC 7643 §7)", path)
	case !valuesEqual(a, nv, ov):
		return ErrMutability.WithDetail("attribute %q is immutable and already set: the new value must match the current one (RFC 7644 §3.5.1)", path)
	}
	return nil
}

// value checks one attribute value (sub-attributes, primary, canonical
// values) and returns it, rewritten when changed reports so (the input is
// never modified); nil means it became empty.
func (v *validator) value(a *Attribute, path attrPath, nv, ov any) (any, bool, error) {
	if !a.MultiValued {
		return v.single(a, path, nv, ov)
	}
	list, ok := nv.([]any)
	if !ok {
		return nil, false, ErrInvalidValue.WithDetail("attribute %q is multi-valued: expected an array", path)
	}
	var copied []any // nil until an element changes or is dropped
	w := *v
	w.depth = 2
	for i, e := range list {
		ne, changed, err := w.single(a, path.elem(i), e, nil)
		if err != nil {
			return nil, false, err
		}
		if (changed || ne == nil) && copied == nil {
			copied = append(make([]any, 0, len(list)), list[:i]...)
		}
		if ne != nil && copied != nil {
			copied = append(copied, ne)
		}
	}
	out, changed := list, false
	switch {
	case copied == nil && len(list) > 0:
	case len(copied) == 0:
		return nil, true, nil
	default:
		out, changed = copied, true
	}
	// Package patch keeps the lists a PATCH adds to or replaces free of
	// duplicates itself; short lists are checked here too (a filtered
	// replace can make two values equal), at no cost.
	if v.mode != ModePatch || len(out) <= 16 {
		if d, dropped := Dedupe(a, out); dropped {
			out, changed = d, true
		}
	}
	if err := v.opts.tooManyValues(a, path, len(out)); err != nil {
		return nil, false, err
	}
	primaries := 0
	for _, e := range out {
		if isPrimary(e) {
			if primaries++; primaries > 1 {
				return nil, false, ErrInvalidValue.WithDetail("attribute %q: at most one value may have primary true (RFC 7643 §2.4)", path)
			}
		}
	}
	return out, changed, nil
}

// single checks one value of a; ov is prior's value for single-valued
// complex attributes (nil otherwise). A complex value is copied only when
// one of its sub-attributes changes.
func (v *validator) single(a *Attribute, path attrPath, nv, ov any) (any, bool, error) {
	if a.Type == String {
		s, ok := nv.(string)
		if !ok {
			return nil, false, ErrInvalidValue.WithDetail("attribute %q: expected a string, got %s", path, jsonKind(nv))
		}
		c, ok := canonicalValue(a, s, v.opts)
		if !ok {
			return nil, false, canonicalError(path.String(), s, a)
		}
		if c == s {
			return nv, false, nil // no new interface value: no allocation
		}
		return c, true, nil
	}
	if a.Type != Complex {
		return nv, false, nil
	}
	m, ok := nv.(map[string]any)
	if !ok {
		return nil, false, ErrInvalidValue.WithDetail("attribute %q is complex: expected an object, got %s", path, jsonKind(nv))
	}
	old, _ := ov.(map[string]any)
	obj := object{m: m}
	w := *v
	w.depth = max(v.depth, 1)
	for _, sub := range a.SubAttributes {
		if err := w.attribute(sub, path.child(sub.Name), old, &obj); err != nil {
			return nil, false, err
		}
	}
	if len(obj.m) == 0 {
		return nil, true, nil
	}
	for _, sub := range a.SubAttributes {
		if !sub.Required || sub.EffectiveMutability() == ReadOnly {
			continue
		}
		if val, ok := obj.m[sub.Name]; !ok || val == "" {
			return nil, false, ErrInvalidValue.WithDetail("attribute %q is required in %q and cannot be empty (RFC 7643 §7)", sub.Name, path)
		}
	}
	return obj.m, obj.owned, nil
}

// object is a complex value (or attribute container) being validated. It
// is copied on its first change, so that the caller's map is never
// modified; owned says whether m is already Validate's own.
type object struct {
	m     map[string]any
	owned bool
}

func (o *object) set(k string, v any) {
	o.own()
	o.m[k] = v
}

func (o *object) del(k string) {
	if _, ok := o.m[k]; ok {
		o.own()
		delete(o.m, k)
	}
}

func (o *object) own() {
	if !o.owned {
		o.m, o.owned = maps.Clone(o.m), true
		if o.m == nil {
			o.m = map[string]any{}
		}
	}
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
