package filter

import (
	"cmp"
	"encoding/json"
	"strings"
	"time"

	"github.com/scimkit/scimkit/schema"
)

// Match evaluates a bound expression (see Bind) against r with the
// semantics of RFC 7644 §3.4.2.2, which every store backend must
// reproduce:
//
//   - A comparison holds when any value of the attribute satisfies it:
//     every element of a multi-valued attribute, and for "emails.type"
//     the type of every email. A complex attribute compared directly
//     ("emails co \"@example.com\"") compares its "value" sub-attribute.
//   - Strings compare byte-wise when the attribute is caseExact and by
//     Fold otherwise (see Fold); gt, ge, lt and le order strings the same
//     way. dateTime values compare as instants, integer and decimal values
//     numerically (an int64 and a float64 compare by value), booleans with
//     eq and ne only.
//   - "pr" holds when the attribute has a value that is not null, not ""
//     and not an empty array or object.
//   - An absent attribute satisfies no comparison, so "title eq \"x\"" and
//     "title gt \"a\"" are false for a user without a title. "ne" is
//     evaluated as not(eq): "title ne \"x\"" is true for a user without a
//     title, and "emails.type ne \"work\"" is true when no email has type
//     work. RFC 7644 does not settle this; not(eq) is what the UnboundID
//     (Ping) SCIM 2 SDK does and keeps "a ne v" and "not (a eq v)"
//     identical, which SQL backends can express with NOT EXISTS.
//   - "eq null" holds when the attribute is not present (as for pr) and
//     "ne null" when it is.
//   - A value path emails[type eq "work" and value co "@x"] holds when one
//     element satisfies the whole inner filter.
//
// Attribute values are read under their canonical names (as
// schema.ResourceType.Decode writes them). Values of an unexpected Go type
// never match. An unbound comparison (one not returned by Bind) never
// matches. Match does not allocate for comparisons on strings, numbers,
// booleans and the common attributes.
func Match(rt *schema.ResourceType, e Expr, r *schema.Resource) bool {
	switch e := e.(type) {
	case *Compare:
		return e.matchResource(r)
	case *Logical:
		if e.Op == "or" {
			return Match(rt, e.Left, r) || Match(rt, e.Right, r)
		}
		return Match(rt, e.Left, r) && Match(rt, e.Right, r)
	case *Not:
		return !Match(rt, e.X, r)
	case *ValuePath:
		return e.matchResource(r)
	}
	return false
}

// MatchValue evaluates a value filter bound with BindValue against one
// element of the multi-valued attribute: a map[string]any for complex
// attributes, the element itself for simple ones. Semantics are those of
// Match.
func MatchValue(e Expr, elem any) bool {
	switch e := e.(type) {
	case *Compare:
		return e.b != nil && e.b.any(elem) != e.b.negate
	case *Logical:
		if e.Op == "or" {
			return MatchValue(e.Left, elem) || MatchValue(e.Right, elem)
		}
		return MatchValue(e.Left, elem) && MatchValue(e.Right, elem)
	case *Not:
		return !MatchValue(e.X, elem)
	}
	return false
}

func (c *Compare) matchResource(r *schema.Resource) bool {
	b := c.b
	if b == nil {
		return false
	}
	var hit bool
	switch b.loc.common {
	case fieldID:
		hit = r.ID != "" && b.str(r.ID)
	case fieldExternalID:
		hit = r.ExternalID != "" && b.str(r.ExternalID)
	case fieldSchemas:
		for _, s := range r.Schemas {
			if s != "" && b.str(s) {
				hit = true
				break
			}
		}
	case fieldMeta:
		hit = b.meta(&r.Meta)
	default:
		hit = b.any(b.loc.get(r))
	}
	return hit != b.negate
}

func (v *ValuePath) matchResource(r *schema.Resource) bool {
	if v.loc == nil {
		return false
	}
	var x any
	switch v.loc.common {
	case notCommon:
		x = v.loc.get(r)
	case fieldMeta:
		x = r.Meta.Map()
	case fieldSchemas:
		for _, s := range r.Schemas {
			if MatchValue(v.Filter, s) {
				return true
			}
		}
		return false
	}
	if elems, ok := x.([]any); ok {
		for _, e := range elems {
			if e != nil && MatchValue(v.Filter, e) {
				return true
			}
		}
		return false
	}
	return x != nil && MatchValue(v.Filter, x)
}

