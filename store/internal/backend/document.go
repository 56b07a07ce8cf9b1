package backend

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/password"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// Shape says which attributes of a resource type live in the membership
// index instead of the stored document.
type Shape struct {
	// Members is the core "members" attribute when it is multi-valued and
	// complex with a "value" sub-attribute (the Group schema): the type
	// keeps its members in the membership index. Nil otherwise.
	Members *schema.Attribute
	// Groups is the core readOnly multi-valued "groups" attribute (the
	// User schema), derived from the membership index on read. Nil
	// otherwise.
	Groups *schema.Attribute
	// Password is the core single-valued string "password" attribute (the
	// User schema, RFC 7643 §4.1.1), nil otherwise. Its value is stored
	// only when it is a hash (password.IsHash): any other value, a clear
	// text a caller forgot to hash, is dropped before it reaches a
	// backend, whichever path wrote it (scim, a connector, an embedder
	// calling the store). scim.TenantConfig.Password decides what a
	// client's password becomes.
	Password *schema.Attribute
}

// ShapeOf returns the shape of rt.
func ShapeOf(rt *schema.ResourceType) Shape {
	var s Shape
	if a := rt.Schema.Attribute("members"); a != nil && a.Name == "members" && a.MultiValued && a.IsComplex() && a.Sub("value") != nil {
		s.Members = a
	}
	if a := rt.Schema.Attribute("groups"); a != nil && a.Name == "groups" && a.MultiValued && a.IsComplex() && a.EffectiveMutability() == schema.ReadOnly {
		s.Groups = a
	}
	s.Password = rt.PasswordAttribute()
	return s
}

// isIndexed reports whether ref names an attribute kept in the membership
// index (members or groups, or one of their sub-attributes).
func (s Shape) isIndexed(ref schema.AttrRef) bool {
	return ref.Attr != nil && (ref.Attr == s.Members && s.Members != nil || ref.Attr == s.Groups && s.Groups != nil)
}

// split returns r in its stored form (see newDoc) and, for a type with a
// membership index, the members r lists. fallback are the schemas to
// assume when r lists none. The result is a new Resource whose attributes
// map is r's when nothing is left out of it (Shape.stored), else its own
// (and its own extension maps where nil values had to be dropped); it
// shares the values below with r: the write algorithm only reads it, encodes it and hands out a deep
// copy (Clone) of it, so a second deep copy here would only be garbage.
func (s Shape) split(rt *schema.ResourceType, r *schema.Resource, fallback []string) (*schema.Resource, []schema.Member) {
	out := &schema.Resource{ID: r.ID, ExternalID: r.ExternalID, Meta: r.Meta}
	listed := r.Schemas
	if len(listed) == 0 {
		listed = fallback
	}
	if s.stored(rt, r.Attrs) {
		// Nothing to leave out: r's map is the stored form's (a typical
		// user's), which is only read.
		out.Attrs = r.Attrs
		if out.Attrs == nil {
			out.Attrs = map[string]any{}
		}
		out.Schemas = canonicalSchemas(rt, listed, out.Attrs)
		return out, nil
	}
	var members []schema.Member
	attrs := make(map[string]any, len(r.Attrs))
	for k, v := range r.Attrs {
		switch s.action(rt, k, v) {
		case keepAttr:
			attrs[k] = v
		case memberAttr:
			members = schema.MembersOf(v)
		case cleanAttr:
			m := maps.Clone(v.(map[string]any))
			maps.DeleteFunc(m, func(_ string, v any) bool { return v == nil })
			if len(m) > 0 {
				attrs[k] = m
			}
		}
	}
	out.Attrs = attrs
	out.Schemas = canonicalSchemas(rt, listed, attrs)
	return out, members
}

// attrAction is what the stored form does with one attribute (Shape.action).
type attrAction int

const (
	keepAttr   attrAction = iota // kept as it is
	dropAttr                     // left out
	memberAttr                   // the members, kept in the membership index
	cleanAttr                    // an extension object, kept without its nil values
)

// action returns what the stored form does with attribute k = v: nil
// values, the derived groups, a password that is not a hash and empty
// extension objects are left out, the members go to the membership
// index, and an extension object loses its nil values. The one rule of
// split and stored.
func (s Shape) action(rt *schema.ResourceType, k string, v any) attrAction {
	switch {
	case v == nil:
		return dropAttr
	case s.Members != nil && k == s.Members.Name:
		return memberAttr
	case s.Groups != nil && k == s.Groups.Name:
		return dropAttr
	case s.Password != nil && k == s.Password.Name && !isHash(v):
		return dropAttr
	}
	if m, ok := v.(map[string]any); ok && (len(m) == 0 || hasNil(m)) && rt.SchemaByURN(k) != nil {
		if len(m) == 0 {
			return dropAttr
		}
		return cleanAttr
	}
	return keepAttr
}

// stored reports whether attrs is already in stored form: every attribute
// kept as it is.
func (s Shape) stored(rt *schema.ResourceType, attrs map[string]any) bool {
	for k, v := range attrs {
		if s.action(rt, k, v) != keepAttr {
			return false
		}
	}
	return true
}

