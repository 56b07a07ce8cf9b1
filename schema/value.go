package schema

import (
	"maps"
	"slices"
	"strconv"
)

// DecodeValue converts one client value for attribute a (RFC 7643 §2.3):
// canonical sub-attribute names, typed values (see Resource), and for a
// multi-valued a a single value wrapped into []any. A nil result means the
// value is unassigned (null, empty array, or a complex value with nothing
// in it). path names the attribute in errors, e.g. "emails[1].value".
//
// Values nested deeper than the schema allows (an object or array where a
// simple value is expected) are invalidValue, so the work done is bounded
// by the schema, not by the input.
func DecodeValue(a *Attribute, v any, path string, opts DecodeOptions) (any, error) {
	return decodeValue(a, v, attrPath{base: path}, opts, false)
}

// attrPath is an attribute path for error messages, rendered only when an
// error occurs: "emails", "emails[1]", "emails[1].value", "name.givenName".
// Values never nest deeper than that (RFC 7643 §2.3.8), so it is a plain
// value that never escapes to the heap.
type attrPath struct {
	urn      string // a schema URN before base, joined with ':'; "" for none
	base     string
	index    int
	hasIndex bool
	sub      string
}

func (p attrPath) elem(i int) attrPath { p.index, p.hasIndex = i, true; return p }

func (p attrPath) child(name string) attrPath { p.sub = name; return p }

func (p attrPath) String() string {
	s := p.base
	if p.urn != "" {
		s = p.urn + ":" + s
	}
	if p.hasIndex {
		s += "[" + strconv.Itoa(p.index) + "]"
	}
	if p.sub != "" {
		s += "." + p.sub
	}
	return s
}

// decodeValue converts v for a; with owned (v is part of Decode's own
// parse) its lists and complex values are decoded in place.
func decodeValue(a *Attribute, v any, path attrPath, opts DecodeOptions, owned bool) (any, error) {
	if v == nil {
		return nil, nil
	}
	if !a.MultiValued {
		if list, ok := v.([]any); ok {
			if !opts.CoerceStrings || len(list) > 1 {
				return nil, ErrInvalidValue.WithDetail("attribute %q is single-valued but got an array", path.String())
			}
			if len(list) == 0 {
				return nil, nil
			}
			v = list[0]
		}
		return decodeSingle(a, v, path, opts, owned)
	}
	list, ok := v.([]any)
	if !ok {
		x, err := decodeSingle(a, v, path, opts, owned)
		if err != nil || x == nil {
			return nil, err
		}
		return []any{x}, nil
	}
	if err := opts.tooManyValues(a, path, len(list)); err != nil {
		return nil, err
	}
	if owned {
		return decodeListInPlace(a, list, path, opts)
	}
	out := make([]any, 0, len(list))
	for i, e := range list {
		x, err := decodeSingle(a, e, path.elem(i), opts, false)
		if err != nil {
			return nil, err
		}
		if x != nil {
			out = append(out, x)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// decodeSingle converts one (non-array) value of a.
func decodeSingle(a *Attribute, v any, path attrPath, opts DecodeOptions, owned bool) (any, error) {
	if v == nil {
		return nil, nil
	}
	if a.Type == Complex {
		return decodeComplex(a, v, path, opts, owned)
	}
	if _, ok := v.([]any); ok {
		return nil, ErrInvalidValue.WithDetail("attribute %q: expected a single %s value, got an array", path.String(), a.Type)
	}
	return decodeScalar(a, v, path, opts)
}

func decodeComplex(a *Attribute, v any, path attrPath, opts DecodeOptions, owned bool) (any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		vs := a.Sub("value")
		if !opts.CoerceStrings || vs == nil || isContainer(v) {
			return nil, ErrInvalidValue.WithDetail("attribute %q is complex: expected a JSON object, got %s", path.String(), jsonKind(v))
		}
		m = map[string]any{vs.Name: v} // Entra: "manager": "<id>"
	}
	if owned && canonicalSubs(a, m) {
		return decodeComplexInPlace(a, m, path, opts)
	}
	out := make(map[string]any, len(m))
	for k, sv := range m {
		if err := decodeSub(a, k, sv, out, path, opts); err != nil {
			// Report the first error in key order, whatever the map order.
			clear(out)
			for _, k := range slices.Sorted(maps.Keys(m)) {
				if err := decodeSub(a, k, m[k], out, path, opts); err != nil {
					return nil, err
				}
			}
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// canonicalSubs reports whether every key of m is a sub-attribute of a
// spelled as defined, with a value: m can then be decoded in place.
func canonicalSubs(a *Attribute, m map[string]any) bool {
	for k, v := range m {
		if sub := a.Sub(k); sub == nil || sub.Name != k || v == nil || sub.Type == Complex {
			return false
		}
	}
	return true
}

// decodeComplexInPlace is decodeComplex for a map the decoder owns whose
// keys are canonical (canonicalSubs): each value is replaced by its
// decoded form, so no map is made. On an error the values decoded so far
// stay decoded, which decoding again (firstError) accepts as they are.
func decodeComplexInPlace(a *Attribute, m map[string]any, path attrPath, opts DecodeOptions) (any, error) {
	for k, v := range m {
		sub := a.Sub(k)
		x, err := decodeValue(sub, v, path.child(sub.Name), opts, false)
		if err != nil {
			// Report the first error in key order, whatever the map order.
			for _, k := range slices.Sorted(maps.Keys(m)) {
				sub := a.Sub(k)
				if _, err := decodeValue(sub, m[k], path.child(sub.Name), opts, false); err != nil {
					return nil, err
				}
			}
			return nil, err
		}
		if x == nil {
			delete(m, k)
		} else {
			m[k] = x
		}
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

// decodeListInPlace is decodeValue's loop over the elements of a list
// the decoder owns (decodeMap with owned): each element is replaced by its
// decoded form, in its place until every one is decoded (so that an error
// names the same index when decoded again), then elements that decoded to
// nothing are dropped.
func decodeListInPlace(a *Attribute, list []any, path attrPath, opts DecodeOptions) (any, error) {
	n := 0
	for i, e := range list {
		x, err := decodeSingle(a, e, path.elem(i), opts, true)
		if err != nil {
			return nil, err
		}
		list[i] = x
		if x != nil {
			n++
		}
	}
	if n == 0 {
		return nil, nil
	}
	if n < len(list) {
		list = slices.DeleteFunc(list, func(x any) bool { return x == nil })
	}
	return list, nil
}

// decodeSub decodes member k of a complex value of a into out.
func decodeSub(a *Attribute, k string, v any, out map[string]any, path attrPath, opts DecodeOptions) error {
	sub := a.Sub(k)
	if sub == nil {
		if opts.Unknown == RejectUnknown {
			return ErrInvalidSyntax.WithDetail("attribute %q has no sub-attribute %q", path.String(), k)
		}
		return nil
	}
	sp := path.child(sub.Name)
	if sub.Type == Complex { // NewSchema forbids it; never recurse further
		return ErrInvalidValue.WithDetail("attribute %q cannot be complex", sp.String())
	}
	x, err := decodeValue(sub, v, sp, opts, false)
	if err != nil || x == nil {
		return err
	}
	if _, dup := out[sub.Name]; dup {
		if at, ok := merge(out, sub.Name, x); !ok {
			return conflict(sp.String() + at)
		}
		return nil
	}
	out[sub.Name] = x
	return nil
}

func isContainer(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}
