package patch

import (
	"encoding/json"
	"slices"

	"github.com/scimkit/scimkit/schema"
)

// setValue normalises (lenient dialects) and decodes the value of an add
// or replace for o.tgt with schema.DecodeValue.
func (p *Patch) setValue(o *operation, v any) error {
	a, elem := o.tgt.valueAttr()
	v = p.normalize(a, v, elem)
	if p.f.nullRemoves && isClear(a, v, elem) {
		if o.tgt.filtered && o.tgt.ref.Sub == nil && o.tgt.ref.Attr.MultiValued {
			return schema.ErrInvalidValue.WithDetail("%s: the value for a filtered path must be an object", o.where())
		}
		o.clear = true
		return nil
	}
	if v == nil {
		return schema.ErrInvalidValue.WithDetail("%s: the value is null; use remove to unassign an attribute (RFC 7644 §3.5.2.2)", o.where())
	}
	d, err := p.decode(o, a, v, elem)
	if err != nil {
		return err
	}
	if p.f.dropReadOnlySubs && a.IsComplex() {
		dropReadOnly(a, d)
	}
	if p.cfg.Password != nil && p.isPassword(o.tgt) {
		o.password = true // hashed once, after parsing (hashPasswords)
	}
	o.value, o.hasValue = d, true
	return nil
}

// hashPasswords passes the value of the last operation that sets the
// password to Config.Password, once, and removes the earlier ones (the
// attribute is single-valued, so the last one decides): a request with
// many password operations costs one hash, not one each. A password the
// policy does not keep is removed too.
func (p *Patch) hashPasswords() error {
	last := -1
	for i, o := range p.ops {
		if o.password {
			last = i
		}
	}
	if last < 0 {
		return nil
	}
	clear, _ := p.ops[last].value.(string)
	stored, keep, err := p.cfg.Password(clear)
	if err != nil {
		return err
	}
	set := p.ops[last]
	set.value, set.password = stored, false
	p.ops = slices.DeleteFunc(p.ops, func(o *operation) bool { return o.password || o == set && !keep })
	return nil
}

// isPassword reports whether t sets the core schema's password attribute
// (Config.Password).
func (p *Patch) isPassword(t target) bool {
	a := t.ref.Attr
	return t.ref.Sub == nil && a != nil && a.Name == "password" && a.Type == schema.String &&
		!a.MultiValued && p.rt.Schema.Attribute("password") == a
}

// dropReadOnly deletes readOnly sub-attributes from the decoded complex
// value(s) v of a.
func dropReadOnly(a *schema.Attribute, v any) {
	switch v := v.(type) {
	case map[string]any:
		for _, sub := range a.SubAttributes {
			if sub.EffectiveMutability() == schema.ReadOnly {
				delete(v, sub.Name)
			}
		}
	case []any:
		for _, e := range v {
			dropReadOnly(a, e)
		}
	}
}

// setRemoveValue handles the value of a remove. RFC 7644 §3.5.2.2 defines
// none; lenient dialects use it to select the values to remove (Entra:
// {"op":"Remove","path":"members","value":[{"value":"id"}]}).
func (p *Patch) setRemoveValue(o *operation, v any, has bool) error {
	if !has {
		return nil
	}
	if !p.f.removeByValue {
		return schema.ErrInvalidValue.WithDetail(`%s: remove takes no "value"; select values with a filter such as members[value eq "id"] (RFC 7644 §3.5.2.2)`, o.where())
	}
	if o.tgt.filtered || o.tgt.whole != nil {
		return nil // the filter selects; the value adds nothing
	}
	a, elem := o.tgt.valueAttr()
	v = p.normalize(a, v, elem)
	if arr, ok := v.([]any); ok && len(arr) == 0 {
		o.value, o.hasValue = []any{}, true // remove nothing
		return nil
	}
	if isClear(a, v, elem) {
		return nil // same as no value
	}
	d, err := p.decode(o, a, v, elem)
	if err != nil {
		return err
	}
	o.value, o.hasValue = d, true
	return nil
}

// valueAttr returns the attribute a value is decoded for and whether the
// value is one element of a multi-valued attribute (a filtered path
// without sub-attribute).
func (t target) valueAttr() (*schema.Attribute, bool) {
	if t.ref.Sub != nil {
		return t.ref.Sub, false
	}
	return t.ref.Attr, t.filtered && t.ref.Attr.MultiValued
}

// decode converts v with schema.DecodeValue and enforces the per-operation
// value limit.
func (p *Patch) decode(o *operation, a *schema.Attribute, v any, elem bool) (any, error) {
	d, err := schema.DecodeValue(a, v, o.text, p.opts)
	if err != nil {
		return nil, valueError(o, err)
	}
	d = dropNulls(d)
	if elem {
		list, _ := d.([]any)
		if len(list) != 1 {
			return nil, schema.ErrInvalidValue.WithDetail("%s: the value for a filtered path must be one value of %s", o.where(), a.Name)
		}
		return list[0], nil
	}
	if list, ok := d.([]any); ok && len(list) > p.cfg.maxValues() {
		return nil, schema.ErrPayloadTooLarge.WithDetail("%s: %d values in one operation; this server accepts at most %d", o.where(), len(list), p.cfg.maxValues())
	}
	return d, nil
}

func valueError(o *operation, err error) error {
	if se, ok := err.(*schema.Error); ok {
		return se.WithDetail("%s: %s", o.where(), se.Detail)
	}
	return schema.ErrInvalidValue.WithDetail("%s: %v", o.where(), err).WithCause(err)
}

// normalize applies the lenient dialects' value repairs for attribute a:
// a one-element array for a single value is unwrapped ([] becomes null),
// and a bare scalar for a complex attribute with a "value" sub-attribute
// becomes {"value": scalar} (Entra's manager id).
func (p *Patch) normalize(a *schema.Attribute, v any, elem bool) any {
	single := !a.MultiValued || elem
	if single && p.f.unwrap {
		if arr, ok := v.([]any); ok {
			switch len(arr) {
			case 0:
				return nil
			case 1:
				v = arr[0]
			}
		}
	}
	if !a.IsComplex() || !p.f.wrapScalar || a.Sub("value") == nil {
		return v
	}
	if arr, ok := v.([]any); ok && !single {
		out := make([]any, len(arr))
		for i, e := range arr {
			out[i] = wrapScalar(e)
		}
		return out
	}
	return wrapScalar(v)
}

func wrapScalar(v any) any {
	switch v.(type) {
	case string, json.Number, float64, bool:
		return map[string]any{"value": v}
	}
	return v
}

// isClear reports whether v means "unassign" in a lenient dialect: null,
// an empty string, or a single complex value whose members are all null or
// "" (Entra's manager {"value":""}).
func isClear(a *schema.Attribute, v any, elem bool) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == "" && a.IsComplex()
	case map[string]any:
		if !a.IsComplex() || a.MultiValued && !elem || len(v) == 0 {
			return false
		}
		for _, e := range v {
			if e != nil && e != "" {
				return false
			}
		}
		return true
	}
	return false
}

// dropNulls removes null members of complex values, which RFC 7643 §2.5
// treats as unassigned (Entra sends "$ref": null in members).
func dropNulls(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if e == nil {
				delete(v, k)
			}
		}
	case []any:
		for _, e := range v {
			dropNulls(e)
		}
	}
	return v
}
