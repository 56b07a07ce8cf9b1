package schema

import (
	"encoding/json"
	"errors"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// UnknownPolicy says what Decode does with attributes that no schema of the
// resource type defines (RFC 7643 §3: the schemas of a resource define its
// attributes).
type UnknownPolicy int

const (
	// IgnoreUnknown drops unknown attributes and unknown extension objects.
	// This is the default: Okta and Entra send attributes the service
	// provider never advertised.
	IgnoreUnknown UnknownPolicy = iota
	// RejectUnknown fails with invalidSyntax ("did not conform to the
	// request schema", RFC 7644 Table 9) naming the attribute.
	RejectUnknown
)

// CanonicalPolicy says how canonicalValues (RFC 7643 §7) are enforced.
type CanonicalPolicy int

const (
	// CanonicalLenient accepts any value; a value equal to a canonical value
	// case-insensitively is rewritten to the canonical spelling, others are
	// kept as the client spelled them.
	CanonicalLenient CanonicalPolicy = iota
	// CanonicalStrict rejects values that are not canonical values
	// (compared case-insensitively) with invalidValue.
	CanonicalStrict
)

// DecodeOptions tunes how client input is decoded. The zero value is the
// forgiving default: unknown attributes ignored, canonical values lenient,
// no string coercion.
type DecodeOptions struct {
	// Unknown says what to do with attributes no schema defines; the zero value ignores them.
	Unknown UnknownPolicy
	// Canonical says how canonicalValues are enforced; the zero value is lenient.
	Canonical CanonicalPolicy
	// CoerceStrings accepts "True"/"false" for booleans and "42"/"4.2" for
	// integer/decimal, as Microsoft Entra sends them. It also accepts a
	// number or boolean for a string attribute (kept as its JSON text), a
	// bare value for a complex attribute that has a "value" sub-attribute
	// (Entra's "manager": "<id>" becomes {"value": "<id>"}), and a
	// one-element array for a single-valued attribute (Entra's legacy
	// "manager": [{...}]). Default false, which is RFC-strict; IdP dialect
	// configs turn it on.
	CoerceStrings bool
	// SCIM11CoreURN accepts "urn:scim:schemas:core:1.0", the SCIM 1.1
	// core schema URN, in "schemas" as the core User or Group schema:
	// OneLogin's "SCIM Provisioner with SAML (Core Schema)" connector sends
	// SCIM 1.1-shaped bodies to a SCIM 2.0 base URL. The resource is
	// stored and answered with the SCIM 2.0 URN. Default false.
	SCIM11CoreURN bool
	// MaxStringLength, when positive, is the longest string value, in
	// bytes, that Decode and DecodeValue accept (string, reference,
	// dateTime and binary attributes, externalId included): a longer one
	// is invalidValue naming the attribute and the limit. Zero: unbounded.
	MaxStringLength int
	// MaxValues, when positive, is the most values a multi-valued
	// attribute may have in Decode, DecodeValue and Validate (so also
	// after a PATCH): more is invalidValue naming the attribute and the
	// limit. Reference lists (Attribute.IsReferenceList: Group members)
	// are exempt: a group may be far larger than any one request, which
	// the caller bounds instead (scim.Config.MaxMembersPerRequest). Zero:
	// unbounded.
	MaxValues int
}

// tooManyValues is the error for n values of a at path beyond
// opts.MaxValues, or nil.
func (opts DecodeOptions) tooManyValues(a *Attribute, path attrPath, n int) error {
	if opts.MaxValues <= 0 || n <= opts.MaxValues || a.IsReferenceList() {
		return nil
	}
	return ErrInvalidValue.WithDetail("attribute %q has %d values; this server accepts at most %d values in one multi-valued attribute", path.String(), n, opts.MaxValues)
}

// tooLong is the error for a string s of a at path longer than
// opts.MaxStringLength, or nil.
func (opts DecodeOptions) tooLong(path attrPath, s string) error {
	if opts.MaxStringLength <= 0 || len(s) <= opts.MaxStringLength {
		return nil
	}
	return ErrInvalidValue.WithDetail("attribute %q is %d bytes long; this server accepts at most %d bytes in one string value", path.String(), len(s), opts.MaxStringLength)
}

// SCIM11CoreURN is the SCIM 1.1 core schema URN (SCIM Core Schema 1.1
// §10), which named Users and Groups alike.
const SCIM11CoreURN = "urn:scim:schemas:core:1.0"

// Decode parses a client JSON body into a Resource (RFC 7643 §3, §2.1):
// attribute names are matched case-insensitively and rewritten to their
// canonical spelling (also inside complex values and extension objects, and
// the extension URN key itself); values are type-checked and converted
// (int64, float64, bool, string; dateTime validated; binary validated as
// base64); a single value for a multi-valued attribute is wrapped into
// []any; nulls, empty arrays and empty complex values are removed.
//
// "schemas" must be present and contain the core schema URN
// (invalidValue otherwise). Extension URNs it lists are kept; an extension
// object present without its URN in "schemas" is accepted and the URN added;
// URNs of schemas the type does not know are dropped (they carry no data).
// id and meta from the client are ignored (readOnly, RFC 7643 §3.1).
//
// Top-level keys may be URN-qualified ("urn:...:enterprise:2.0:User:
// employeeNumber") or dotted ("name.givenName" for a single-valued complex
// attribute); such values are moved to where they belong. Two keys that
// resolve to the same attribute (e.g. "userName" and "USERNAME") are merged
// when their values agree and rejected with invalidSyntax otherwise, so no
// value is ever dropped silently. Exact duplicate keys follow encoding/json:
// the last one wins.
//
// Errors are *Error: invalidSyntax for malformed JSON, a non-object, or
// conflicting keys; invalidValue for wrong types, naming the attribute path.
// Decode never panics and its recursion is bounded by the schema
// (attribute → sub-attribute), whatever the input.
func (rt *ResourceType) Decode(data []byte, opts DecodeOptions) (*Resource, error) {
	if v, ok := scanJSON(data); ok {
		if m, ok := v.(map[string]any); ok {
			return rt.decodeMap(m, opts, true)
		}
	}
	// Malformed or not an object: encoding/json says what is wrong.
	v, dec, err := decodeStd(data)
	switch {
	case errors.Is(err, errTrailing):
		return nil, ErrInvalidSyntax.WithDetail("unexpected data after the JSON object at offset %d", dec.InputOffset())
	case err != nil:
		return nil, syntaxError(dec, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, ErrInvalidSyntax.WithDetail("the request body must be a JSON object, got %s", jsonKind(v))
	}
	return rt.DecodeMap(m, opts)
}

func syntaxError(dec *json.Decoder, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return ErrInvalidSyntax.WithDetail("malformed JSON at offset %d: %v", se.Offset, err).WithCause(err)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return ErrInvalidSyntax.WithDetail("the request body is empty or truncated").WithCause(err)
	}
	return ErrInvalidSyntax.WithDetail("malformed JSON at offset %d: %v", dec.InputOffset(), err).WithCause(err)
}

// decoder holds the state of one DecodeMap call.
type decoder struct {
	rt      *ResourceType
	opts    DecodeOptions
	owned   bool // the tree is Decode's own: decoded in place (decodeMap)
	res     *Resource
	exts    []*Schema  // extensions named in schemas or carrying data (noteExt)
	extBuf  [2]*Schema // exts' first room, allocated with the decoder
	schemas any        // raw "schemas" value
	hasSch  bool
}

// DecodeMap is Decode for an already-parsed JSON object (numbers as
// json.Number, float64, int or int64). m is not modified.
func (rt *ResourceType) DecodeMap(m map[string]any, opts DecodeOptions) (*Resource, error) {
	return rt.decodeMap(m, opts, false)
}

// decodeMap is DecodeMap; with owned (Decode's own parse, which nothing
// else holds) complex values and lists are decoded in place rather than
// copied.
func (rt *ResourceType) decodeMap(m map[string]any, opts DecodeOptions, owned bool) (*Resource, error) {
	d := &decoder{rt: rt, opts: opts, owned: owned, res: &Resource{Attrs: make(map[string]any, len(m))}}
	for k, v := range m {
		if err := d.member(k, v); err != nil {
			return nil, rt.firstError(m, opts, err)
		}
	}
	if err := d.finishSchemas(); err != nil {
		return nil, err
	}
	return d.res, nil
}

// firstError decodes m again in key order and returns the first error, so
// that the error reported for a body with several problems does not depend
// on map iteration order. err is returned if the ordered pass succeeds.
func (rt *ResourceType) firstError(m map[string]any, opts DecodeOptions, err error) error {
	d := &decoder{rt: rt, opts: opts, res: &Resource{Attrs: map[string]any{}}}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if e := d.member(k, m[k]); e != nil {
			return e
		}
	}
	return err
}

