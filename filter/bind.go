package filter

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scimkit/schema"
)

// commonField identifies the common attributes (RFC 7643 §3.1) that
// schema.Resource keeps in struct fields.
type commonField uint8

const (
	notCommon commonField = iota
	fieldID
	fieldExternalID
	fieldSchemas
	fieldMeta
)

// location says where a top-level attribute lives in a schema.Resource.
type location struct {
	common commonField
	ext    string // extension URN holding the attribute, "" for core
	name   string // canonical attribute name ("" in value filters)
}

func locate(rt *schema.ResourceType, ref schema.AttrRef) location {
	l := location{name: ref.Attr.Name, common: commonOf(ref)}
	if ref.IsExtension(rt) {
		l.ext = ref.Schema.ID
	}
	return l
}

// bound is what Bind precomputes for a Compare so that Match neither
// looks anything up by schema nor allocates.
type bound struct {
	op     Operator // positive operator evaluated over values: ne → eq, null → pr
	negate bool     // ne, and eq null: the result is negated
	kind   schema.Type
	exact  bool // byte-wise string comparison

	loc location
	sub string // canonical sub-attribute read inside complex values, "" for none

	s     string
	n     float64
	i     int64
	isInt bool
	b     bool
	t     time.Time
}

// Bind resolves every attribute path in e against rt (RFC 7644 §3.4.2.2):
// names and schema URNs compare case-insensitively, an unqualified name
// may also name an extension attribute, and inside a value path names are
// sub-attributes of the value path's attribute. It converts comparison
// values to the attribute's type and rejects, with invalidFilter:
//
//   - unknown attributes and sub-attributes (the detail names them);
//   - attributes returned "never" (password), which must not be probed;
//   - gt, ge, lt, le on boolean or binary attributes and co, sw, ew on
//     anything but string and reference attributes (RFC 7644 §3.4.2.2);
//   - null compared with anything but eq or ne;
//   - a comparison (other than pr) on a complex attribute without a
//     "value" sub-attribute, such as name eq "x".
//
// To tolerate clients, a string is accepted for a boolean ("true",
// "False"), integer or decimal ("42") attribute, and a number or boolean
// for a string attribute (compared with its JSON text). For a complex
// attribute compared directly ("emails eq x"), its "value" sub-attribute
// is compared. In the result, Compare.Value has the attribute's Go type:
// bool, int64 (integer), float64 (decimal) or string (string, reference,
// binary and dateTime, the latter as sent by the client; see
// Compare.Time). Bind returns a new tree; e is not modified.
func Bind(rt *schema.ResourceType, e Expr) (Expr, error) {
	return bind(rt, nil, e)
}

// BindValue binds e as the value filter of the attribute ref (the filter
// of a ValuePath or of a PATCH Path, RFC 7644 §3.5.2): names in e are
// sub-attributes of ref.Attr, or "value" for the elements of a simple
// multi-valued attribute. The result is evaluated with MatchValue.
func BindValue(rt *schema.ResourceType, ref schema.AttrRef, e Expr) (Expr, error) {
	if ref.Attr == nil {
		return nil, schema.ErrInvalidFilter.WithDetail("no attribute to apply the value filter to")
	}
	return bind(rt, &ref, e)
}

func bind(rt *schema.ResourceType, parent *schema.AttrRef, e Expr) (Expr, error) {
	switch e := e.(type) {
	case *Compare:
		return bindCompare(rt, parent, e)
	case *Logical:
		l, err := bind(rt, parent, e.Left)
		if err != nil {
			return nil, err
		}
		r, err := bind(rt, parent, e.Right)
		if err != nil {
			return nil, err
		}
		return &Logical{Op: e.Op, Left: l, Right: r}, nil
	case *Not:
		x, err := bind(rt, parent, e.X)
		if err != nil {
			return nil, err
		}
		return &Not{X: x}, nil
	case *ValuePath:
		if parent != nil {
			return nil, schema.ErrInvalidFilter.WithDetail("value filters cannot be nested (%s inside the filter of %s)", e.Path, parent.Attr.Name)
		}
		ref, err := resolve(rt, e.Path)
		if err != nil {
			return nil, err
		}
		if ref.Sub != nil || (!ref.Attr.MultiValued && !ref.Attr.IsComplex()) {
			return nil, schema.ErrInvalidFilter.WithDetail("%s is not a multi-valued or complex attribute; a value filter [...] cannot apply to it", ref)
		}
		f, err := bind(rt, &ref, e.Filter)
		if err != nil {
			return nil, err
		}
		loc := locate(rt, ref)
		return &ValuePath{Path: e.Path, Filter: f, Ref: ref, loc: &loc}, nil
	}
	return nil, schema.ErrInvalidFilter.WithDetail("empty filter expression")
}

