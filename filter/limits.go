package filter

import "github.com/scimkit/scimkit/schema"

// Default limits applied by Parse and by a zero Limits.
const (
	// DefaultMaxLength is the longest filter accepted, in bytes.
	DefaultMaxLength = 4096
	// DefaultMaxDepth is the deepest nesting accepted: parentheses, "not",
	// value paths '[' and nested and/or groups each count one level.
	DefaultMaxDepth = 32
	// DefaultMaxTerms is the largest number of comparisons accepted in one
	// filter (terms joined by and/or).
	DefaultMaxTerms = 200
)

// Limits bounds the work Parse does on untrusted input. A zero field takes
// its default (DefaultMaxLength, DefaultMaxDepth, DefaultMaxTerms).
type Limits struct {
	MaxLength, MaxDepth int
	// MaxTerms caps the number of comparisons in one filter.
	MaxTerms int
}

// Parse parses a SCIM filter (RFC 7644 §3.4.2.2) with the default limits.
// Errors are *schema.Error with scimType invalidFilter.
func Parse(s string) (Expr, error) { return Limits{}.Parse(s) }

// Parse parses a SCIM filter (RFC 7644 §3.4.2.2) within l.
// Errors are *schema.Error with scimType invalidFilter.
func (l Limits) Parse(s string) (Expr, error) {
	return nil, schema.ErrInvalidFilter.WithDetail("not implemented yet")
}

// ParsePath parses a PATCH path (RFC 7644 §3.5.2). Errors are
// *schema.Error with scimType invalidPath.
func ParsePath(s string) (Path, error) {
	return Path{}, schema.ErrInvalidPath.WithDetail("not implemented yet")
}

// Bind resolves every attribute path in e against rt (RFC 7644 §3.4.2.2).
func Bind(rt *schema.ResourceType, e Expr) (Expr, error) {
	return nil, schema.ErrInvalidFilter.WithDetail("not implemented yet")
}

// BindValue binds e as the value filter of the multi-valued attribute ref.
func BindValue(rt *schema.ResourceType, ref schema.AttrRef, e Expr) (Expr, error) {
	return nil, schema.ErrInvalidFilter.WithDetail("not implemented yet")
}

// Match evaluates a bound expression against r (RFC 7644 §3.4.2.2).
func Match(rt *schema.ResourceType, e Expr, r *schema.Resource) bool { return false }

// MatchValue evaluates a bound value filter against one element.
func MatchValue(e Expr, elem any) bool { return false }

// Walk calls fn for e and each descendant in depth-first order until fn
// returns false.
func Walk(e Expr, fn func(Expr) bool) {}

// Equality reports whether e is a single "attr eq value" comparison.
func Equality(e Expr) (*Compare, bool) { return nil, false }

// Conjunction returns the comparisons of e when e is an "and" of comparisons only.
func Conjunction(e Expr) ([]*Compare, bool) { return nil, false }

func (c *Compare) String() string   { return "" }
func (l *Logical) String() string   { return "" }
func (n *Not) String() string       { return "" }
func (v *ValuePath) String() string { return "" }
