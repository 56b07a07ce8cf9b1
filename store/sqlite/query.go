package sqlite

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
)

// pred is a translated filter node: SQL text and its arguments. exact is
// false when the SQL only narrows (a superset of the matches) and
// filter.Match must decide the rest.
type pred struct {
	sql   string
	args  []any
	exact bool
}

// anything is the predicate of a node that cannot be translated.
var anything = pred{sql: "1"}

// translator turns bound filters of one resource type into SQL on the
// resources table aliased r (RFC 7644 §3.4.2.2 with filter.Match
// semantics).
type translator struct {
	tenant string
	rt     *schema.ResourceType
	ti     *typeInfo
}

func (t translator) expr(e filter.Expr) pred {
	switch e := e.(type) {
	case *filter.Logical:
		l, r := t.expr(e.Left), t.expr(e.Right)
		op := " AND "
		if e.Op == "or" {
			op = " OR "
		}
		return pred{sql: "(" + l.sql + op + r.sql + ")", args: append(l.args, r.args...), exact: l.exact && r.exact}
	case *filter.Not:
		x := t.expr(e.X)
		if !x.exact {
			return anything
		}
		return pred{sql: "NOT IFNULL(" + x.sql + ", 0)", args: x.args, exact: true}
	case *filter.Compare:
		return t.compare(e)
	case *filter.ValuePath:
		return t.valuePath(e)
	}
	return anything
}

// negate turns an eq predicate into ne: "ne" is not(eq), true when the
// attribute is absent.
func negate(p pred) pred {
	if !p.exact {
		return anything
	}
	return pred{sql: "NOT IFNULL(" + p.sql + ", 0)", args: p.args, exact: true}
}

func (t translator) compare(c *filter.Compare) pred {
	if c.Op == filter.Ne {
		eq := *c
		eq.Op = filter.Eq
		return negate(t.compare(&eq))
	}
	ref := c.Ref
	if ref.Attr == nil {
		return anything
	}
	if ref.IsCommon() {
		return t.common(c)
	}
	if t.ti.members != nil && ref.Attr == t.ti.members {
		return t.index(c, "group_id", "member_id", false)
	}
	if t.ti.groups != nil && ref.Attr == t.ti.groups {
		return t.index(c, "member_id", "group_id", true)
	}
	base, ok := t.path(ref)
	if !ok {
		return anything
	}
	a := ref.Attr
	switch {
	case !a.MultiValued && !a.IsComplex():
		return scalar(c, "json_extract(r.fold, "+lit(base)+")", a)
	case !a.MultiValued:
		if ref.Sub == nil {
			return anything
		}
		return scalar(c, "json_extract(r.fold, "+lit(base+"."+ref.Sub.Name)+")", ref.Sub)
	}
	if c.Op == filter.Pr && a.IsComplex() && ref.Sub == nil {
		// Present means some value has any non-empty sub-attribute
		// (filter.Match): decided in Go.
		return anything
	}
	elem, target := t.element(ref)
	if target == nil {
		return anything
	}
	p := scalar(c, elem, target)
	if !p.exact {
		return anything
	}
	return pred{sql: "EXISTS (SELECT 1 FROM json_each(r.fold, " + lit(base) + ") j WHERE " + p.sql + ")", args: p.args, exact: true}
}

// element returns the SQL for one element of the multi-valued attribute
// of ref inside json_each (alias j), and the attribute it holds.
func (t translator) element(ref schema.AttrRef) (string, *schema.Attribute) {
	if !ref.Attr.IsComplex() {
		return "j.value", ref.Attr
	}
	sub := ref.Sub
	if sub == nil {
		sub = ref.Attr.Sub("value")
	}
	if sub == nil || !plainKey.MatchString(sub.Name) {
		return "", nil
	}
	return "json_extract(j.value, " + lit("$."+sub.Name) + ")", sub
}