// resolve looks up a top-level attribute path, explaining failures.
func resolve(rt *schema.ResourceType, p AttrPath) (schema.AttrRef, error) {
	if ref, ok := rt.Lookup(p.URI, p.Name, p.Sub); ok {
		return ref, nil
	}
	if p.URI != "" && rt.SchemaByURN(p.URI) == nil {
		return schema.AttrRef{}, schema.ErrInvalidFilter.WithDetail("unknown schema %q in attribute path %q; %s resources use %s", p.URI, p.String(), rt.Name, schemaList(rt))
	}
	if p.Sub != "" {
		if ref, ok := rt.Lookup(p.URI, p.Name, ""); ok {
			return schema.AttrRef{}, schema.ErrInvalidFilter.WithDetail("attribute %s has no sub-attribute %q", ref, p.Sub)
		}
	}
	return schema.AttrRef{}, schema.ErrInvalidFilter.WithDetail("unknown attribute %q: %s resources have no such attribute", p.String(), rt.Name)
}

func schemaList(rt *schema.ResourceType) string {
	ids := []string{rt.Schema.ID}
	for _, e := range rt.Extensions {
		ids = append(ids, e.Schema.ID)
	}
	return strings.Join(ids, ", ")
}

// resolveSub resolves a path inside the value filter of parent.
func resolveSub(parent *schema.AttrRef, p AttrPath) (schema.AttrRef, error) {
	ref := schema.AttrRef{Schema: parent.Schema, Attr: parent.Attr}
	name := p.Name
	if p.Sub != "" && strings.EqualFold(p.Name, parent.Attr.Name) {
		name = p.Sub // emails[emails.type eq "work"]
	} else if p.Sub != "" || p.URI != "" {
		return ref, schema.ErrInvalidFilter.WithDetail("in the value filter of %s, %q must be a sub-attribute name", parent.Attr.Name, p.String())
	}
	if !parent.Attr.IsComplex() {
		if strings.EqualFold(name, "value") {
			return ref, nil // the element of a simple multi-valued attribute
		}
		return ref, schema.ErrInvalidFilter.WithDetail("%s is a multi-valued %s attribute; its value filter can only compare \"value\", not %q", parent.Attr.Name, parent.Attr.Type, name)
	}
	if ref.Sub = parent.Attr.Sub(name); ref.Sub == nil {
		return ref, schema.ErrInvalidFilter.WithDetail("attribute %s has no sub-attribute %q", parent.Attr.Name, name)
	}
	return ref, nil
}

func bindCompare(rt *schema.ResourceType, parent *schema.AttrRef, c *Compare) (Expr, error) {
	var ref schema.AttrRef
	var err error
	if parent != nil {
		ref, err = resolveSub(parent, c.Path)
	} else {
		ref, err = resolve(rt, c.Path)
	}
	if err != nil {
		return nil, err
	}
	a := ref.Target()
	if ref.Attr.EffectiveReturned() == schema.ReturnedNever || a.EffectiveReturned() == schema.ReturnedNever {
		return nil, schema.ErrInvalidFilter.WithDetail("attribute %s is never returned and cannot be used in a filter", ref)
	}
	b := &bound{op: c.Op, kind: a.Type, exact: a.CaseExact, sub: subName(ref)}
	if parent == nil {
		b.loc = locate(rt, ref)
	}
	if a.IsComplex() && c.Op != Pr {
		v := a.Sub("value")
		if v == nil {
			return nil, schema.ErrInvalidFilter.WithDetail("attribute %s is complex; compare one of its sub-attributes (such as %s.%s) or use pr", ref, a.Name, a.SubAttributes[0].Name)
		}
		b.sub, b.kind, b.exact = v.Name, v.Type, v.CaseExact
	}
	out := &Compare{Path: c.Path, Op: c.Op, Value: c.Value, Ref: ref, b: b}
	if err := b.setValue(out, ref); err != nil {
		return nil, err
	}
	return out, nil
}

