package sqlite

import (
	"unicode/utf8"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
)

// scalar translates "x op value" for a simple value x of attribute a as
// stored in the fold document: strings folded unless caseExact and
// compared bytewise (BINARY collation, never LIKE), dateTimes as
// fixed-width UTC text, numbers numerically, booleans as 0/1.
func scalar(c *filter.Compare, x string, a *schema.Attribute) pred {
	if c.Op == filter.Pr {
		return pred{sql: "(" + x + " IS NOT NULL AND " + x + " <> '')", exact: true}
	}
	v, ok := sqlValue(c, a)
	if !ok {
		return anything
	}
	switch c.Op {
	case filter.Eq:
		return pred{sql: x + " = ?", args: []any{v}, exact: true}
	case filter.Gt, filter.Ge, filter.Lt, filter.Le:
		if a.Type == schema.Boolean {
			return anything
		}
		op := map[filter.Operator]string{filter.Gt: " > ", filter.Ge: " >= ", filter.Lt: " < ", filter.Le: " <= "}[c.Op]
		return pred{sql: x + op + "?", args: []any{v}, exact: true}
	}
	s, isText := v.(string)
	if !isText || a.Type == schema.DateTime {
		return anything
	}
	n := utf8.RuneCountInString(s)
	if n == 0 {
		// co, sw and ew "" hold for every string value.
		return pred{sql: "typeof(" + x + ") = 'text'", exact: true}
	}
	switch c.Op {
	case filter.Co:
		return pred{sql: "instr(" + x + ", ?) > 0", args: []any{s}, exact: true}
	case filter.Sw:
		return pred{sql: "substr(" + x + ", 1, ?) = ?", args: []any{n, s}, exact: true}
	case filter.Ew:
		return pred{sql: "(length(" + x + ") >= ? AND substr(" + x + ", -?) = ?)", args: []any{n, n, s}, exact: true}
	}
	return anything
}

// sqlValue converts the bound comparison value to what the fold document
// holds for attribute a.
func sqlValue(c *filter.Compare, a *schema.Attribute) (any, bool) {
	switch v := c.Value.(type) {
	case string:
		switch a.Type {
		case schema.String, schema.Reference, schema.Binary:
			if !a.CaseExact && a.Type != schema.Binary {
				return fold(v), true
			}
			return v, true
		case schema.DateTime:
			if t, ok := c.Time(); ok {
				return formatTime(t), true
			}
			if n, ok := normDateTime(v); ok {
				return n, true
			}
		}
	case bool:
		if a.Type == schema.Boolean {
			if v {
				return int64(1), true
			}
			return int64(0), true
		}
	case int64:
		if a.Type == schema.Integer || a.Type == schema.Decimal {
			return v, true
		}
	case float64:
		if a.Type == schema.Integer || a.Type == schema.Decimal {
			return v, true
		}
	}
	return nil, false
}