func (t translator) valuePath(v *filter.ValuePath) pred {
	a := v.Ref.Attr
	if a != nil && (a == t.ti.members || a == t.ti.groups) {
		// members[value eq "x"]: one comparison on the value of an element
		// is the comparison on the attribute.
		if c, ok := v.Filter.(*filter.Compare); ok && (c.Ref.Sub == nil || c.Ref.Sub.Name == "value") {
			return t.compare(c)
		}
		return anything
	}
	if a == nil || !a.MultiValued || v.Ref.IsCommon() {
		return anything
	}
	base, ok := t.path(schema.AttrRef{Schema: v.Ref.Schema, Attr: a})
	if !ok {
		return anything
	}
	inner := t.elementExpr(v.Filter)
	return pred{sql: "EXISTS (SELECT 1 FROM json_each(r.fold, " + lit(base) + ") j WHERE " + inner.sql + ")", args: inner.args, exact: inner.exact}
}

// elementExpr translates the filter of a value path against one element.
func (t translator) elementExpr(e filter.Expr) pred {
	switch e := e.(type) {
	case *filter.Logical:
		l, r := t.elementExpr(e.Left), t.elementExpr(e.Right)
		op := " AND "
		if e.Op == "or" {
			op = " OR "
		}
		return pred{sql: "(" + l.sql + op + r.sql + ")", args: append(l.args, r.args...), exact: l.exact && r.exact}
	case *filter.Not:
		return negate(t.elementExpr(e.X))
	case *filter.Compare:
		if e.Op == filter.Ne {
			eq := *e
			eq.Op = filter.Eq
			return negate(t.elementExpr(&eq))
		}
		elem, target := t.element(e.Ref)
		if target == nil || e.Ref.Attr == nil || e.Ref.Attr.IsComplex() && e.Ref.Sub == nil {
			return anything
		}
		return scalar(e, elem, target)
	}
	return anything
}

// common translates comparisons on id, externalId and meta timestamps,
// which are columns.
func (t translator) common(c *filter.Compare) pred {
	switch c.Ref.Attr.Name {
	case "id":
		return scalar(c, "r.id", schema.IDAttribute)
	case "externalId":
		return scalar(c, "r.external_id", schema.ExternalIDAttribute)
	case "meta":
		if c.Ref.Sub == nil {
			return anything
		}
		switch c.Ref.Sub.Name {
		case "created":
			return scalar(c, "r.created", c.Ref.Sub)
		case "lastModified":
			return scalar(c, "r.last_modified", c.Ref.Sub)
		}
	}
	return anything
}

// index translates comparisons on the value of members (of a group) or
// groups (of a member), answered from the membership index: self is the
// column holding the resource's id, other the column compared.
func (t translator) index(c *filter.Compare, self, other string, folded bool) pred {
	if c.Ref.Sub != nil && c.Ref.Sub.Name != "value" {
		return anything
	}
	sub := c.Ref.Attr.Sub("value")
	if sub == nil || sub.CaseExact == folded {
		return anything
	}
	if c.Op == filter.Eq {
		// Group ids are generated lower-case, so they equal their fold.
		v, ok := sqlValue(c, sub)
		if !ok {
			return anything
		}
		return pred{sql: "r.id IN (SELECT m." + self + " FROM members m WHERE m.tenant = ? AND m." + other + " = ?)",
			args: []any{t.tenant, v}, exact: true}
	}
	var p pred
	if c.Op == filter.Pr {
		p = pred{sql: "m." + other + " <> ''", exact: true}
	} else {
		p = scalar(c, "m."+other, sub)
	}
	if !p.exact {
		return anything
	}
	return pred{sql: "EXISTS (SELECT 1 FROM members m WHERE m.tenant = r.tenant AND m." + self + " = r.id AND " + p.sql + ")", args: p.args, exact: true}
}

var plainKey = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`)

// path returns the JSON path of ref's top-level attribute in the fold
// document, or false when it cannot be written as a safe literal.
func (t translator) path(ref schema.AttrRef) (string, bool) {
	if !plainKey.MatchString(ref.Attr.Name) {
		return "", false
	}
	if !ref.IsExtension(t.rt) {
		return "$." + ref.Attr.Name, true
	}
	if strings.ContainsAny(ref.Schema.ID, "\"'\\") || !utf8.ValidString(ref.Schema.ID) {
		return "", false
	}
	return `$."` + ref.Schema.ID + `".` + ref.Attr.Name, true
}

// lit quotes s as an SQL string literal; callers pass only paths checked
// by path and plainKey.
func lit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