// noteExt records that extension s is named or carries data: a list, as
// a resource type has few extensions.
func (d *decoder) noteExt(s *Schema) {
	if d.exts == nil {
		d.exts = d.extBuf[:0]
	}
	if !slices.Contains(d.exts, s) {
		d.exts = append(d.exts, s)
	}
}

// member decodes one top-level member of the body.
func (d *decoder) member(k string, v any) error {
	if v == nil {
		return nil
	}
	switch {
	case strings.EqualFold(k, "schemas"):
		if d.hasSch && !reflect.DeepEqual(d.schemas, v) {
			return conflict("schemas")
		}
		d.schemas, d.hasSch = v, true
		return nil
	case strings.EqualFold(k, "id"), strings.EqualFold(k, "meta"):
		return nil // readOnly, set by the service provider
	case strings.EqualFold(k, "externalId"):
		return d.externalID(v)
	}
	if s := d.rt.SchemaByURN(k); s != nil {
		return d.schemaObject(s, k, v)
	}
	ref, ok := d.rt.LookupPath(k)
	switch {
	case ok && ref.IsCommon() && ref.Sub == nil && !strings.EqualFold(k, ref.Attr.Name):
		return d.member(ref.Attr.Name, v) // "urn:...:core:2.0:User:externalId"
	case ok && ref.IsCommon():
		return nil // "meta.created" and the like: readOnly
	case !ok || (ref.Sub != nil && ref.Attr.MultiValued):
		return d.unknown(k)
	}
	return d.set(ref, attrPath{base: k}, v)
}

