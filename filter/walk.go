package filter

// Walk calls fn for e and each descendant in depth-first order (a node
// before its children, Left before Right, a ValuePath before its Filter)
// until fn returns false. Store backends use it to translate a bound
// filter into their query language or to check that they support every
// node (see Example_walk); comparisons inside a ValuePath's Filter name
// sub-attributes of the ValuePath's attribute (Compare.Ref.Attr is that
// attribute, Compare.Ref.Sub the sub-attribute).
func Walk(e Expr, fn func(Expr) bool) {
	walk(e, fn)
}

func walk(e Expr, fn func(Expr) bool) bool {
	if e == nil || !fn(e) {
		return e == nil
	}
	switch e := e.(type) {
	case *Logical:
		return walk(e.Left, fn) && walk(e.Right, fn)
	case *Not:
		return walk(e.X, fn)
	case *ValuePath:
		return walk(e.Filter, fn)
	}
	return true
}

// Equality reports whether e is a single "attr eq value" comparison with
// a non-null value and returns it: the shape Okta and Entra send on every
// sync (userName eq, externalId eq, id eq, displayName eq), which a store
// can answer from an index. Remember that the comparison is
// case-insensitive (by Fold) unless the bound attribute is caseExact:
// userName and displayName are not, id and externalId are.
func Equality(e Expr) (*Compare, bool) {
	c, ok := e.(*Compare)
	if !ok || c.Op != Eq || c.Value == nil {
		return nil, false
	}
	return c, true
}

// Conjunction returns the comparisons of e, left to right, when e is a
// single comparison or an "and" of comparisons only (no or, not or value
// path); a store can then intersect per-comparison lookups.
func Conjunction(e Expr) ([]*Compare, bool) {
	var out []*Compare
	var collect func(Expr) bool
	collect = func(e Expr) bool {
		switch e := e.(type) {
		case *Compare:
			out = append(out, e)
			return true
		case *Logical:
			return e.Op == "and" && collect(e.Left) && collect(e.Right)
		}
		return false
	}
	if !collect(e) {
		return nil, false
	}
	return out, true
}
