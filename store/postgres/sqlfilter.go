package postgres

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// where translates a bound filter (RFC 7644 §3.4.2.2) into a SQL condition
// on the resources row r, collecting its parameters. Values are always
// parameters; attribute names come from the schema and become SQL
// literals when they are plain names, parameters otherwise.
//
// Each translation reports whether it is exact. An inexact condition is a
// superset of the matches (a node it cannot express becomes TRUE, and NOT
// of an inexact node too); List then evaluates filter.Match in Go over the
// rows it returns. Conditions may evaluate to NULL where filter.Match says
// false; NOT and ne are written with IS TRUE so that NULL never turns
// into a match.
type where struct {
	s     *Store
	rt    *schema.ResourceType
	args  []any
	alias int
}

// val is one value as a jsonb expression (j) and as text compared
// bytewise (t, collation "C").
type val struct{ j, t string }

// elem is the element context of a multi-valued attribute or value path:
// j is the jsonb expression of one element; cols overrides sub-attributes
// that a source keeps in columns (the member id of a membership row).
type elem struct {
	j    string
	cols map[string]val
}

func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_$:.\-]+$`)

// key renders an attribute name or schema URN as a SQL text literal when
// it is a plain name (as ATTRNAME and schema URNs are), else a parameter.
func (w *where) key(k string) string {
	if plainKey.MatchString(k) {
		return "'" + k + "'"
	}
	return w.arg(k) + "::text"
}

func textOf(j string) val {
	return val{j: j, t: "(" + j + " #>> '{}') COLLATE \"C\""}
}

// path is the value at keys below a jsonb document expression.
func (w *where) path(doc string, keys ...string) val {
	j := doc
	for _, k := range keys[:len(keys)-1] {
		j += "->" + w.key(k)
	}
	last := w.key(keys[len(keys)-1])
	return val{j: j + "->" + last, t: "(" + j + "->>" + last + ") COLLATE \"C\""}
}

// attrPath is the fold-document value of the top-level attribute of ref.
func (w *where) attrPath(ref schema.AttrRef, sub ...string) val {
	keys := []string{}
	if ref.IsExtension(w.rt) {
		keys = append(keys, ref.Schema.ID)
	}
	keys = append(append(keys, ref.Attr.Name), sub...)
	return w.path("r.fold", keys...)
}

func (el elem) sub(w *where, name string) val {
	if v, ok := el.cols[name]; ok {
		return v
	}
	return w.path(el.j, name)
}

func (el elem) self() val { return textOf(el.j) }

// node translates e at resource level (el nil) or inside a value path.
func (w *where) node(e filter.Expr, el *elem) (string, bool) {
	switch e := e.(type) {
	case *filter.Compare:
		if el != nil {
			return w.elemCompare(e, *el)
		}
		return w.compare(e)
	case *filter.Logical:
		l, lok := w.node(e.Left, el)
		r, rok := w.node(e.Right, el)
		op := " AND "
		if e.Op == "or" {
			op = " OR "
		}
		return "(" + l + op + r + ")", lok && rok
	case *filter.Not:
		x, ok := w.node(e.X, el)
		if !ok {
			return "TRUE", false
		}
		return "(NOT ((" + x + ") IS TRUE))", true
	case *filter.ValuePath:
		if el != nil {
			return "TRUE", false
		}
		return w.valuePath(e)
	}
	return "TRUE", false
}

// spec is a comparison as filter.Bind prepares it: the positive operator
// evaluated over values, whether the result is negated (ne, eq null), and
// the type and case rule of the compared values.
type spec struct {
	c      *filter.Compare
	sub    *schema.Attribute // sub-attribute read inside complex values
	kind   schema.Type
	exact  bool
	op     filter.Operator
	negate bool
	objPr  bool // pr on a complex value itself
}

func specOf(c *filter.Compare) spec {
	a := c.Ref.Target()
	sp := spec{c: c, sub: c.Ref.Sub, kind: a.Type, exact: a.CaseExact, op: c.Op}
	if a.IsComplex() && c.Op != filter.Pr {
		if v := a.Sub("value"); v != nil {
			sp.sub, sp.kind, sp.exact = v, v.Type, v.CaseExact
		}
	}
	if sp.kind == schema.Binary {
		sp.exact = true
	}
	switch {
	case c.Op == filter.Pr:
	case c.Value == nil:
		sp.op, sp.negate = filter.Pr, c.Op == filter.Eq
	case c.Op == filter.Ne:
		sp.op, sp.negate = filter.Eq, true
	}
	sp.objPr = sp.op == filter.Pr && sp.sub == nil && a.IsComplex()
	return sp
}

func (sp spec) wrap(cond string, ok bool) (string, bool) {
	if sp.negate {
		return "(NOT ((" + cond + ") IS TRUE))", ok
	}
	return cond, ok
}

// compare translates a resource-level comparison.
func (w *where) compare(c *filter.Compare) (string, bool) {
	if c.Ref.Attr == nil {
		return "TRUE", false
	}
	if c.Ref.IsCommon() {
		return w.common(c)
	}
	sp := specOf(c)
	if sp.sub != nil && sp.sub.MultiValued {
		return "TRUE", false
	}
	if src, ok := w.source(c.Ref); ok {
		cond, exact := w.leaf(sp, elemValue(w, src.el, sp))
		return sp.wrap(w.exists(src, cond), exact)
	}
	var v val
	if sp.sub != nil {
		v = w.attrPath(c.Ref, sp.sub.Name)
	} else {
		v = w.attrPath(c.Ref)
	}
	return sp.wrap(w.leaf(sp, v))
}

func elemValue(w *where, el elem, sp spec) val {
	if sp.sub != nil {
		return el.sub(w, sp.sub.Name)
	}
	return el.self()
}

// elemCompare translates a comparison inside a value path's filter.
func (w *where) elemCompare(c *filter.Compare, el elem) (string, bool) {
	if c.Ref.Attr == nil {
		return "TRUE", false
	}
	sp := specOf(c)
	if sp.sub != nil && sp.sub.MultiValued {
		return "TRUE", false
	}
	return sp.wrap(w.leaf(sp, elemValue(w, el, sp)))
}

// source is the set of values of a multi-valued attribute: FROM and WHERE
// clauses (without the comparison) and the element context.
type source struct {
	from string
	el   elem
}

func (w *where) exists(src source, cond string) string {
	return "EXISTS (SELECT 1 " + src.from + " AND " + cond + ")"
}

// source returns where the values of a multi-valued attribute come from:
// the membership index for a group's members and a member's groups, the
// fold document's array otherwise. ok is false for single-valued ones.
func (w *where) source(ref schema.AttrRef) (source, bool) {
	w.alias++
	n := strconv.Itoa(w.alias)
	m, g := "m"+n, "g"+n
	switch {
	case ref.Schema == w.rt.Schema && ref.Attr == membersAttr(w.rt):
		return source{
			from: w.s.q(`FROM {s}.members ` + m + ` WHERE ` + m + `.tenant = r.tenant AND ` + m + `.group_id = r.id`),
			el:   elem{j: m + ".fold", cols: map[string]val{"value": {j: "to_jsonb(" + m + ".member_id)", t: m + ".member_id"}}},
		}, true
	case ref.Schema == w.rt.Schema && ref.Attr == groupsAttr(w.rt):
		return source{
			from: w.s.q(`FROM {s}.members ` + m + ` JOIN {s}.resources ` + g + ` ON ` + g + `.tenant = ` + m + `.tenant AND ` + g + `.id = ` + m + `.group_id
				WHERE ` + m + `.tenant = r.tenant AND ` + m + `.member_id = r.id`),
			el: elem{j: `jsonb_build_object('value', ` + m + `.group_id, 'display', ` + g + `.fold->'displayName', 'type', 'direct')`,
				cols: map[string]val{
					"value":   {j: "to_jsonb(" + m + ".group_id)", t: m + ".group_id"},
					"display": {j: g + ".fold->'displayName'", t: "(" + g + `.fold->>'displayName') COLLATE "C"`},
					"type":    {j: `'"direct"'::jsonb`, t: `'direct'::text COLLATE "C"`},
				}},
		}, true
	case ref.Attr.MultiValued:
		return w.arraySource(w.attrPath(ref).j), true
	}
	return source{}, false
}

// orderedElements is arraySource with the position of each element in
// column n of the returned alias.
func (w *where) orderedElements(arr string) (source, string) {
	w.alias++
	x := "x" + strconv.Itoa(w.alias)
	return source{
		from: `FROM jsonb_array_elements(CASE WHEN jsonb_typeof(` + arr + `) = 'array' THEN ` + arr + ` ELSE '[]'::jsonb END) WITH ORDINALITY AS ` + x + `(e, n) WHERE ` + x + `.e <> 'null'::jsonb`,
		el:   elem{j: x + ".e"},
	}, x
}

func (w *where) arraySource(arr string) source {
	w.alias++
	x := "x" + strconv.Itoa(w.alias)
	return source{
		from: `FROM jsonb_array_elements(CASE WHEN jsonb_typeof(` + arr + `) = 'array' THEN ` + arr + ` ELSE '[]'::jsonb END) AS ` + x + `(e) WHERE ` + x + `.e <> 'null'::jsonb`,
		el:   elem{j: x + ".e"},
	}
}

// valuePath translates attr[filter]: some element satisfies the whole
// inner filter (RFC 7644 §3.4.2.2 valuePath).
func (w *where) valuePath(v *filter.ValuePath) (string, bool) {
	ref := v.Ref
	if ref.Attr == nil {
		return "TRUE", false
	}
	var src source
	switch {
	case ref.IsCommon() && ref.Attr.Name == "schemas":
		src = w.arraySource("r.fold->'schemas'")
	case ref.IsCommon():
		return "TRUE", false // meta[...]: evaluated in Go
	default:
		var ok bool
		if src, ok = w.source(ref); !ok {
			obj := w.attrPath(ref).j // a single complex attribute: the value itself
			cond, exact := w.node(v.Filter, &elem{j: obj})
			return "(jsonb_typeof(" + obj + ") = 'object' AND " + cond + ")", exact
		}
	}
	cond, exact := w.node(v.Filter, &src.el)
	return w.exists(src, cond), exact
}

// leaf is the condition that one value v satisfies sp's positive operator.
func (w *where) leaf(sp spec, v val) (string, bool) {
	if sp.op == filter.Pr {
		if sp.objPr {
			return `(jsonb_typeof(` + v.j + `) = 'object' AND EXISTS (SELECT 1 FROM jsonb_each(` + v.j + `) AS kv
				WHERE kv.value NOT IN ('null'::jsonb, '""'::jsonb, '[]'::jsonb, '{}'::jsonb)))`, true
		}
		return "(" + v.j + " NOT IN ('null'::jsonb, '\"\"'::jsonb, '[]'::jsonb, '{}'::jsonb))", true
	}
	switch sp.kind {
	case schema.String, schema.Reference, schema.Binary:
		s, ok := sp.c.Value.(string)
		if !ok {
			return "TRUE", false
		}
		if !sp.exact {
			s = filter.Fold(s)
		}
		return textCond(w, sp.op, v.t, s)
	case schema.DateTime:
		t, ok := sp.c.Time()
		if !ok || t.UTC().Year() < 0 || t.UTC().Year() > 9999 {
			return "TRUE", false
		}
		cond, exact := textCond(w, sp.op, v.t, t.UTC().Format(backend.TimeLayout))
		return "(" + v.t + ` ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$' AND ` + cond + ")", exact
	case schema.Boolean:
		b, ok := sp.c.Value.(bool)
		if !ok || sp.op != filter.Eq {
			return "TRUE", false
		}
		return "(" + v.j + " = " + w.arg(strconv.FormatBool(b)) + "::jsonb)", true
	case schema.Integer, schema.Decimal:
		var n string
		switch x := sp.c.Value.(type) {
		case int64:
			n = strconv.FormatInt(x, 10)
		case float64:
			n = strconv.FormatFloat(x, 'g', -1, 64)
		default:
			return "TRUE", false
		}
		op, ok := sqlOrder[sp.op]
		if !ok {
			return "TRUE", false
		}
		return "(CASE WHEN jsonb_typeof(" + v.j + ") = 'number' THEN (" + v.j + ")::numeric END " + op + " " + w.arg(n) + "::numeric)", true
	}
	return "TRUE", false
}