// hasNil reports whether m holds a nil value.
func hasNil(m map[string]any) bool {
	for _, v := range m {
		if v == nil {
			return true
		}
	}
	return false
}

// canonicalSchemas returns the "schemas" of a stored resource: the core
// schema, then each extension of rt, in rt's order, that listed names
// (case-insensitively) or that holds attributes in attrs.
func canonicalSchemas(rt *schema.ResourceType, listed []string, attrs map[string]any) []string {
	out := []string{rt.Schema.ID}
	for _, e := range rt.Extensions {
		_, holds := attrs[e.Schema.ID].(map[string]any)
		if holds || containsFold(listed, e.Schema.ID) {
			out = append(out, e.Schema.ID)
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// isHash reports whether v is a password hash the store may keep (see
// Shape.Password).
func isHash(v any) bool {
	s, ok := v.(string)
	return ok && password.IsHash(s)
}

// Doc is the stored form of a resource: id, externalId, canonical schemas
// and the attributes without those kept in the membership index, nil
// values dropped. Its canonical JSON (Data) is what change detection
// compares; its folded JSON (Fold) is what SQL backends filter and sort on.
type Doc struct {
	// Resource is the stored resource; callers must not modify it.
	Resource *schema.Resource

	rt         *schema.ResourceType
	data, fold []byte
}

// newDoc returns the document of r, which must already be in stored form
// (as the write algorithm passes it).
func newDoc(rt *schema.ResourceType, r *schema.Resource) *Doc { return &Doc{Resource: r, rt: rt} }

// DocOf returns the stored form of a resource as a create would store it
// (a copy; r is not modified) and, for a type with a membership index, the
// members it lists. Bulk loaders use it to store what Create would.
func DocOf(rt *schema.ResourceType, r *schema.Resource) (*Doc, []schema.Member) {
	res, members := ShapeOf(rt).split(rt, r, nil)
	return newDoc(rt, res.Clone()), members
}

// Data returns the attributes as canonical JSON: encoding/json's
// encoding (keys sorted) without HTML escaping. It is computed once.
func (d *Doc) Data() ([]byte, error) {
	if d.data == nil {
		b, err := marshal(d.Resource.Attrs)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", d.rt.Name, err)
		}
		d.data = b
	}
	return d.data, nil
}

// Fold returns the attributes as JSON in which every value is replaced by
// its comparison form (FoldValue): what SQL backends match filters and
// sort against bytewise. It is computed once.
func (d *Doc) Fold() ([]byte, error) {
	if d.fold == nil {
		b, err := marshal(foldAttrs(d.rt, d.Resource.Attrs))
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", d.rt.Name, err)
		}
		d.fold = b
	}
	return d.fold, nil
}

// Uniques returns the unique values of the document (UniqueKeys).
func (d *Doc) Uniques() []UniqueKey { return UniqueKeys(d.rt, d.Resource.Attrs) }

// marshal returns v as encoding/json encodes it without HTML escaping
// (the canonical JSON of Data and Fold). It writes it with
// schema.AppendJSONValue, which encodes as encoding/json does but for
// HTML escaping (<, > and & as \u003c, \u003e, \u0026), and keeps that
// unless it holds a \u00 escape (HTML, or a control character both write
// alike): a quote, backslash or newline in a value no longer encodes the
// document twice. Otherwise it runs encoding/json (marshalStd).
func marshal(v any) ([]byte, error) {
	if b, err := schema.AppendJSONValue(nil, v); err == nil && !bytes.Contains(b, []byte(`\u00`)) {
		return b, nil
	}
	return marshalStd(v)
}

// marshalStd is marshal by encoding/json.
func marshalStd(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// TimeLayout is the fixed-width UTC form of dateTime values in folded
// documents: byte order is chronological order.
const TimeLayout = "2006-01-02T15:04:05.000000000Z"

// FoldValue returns the comparison form of one simple value of attribute
// a (RFC 7644 §3.4.2.2, as filter.Match compares): a string of a string or
// reference attribute that is not caseExact is folded with filter.Fold; a
// dateTime is rewritten in TimeLayout; binary values (base64) and
// caseExact strings are kept as they are, as are other types and values
// of attributes no schema defines (a nil).
func FoldValue(a *schema.Attribute, v any) any {
	s, ok := v.(string)
	if !ok || a == nil {
		return v
	}
	return foldString(a, s)
}

// foldString is FoldValue of a string value of a (not nil).
func foldString(a *schema.Attribute, s string) string {
	switch a.Type {
	case schema.DateTime:
		if t, err := schema.ParseDateTime(s); err == nil && t.Year() >= 0 && t.Year() <= 9999 {
			return t.UTC().Format(TimeLayout)
		}
	case schema.String, schema.Reference:
		if !a.CaseExact {
			return filter.Fold(s)
		}
	}
	return s
}

// foldAttrs returns a copy of a resource's stored attributes with every
// simple value replaced by FoldValue: core attributes at the top level,
// extension attributes under their URN.
func foldAttrs(rt *schema.ResourceType, attrs map[string]any) map[string]any {
	out := make(map[string]any, len(attrs))
	for k, v := range attrs {
		if a := rt.Schema.Attribute(k); a != nil {
			out[k] = foldAttr(a, v)
			continue
		}
		ext := rt.SchemaByURN(k)
		m, ok := v.(map[string]any)
		if ext == nil || !ok {
			out[k] = foldAttr(nil, v)
			continue
		}
		em := make(map[string]any, len(m))
		for ek, ev := range m {
			em[ek] = foldAttr(ext.Attribute(ek), ev)
		}
		out[k] = em
	}
	return out
}

// FoldMember returns the comparison form of a member value of the members
// attribute a.
func FoldMember(a *schema.Attribute, m schema.Member) map[string]any {
	v, _ := foldAttr(a, m.AttrValue()).(map[string]any)
	return v
}

func foldAttr(a *schema.Attribute, v any) any {
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = foldAttr(a, e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			var sub *schema.Attribute
			if a != nil {
				sub = a.Sub(k)
			}
			out[k] = foldAttr(sub, e)
		}
		return out
	}
	return FoldValue(a, v)
}

// UniqueKey is one value that must be unique among the resources of a
// tenant and type (RFC 7643 §7 "uniqueness"; "global" is enforced like
// "server", per tenant and type).
type UniqueKey struct {
	// Attr is the attribute's path (schema.AttrRef.String).
	Attr string
	// Value is the value's comparison form: FoldValue for strings (folded
	// unless caseExact), JSON for other types.
	Value string
}

// UniqueKeys returns the unique values of stored attributes: top-level,
// single-valued, simple attributes of the core schema or an extension
// with uniqueness "server" or "global", in schema order (core, then each
// extension in the type's order), the same for every writer, so concurrent
// writers claim them in the same order.
func UniqueKeys(rt *schema.ResourceType, attrs map[string]any) []UniqueKey {
	var out []UniqueKey
	collect := func(prefix string, s *schema.Schema, m map[string]any) {
		for _, a := range s.Attributes {
			if a.MultiValued || a.IsComplex() || a.EffectiveUniqueness() == schema.UniqueNone {
				continue
			}
			v, ok := m[a.Name]
			if !ok || v == nil {
				continue
			}
			out = append(out, UniqueKey{prefix + a.Name, UniqueText(a, v)})
		}
	}
	collect("", rt.Schema, attrs)
	for _, e := range rt.Extensions {
		if m, ok := attrs[e.Schema.ID].(map[string]any); ok {
			collect(e.Schema.ID+":", e.Schema, m)
		}
	}
	return out
}

// UniqueText is the key of value v of attribute a (not nil) for
// uniqueness and equality indexes: its comparison form (FoldValue) as
// text, numbers without their Go type (5 and 5.0 are one value). Every
// backend keys its unique values and equality lookups with it.
func UniqueText(a *schema.Attribute, v any) string {
	switch v := v.(type) {
	case string:
		return foldString(a, v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		if v == float64(int64(v)) {
			return strconv.FormatInt(int64(v), 10)
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// CheckQuery returns an error wrapping ErrInvalidSort when q sorts by an
// attribute kept in the membership index. Every backend's List calls it
// first.
func CheckQuery(rt *schema.ResourceType, q store.Query) error {
	if q.SortBy.Attr != nil && ShapeOf(rt).isIndexed(q.SortBy) {
		return fmt.Errorf("sortBy %s: the attribute is kept in the membership index: %w", q.SortBy.String(), store.ErrInvalidSort)
	}
	return nil
}

// DecodeAttrs parses Doc.Data's JSON back into the attribute values of a
// schema.Resource, in place: numbers become int64, or float64 for decimal
// attributes and numbers that are not integers. Backends that keep the
// document as JSON read their rows with it.
func DecodeAttrs(rt *schema.ResourceType, data []byte) (map[string]any, error) {
	v, err := schema.DecodeJSON(data) // encoding/json's values, faster
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("the stored document is not a JSON object")
	}
	for k, v := range m {
		if a := rt.Schema.Attribute(k); a != nil && a.Name == k {
			m[k] = typed(a, v)
			continue
		}
		ext := rt.SchemaByURN(k)
		if em, ok := v.(map[string]any); ok && ext != nil && ext != rt.Schema {
			for ek, ev := range em {
				em[ek] = typed(ext.Attribute(ek), ev)
			}
			continue
		}
		m[k] = typed(nil, v)
	}
	return m, nil
}

// typed converts the json.Numbers of v, a value of attribute a (nil when
// no schema defines it), in place.
func typed(a *schema.Attribute, v any) any {
	switch v := v.(type) {
	case []any:
		for i, e := range v {
			v[i] = typed(a, e)
		}
		return v
	case map[string]any:
		for k, e := range v {
			var sub *schema.Attribute
			if a != nil {
				sub = a.Sub(k)
			}
			v[k] = typed(sub, e)
		}
		return v
	case json.Number:
		if a == nil || a.Type != schema.Decimal {
			if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
				return n
			}
		}
		f, _ := v.Float64()
		return f
	}
	return v
}