// get returns the attribute's value in r, nil when absent.
func (l *location) get(r *schema.Resource) any {
	m := r.Attrs
	if l.ext != "" {
		m, _ = m[l.ext].(map[string]any)
	}
	return m[l.name]
}

// any reports whether some value in x satisfies b.op.
func (b *bound) any(x any) bool {
	switch v := x.(type) {
	case nil:
		return false
	case string:
		return b.str(v)
	case []any:
		for _, e := range v {
			if b.any(e) {
				return true
			}
		}
		return false
	case map[string]any:
		if b.sub != "" {
			return b.any(v[b.sub])
		}
		return b.op == Pr && presentMap(v)
	}
	return b.scalar(x)
}

func presentMap(m map[string]any) bool {
	for _, v := range m {
		switch v := v.(type) {
		case nil:
		case string:
			if v != "" {
				return true
			}
		case []any:
			if len(v) > 0 {
				return true
			}
		case map[string]any:
			if presentMap(v) {
				return true
			}
		default:
			return true
		}
	}
	return false
}

// str tests one string value.
func (b *bound) str(s string) bool {
	if b.op == Pr {
		return s != ""
	}
	switch b.kind {
	case schema.String, schema.Reference, schema.Binary:
		return compareString(b.op, s, b.s, b.exact)
	case schema.DateTime:
		t, err := schema.ParseDateTime(s)
		return err == nil && order(b.op, t.Compare(b.t))
	case schema.Boolean:
		v, ok := boolValue(s)
		return ok && v == b.b
	case schema.Integer, schema.Decimal:
		n, isNum, err := parseNumber(strings.TrimSpace(s))
		return isNum && err == nil && b.scalar(n)
	}
	return false
}

// scalar tests one non-string value.
func (b *bound) scalar(x any) bool {
	if b.op == Pr {
		if t, ok := x.(time.Time); ok {
			return !t.IsZero()
		}
		return true
	}
	switch v := x.(type) {
	case bool:
		return b.kind == schema.Boolean && v == b.b
	case int64:
		return b.number(v, float64(v), true)
	case int:
		return b.number(int64(v), float64(v), true)
	case float64:
		return b.number(0, v, false)
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return b.number(i, float64(i), true)
		}
		f, err := v.Float64()
		return err == nil && b.number(0, f, false)
	case time.Time:
		return b.time(v)
	}
	return false
}

func (b *bound) number(i int64, f float64, isInt bool) bool {
	if b.kind != schema.Integer && b.kind != schema.Decimal {
		return false
	}
	if isInt && b.isInt {
		return order(b.op, cmp.Compare(i, b.i))
	}
	return order(b.op, cmp.Compare(f, b.n))
}

func (b *bound) time(t time.Time) bool {
	if b.op == Pr {
		return !t.IsZero()
	}
	return !t.IsZero() && b.kind == schema.DateTime && order(b.op, t.Compare(b.t))
}

func (b *bound) meta(m *schema.Meta) bool {
	switch b.sub {
	case "resourceType":
		return m.ResourceType != "" && b.str(m.ResourceType)
	case "location":
		return m.Location != "" && b.str(m.Location)
	case "version":
		return m.Version != "" && b.str(m.Version)
	case "created":
		return b.time(m.Created)
	case "lastModified":
		return b.time(m.LastModified)
	case "":
		return b.op == Pr && (m.ResourceType != "" || m.Location != "" || m.Version != "" || !m.Created.IsZero() || !m.LastModified.IsZero())
	}
	return false
}

// order reports whether a comparison result c satisfies op.
func order(op Operator, c int) bool {
	switch op {
	case Eq:
		return c == 0
	case Gt:
		return c > 0
	case Ge:
		return c >= 0
	case Lt:
		return c < 0
	case Le:
		return c <= 0
	}
	return false
}

// compareString applies op to the attribute value s and the filter value
// v, byte-wise when exact and by Fold otherwise.
func compareString(op Operator, s, v string, exact bool) bool {
	if exact {
		switch op {
		case Eq:
			return s == v
		case Co:
			return strings.Contains(s, v)
		case Sw:
			return strings.HasPrefix(s, v)
		case Ew:
			return strings.HasSuffix(s, v)
		}
		return order(op, strings.Compare(s, v))
	}
	switch op {
	case Eq:
		return foldEqual(s, v)
	case Co:
		return foldContains(s, v)
	case Sw:
		return foldHasPrefix(s, v)
	case Ew:
		return foldHasSuffix(s, v)
	}
	return order(op, foldCompare(s, v))
}