// subName is the canonical sub-attribute name read inside complex values.
func subName(ref schema.AttrRef) string {
	if ref.Sub != nil {
		return ref.Sub.Name
	}
	return ""
}

func commonOf(ref schema.AttrRef) commonField {
	if !ref.IsCommon() {
		return notCommon
	}
	switch ref.Attr.Name {
	case "id":
		return fieldID
	case "externalId":
		return fieldExternalID
	case "schemas":
		return fieldSchemas
	}
	return fieldMeta
}

// setValue checks the operator against the attribute type and converts
// c.Value (RFC 7644 §3.4.2.2).
func (b *bound) setValue(c *Compare, ref schema.AttrRef) error {
	switch {
	case c.Op == Pr:
		return nil
	case c.Value == nil:
		if c.Op != Eq && c.Op != Ne {
			return schema.ErrInvalidFilter.WithDetail("null can only be compared with eq or ne, not %s (attribute %s)", c.Op, ref)
		}
		b.negate, b.op = c.Op == Eq, Pr
		return nil
	case c.Op == Ne:
		b.negate, b.op = true, Eq
	}
	ordering := c.Op == Gt || c.Op == Ge || c.Op == Lt || c.Op == Le
	substring := c.Op == Co || c.Op == Sw || c.Op == Ew
	switch b.kind {
	case schema.String, schema.Reference:
		b.s = stringValue(c.Value)
		c.Value = b.s
	case schema.Binary:
		if ordering || substring {
			return opError(c, ref)
		}
		b.s, b.exact = stringValue(c.Value), true // base64 is case-sensitive
		c.Value = b.s
	case schema.Boolean:
		if ordering || substring {
			return opError(c, ref)
		}
		v, ok := boolValue(c.Value)
		if !ok {
			return valueError(c, ref, "true or false")
		}
		b.b, c.Value = v, v
	case schema.Integer, schema.Decimal:
		if substring {
			return opError(c, ref)
		}
		if !b.setNumber(c, ref) {
			return valueError(c, ref, "a number")
		}
	case schema.DateTime:
		if substring {
			return opError(c, ref)
		}
		s, ok := c.Value.(string)
		t, err := schema.ParseDateTime(s)
		if !ok || err != nil {
			return valueError(c, ref, "a quoted xsd:dateTime such as \"2011-05-13T04:42:34Z\"")
		}
		b.t = t
	default:
		return schema.ErrInvalidFilter.WithDetail("attribute %s of type %s cannot be compared with %s", ref, b.kind, c.Op)
	}
	return nil
}

func (b *bound) setNumber(c *Compare, ref schema.AttrRef) bool {
	v := c.Value
	if s, ok := v.(string); ok {
		n, isNum, err := parseNumber(strings.TrimSpace(s))
		if !isNum || err != nil {
			return false
		}
		v = n
	}
	switch n := v.(type) {
	case int64:
		b.i, b.n, b.isInt = n, float64(n), true
	case float64:
		b.n = n
		if n == math.Trunc(n) && math.Abs(n) < 1<<63 {
			b.i, b.isInt = int64(n), true
		}
	default:
		return false
	}
	if b.kind == schema.Integer && b.isInt {
		c.Value = b.i
	} else {
		c.Value = b.n
	}
	return true
}

func stringValue(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return string(appendValue(nil, v))
	}
	return ""
}

func boolValue(v any) (bool, bool) {
	switch v := v.(type) {
	case bool:
		return v, true
	case string:
		switch {
		case strings.EqualFold(v, "true"):
			return true, true
		case strings.EqualFold(v, "false"):
			return false, true
		}
	}
	return false, false
}

func opError(c *Compare, ref schema.AttrRef) error {
	return schema.ErrInvalidFilter.WithDetail("operator %s is not supported for attribute %s of type %s (RFC 7644 §3.4.2.2)", c.Op, ref, ref.Target().Type)
}

func valueError(c *Compare, ref schema.AttrRef, want string) error {
	return schema.ErrInvalidFilter.WithDetail("attribute %s is of type %s; compare it with %s, not %s", ref, ref.Target().Type, want, appendValue(nil, c.Value))
}

// Time returns the instant a bound comparison on a dateTime attribute
// compares with; ok is false for other comparisons.
func (c *Compare) Time() (t time.Time, ok bool) {
	if c.b == nil || c.b.kind != schema.DateTime || c.Op == Pr || c.Value == nil {
		return time.Time{}, false
	}
	return c.b.t, true
}