func (d *decoder) externalID(v any) error {
	s, err := DecodeValue(ExternalIDAttribute, v, "externalId", d.opts)
	if err != nil {
		return err
	}
	if s, _ := s.(string); s != "" {
		if d.res.ExternalID != "" && d.res.ExternalID != s {
			return conflict("externalId")
		}
		d.res.ExternalID = s
	}
	return nil
}

// schemaObject decodes an object keyed by a schema URN: an extension's
// attributes, or (tolerated) the core schema's attributes.
func (d *decoder) schemaObject(s *Schema, key string, v any) error {
	obj, ok := v.(map[string]any)
	if !ok {
		return ErrInvalidValue.WithDetail("%q must be a JSON object holding the attributes of schema %s, got %s", key, s.ID, jsonKind(v))
	}
	if s != d.rt.Schema {
		d.noteExt(s)
		if _, ok := d.res.Attrs[s.ID]; !ok && len(obj) > 0 {
			// Made at its size rather than grown by set, and dropped
			// below if nothing is set in it.
			m := make(map[string]any, len(obj))
			d.res.Attrs[s.ID] = m
			defer func() {
				if len(m) == 0 {
					delete(d.res.Attrs, s.ID)
				}
			}()
		}
	}
	for k, v := range obj {
		a := s.Attribute(k)
		if a == nil {
			if d.opts.Unknown == RejectUnknown { // the path only for the error
				return d.unknown(s.ID + ":" + k)
			}
			continue
		}
		if err := d.set(AttrRef{Schema: s, Attr: a}, attrPath{urn: s.ID, base: a.Name}, v); err != nil {
			return err
		}
	}
	return nil
}

