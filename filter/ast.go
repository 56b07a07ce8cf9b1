package filter

import (
	"github.com/scimkit/scimkit/schema"
)

// Expr is a parsed filter node (RFC 7644 §3.4.2.2): one of *Compare,
// *Logical, *Not or *ValuePath. String returns canonical filter text that
// Parse turns back into an equal tree.
type Expr interface {
	// String returns the canonical filter text of the node.
	String() string
	expr()
}

// AttrPath is an attribute path as written in a filter (RFC 7644 §3.4.2.2
// "attrPath"): URI is the schema URN prefix without its trailing colon, ""
// when the path is not qualified; Name is the attribute name; Sub is the
// sub-attribute name, "" when none.
type AttrPath struct {
	// URI, Name and Sub are the schema URN prefix, attribute name and sub-attribute name.
	URI, Name, Sub string
}

// Operator is a comparison operator of RFC 7644 §3.4.2.2 Table 3, always
// lower-case.
type Operator string

// Comparison operators of RFC 7644 §3.4.2.2 Table 3.
const (
	Eq Operator = "eq"
	Ne Operator = "ne"
	Co Operator = "co"
	Sw Operator = "sw"
	Ew Operator = "ew"
	Gt Operator = "gt"
	Lt Operator = "lt"
	Ge Operator = "ge"
	Le Operator = "le"
	Pr Operator = "pr"
)

// Compare is an attribute comparison "attrPath op value" or
// "attrPath pr" (RFC 7644 §3.4.2.2 "attrExp").
type Compare struct {
	// Path is the compared attribute.
	Path AttrPath
	// Op is the comparison operator.
	Op Operator
	// Value is the comparison value: string, bool, int64, float64 or nil
	// (JSON null, and always nil for pr). After Bind, dateTime values are
	// still strings (the canonical text is kept); see Bind.
	Value any
	// Ref is the resolved attribute, set by Bind; zero before.
	Ref schema.AttrRef

	b *bound // typed comparison data prepared by Bind
}

// Logical is "Left and Right" or "Left or Right" (RFC 7644 §3.4.2.2
// "logExp"); Op is "and" or "or", lower-case.
type Logical struct {
	// Op is "and" or "or".
	Op string
	// Left and Right are the operands.
	Left, Right Expr
}

// Not is "not (X)" (RFC 7644 §3.4.2.2).
type Not struct {
	// X is the negated filter.
	X Expr
}

// ValuePath is a filter on the values of a multi-valued complex
// attribute, e.g. emails[type eq "work"] (RFC 7644 §3.4.2.2 "valuePath").
// Inside Filter, attribute names are sub-attributes of Path.
type ValuePath struct {
	// Path is the multi-valued complex attribute, e.g. emails.
	Path AttrPath
	// Filter is the filter between '[' and ']', applied to each value.
	Filter Expr
	// Ref is the resolved attribute, set by Bind; zero before.
	Ref schema.AttrRef

	loc *location // set by Bind
}

// Path is a PATCH operation path (RFC 7644 §3.5.2 "PATH"): an attribute
// path, or a value path with an optional ".subAttr" after the ']'.
type Path struct {
	// Attr is the attribute path, e.g. name.givenName or emails for emails[type eq "work"].
	Attr AttrPath
	// Filter is the value filter between '[' and ']', nil if none.
	Filter Expr
	// Sub is the sub-attribute after the ']', "" if none.
	Sub string
}

func (*Compare) expr()   {}
func (*Logical) expr()   {}
func (*Not) expr()       {}
func (*ValuePath) expr() {}