var sqlOrder = map[filter.Operator]string{filter.Eq: "=", filter.Gt: ">", filter.Ge: ">=", filter.Lt: "<", filter.Le: "<="}

// textCond compares the C-collated text t with s bytewise: equality and
// order as strings.Compare, co/sw/ew as LIKE with s escaped.
func textCond(w *where, op filter.Operator, t, s string) (string, bool) {
	if o, ok := sqlOrder[op]; ok {
		return "(" + t + " " + o + " " + w.arg(s) + "::text)", true
	}
	esc := likeEscaper.Replace(s)
	var pat string
	switch op {
	case filter.Co:
		pat = "%" + esc + "%"
	case filter.Sw:
		pat = esc + "%"
	case filter.Ew:
		pat = "%" + esc
	default:
		return "TRUE", false
	}
	return "(" + t + " LIKE " + w.arg(pat) + "::text)", true
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// common translates comparisons of id, externalId, schemas and meta
// (RFC 7643 §3.1), which live in columns or are constant per type.
func (w *where) common(c *filter.Compare) (string, bool) {
	sp := specOf(c)
	switch c.Ref.Attr.Name {
	case "id":
		return sp.wrap(w.leaf(sp, val{j: "to_jsonb(r.id)", t: "r.id"}))
	case "externalId":
		return sp.wrap(w.leaf(sp, val{j: "to_jsonb(r.external_id)", t: "r.external_id"}))
	case "schemas":
		src := w.arraySource("r.fold->'schemas'")
		cond, exact := w.leaf(sp, src.el.self())
		return sp.wrap(w.exists(src, cond), exact)
	}
	sub := ""
	if c.Ref.Sub != nil {
		sub = c.Ref.Sub.Name
	}
	switch sub {
	case "version":
		t := `('W/"' || r.version::text || '"') COLLATE "C"`
		return sp.wrap(w.leaf(sp, val{j: "to_jsonb(" + t + ")", t: t}))
	case "created", "lastModified":
		return w.metaTime(sp, map[string]string{"created": "r.created", "lastModified": "r.last_modified"}[sub])
	}
	// meta.resourceType, meta.location and meta itself are the same for
	// every stored resource of the type: evaluate the reference once.
	if filter.Match(w.rt, c, &schema.Resource{Meta: schema.Meta{ResourceType: w.rt.Name}}) {
		return "TRUE", true
	}
	return "FALSE", true
}

// metaTime compares a timestamp column. Stored times have microsecond
// precision; a filter instant finer than that is left to filter.Match.
func (w *where) metaTime(sp spec, col string) (string, bool) {
	if sp.op == filter.Pr {
		return sp.wrap("TRUE", true)
	}
	t, ok := sp.c.Time()
	o, known := sqlOrder[sp.op]
	if !ok || !known || t.Nanosecond()%int(time.Microsecond) != 0 {
		return "TRUE", false
	}
	return sp.wrap(fmt.Sprintf("(%s %s %s::timestamptz)", col, o, w.arg(t)), true)
}