// set decodes v for ref and merges it into the resource.
func (d *decoder) set(ref AttrRef, path attrPath, v any) error {
	val, err := decodeValue(ref.Target(), v, path, d.opts, d.owned)
	if err != nil || val == nil {
		return err
	}
	if ref.Sub != nil {
		val = map[string]any{ref.Sub.Name: val}
	}
	if ref.IsExtension(d.rt) {
		d.noteExt(ref.Schema)
	}
	if at, ok := merge(d.res.container(d.rt, ref, true), ref.Attr.Name, val); !ok {
		return conflict(ref.String() + at)
	}
	return nil
}

// merge stores v under k in dst. When dst already holds a value (another
// spelling of the same attribute was decoded before), complex values are
// merged sub-attribute by sub-attribute and other values must be equal.
// When two values differ, ok is false and at is where below k, "" for k
// itself or ".sub" (so that a path is only built for an error).
func merge(dst map[string]any, k string, v any) (at string, ok bool) {
	old, ok := dst[k]
	if !ok {
		dst[k] = v
		return "", true
	}
	om, ok1 := old.(map[string]any)
	nm, ok2 := v.(map[string]any)
	if ok1 && ok2 {
		// A copy: om may be a map of the parsed body, decoded in place
		// (decodeMap with owned), which firstError may read again.
		om = maps.Clone(om)
		dst[k] = om
		for sk, sv := range nm {
			if at, ok := merge(om, sk, sv); !ok {
				return "." + sk + at, false
			}
		}
		return "", true
	}
	return "", reflect.DeepEqual(old, v)
}

func conflict(path string) error {
	return ErrInvalidSyntax.WithDetail("attribute %q is given more than once (names are case-insensitive, RFC 7643 §2.1) with different values", path)
}

func (d *decoder) unknown(path string) error {
	if d.opts.Unknown == RejectUnknown {
		return ErrInvalidSyntax.WithDetail("attribute %q is not defined by the schemas of resource type %s", path, d.rt.Name)
	}
	return nil
}

// finishSchemas checks "schemas" and sets Resource.Schemas: the core URN,
// then the extensions in the resource type's order, canonically spelled.
func (d *decoder) finishSchemas() error {
	if !d.hasSch {
		return ErrInvalidValue.WithDetail(`"schemas" is required and must contain %q (RFC 7643 §3)`, d.rt.Schema.ID)
	}
	list, ok := d.schemas.([]any)
	if !ok {
		list = []any{d.schemas} // a bare string is tolerated
	}
	core := false
	for i, u := range list {
		s, ok := u.(string)
		if !ok {
			if u == nil {
				continue
			}
			return ErrInvalidValue.WithDetail(`"schemas[%d]" must be a URN string, got %s`, i, jsonKind(u))
		}
		switch sc := d.schemaByLooseURN(s); {
		case sc == d.rt.Schema:
			core = true
		case sc != nil:
			d.noteExt(sc)
		}
	}
	if !core {
		return ErrInvalidValue.WithDetail(`"schemas" must contain %q (RFC 7643 §3)`, d.rt.Schema.ID)
	}
	d.res.Schemas = append(make([]string, 0, 1+len(d.exts)), d.rt.Schema.ID)
	for _, e := range d.rt.Extensions {
		if slices.Contains(d.exts, e.Schema) {
			d.res.Schemas = append(d.res.Schemas, e.Schema.ID)
		}
	}
	return nil
}

// schemaByLooseURN is SchemaByURN that also recognises a URN with a
// missing or extra colon, as in Microsoft's documented
// "urn:ietf:params:scim:schemas:extension:enterprise:2.0User".
func (d *decoder) schemaByLooseURN(urn string) *Schema {
	if s := d.rt.SchemaByURN(urn); s != nil {
		return s
	}
	loose := strings.ReplaceAll(urn, ":", "")
	if strings.EqualFold(strings.ReplaceAll(d.rt.Schema.ID, ":", ""), loose) {
		return d.rt.Schema
	}
	if d.opts.SCIM11CoreURN && strings.EqualFold(urn, SCIM11CoreURN) && (d.rt.Schema.ID == UserSchema || d.rt.Schema.ID == GroupSchema) {
		return d.rt.Schema
	}
	for _, e := range d.rt.Extensions {
		if strings.EqualFold(strings.ReplaceAll(e.Schema.ID, ":", ""), loose) {
			return e.Schema
		}
	}
	return nil
}
