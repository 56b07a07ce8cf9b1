package filter

import "github.com/scimkit/scimkit/schema"

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
