package filter

import (
	"fmt"
	"strconv"
	"strings"

	fp "github.com/scim2/filter-parser/v2"
	"github.com/scimkit/scimkit/schema"
)

// convert maps a filter-parser tree built from the normalised text back
// to our nodes, replacing placeholders by the values of p.g.lits.
func (p *parser) convert(e fp.Expression) (Expr, error) {
	switch e := e.(type) {
	case *fp.AttributeExpression:
		c := &Compare{Path: attrPathOf(e.AttributePath), Op: Operator(strings.ToLower(string(e.Operator)))}
		if c.Op == Pr {
			return c, nil
		}
		v, err := p.placeholder(e.CompareValue)
		if err != nil {
			return nil, err
		}
		c.Value = v
		return c, nil
	case *fp.LogicalExpression:
		l, err := p.convert(e.Left)
		if err != nil {
			return nil, err
		}
		r, err := p.convert(e.Right)
		if err != nil {
			return nil, err
		}
		return &Logical{Op: strings.ToLower(string(e.Operator)), Left: l, Right: r}, nil
	case *fp.NotExpression:
		x, err := p.convert(e.Expression)
		if err != nil {
			return nil, err
		}
		return &Not{X: x}, nil
	case *fp.ValuePath:
		ph, ok := e.ValueFilter.(*fp.AttributeExpression)
		if !ok {
			return nil, internalError("value filter %T", e.ValueFilter)
		}
		v, err := p.placeholder(ph.CompareValue)
		if err != nil {
			return nil, err
		}
		f, ok := v.(Expr)
		if !ok {
			return nil, internalError("value filter placeholder %T", v)
		}
		return &ValuePath{Path: attrPathOf(e.AttributePath), Filter: f}, nil
	}
	return nil, internalError("node %T", e)
}

func (p *parser) placeholder(v any) (any, error) {
	s, ok := v.(string)
	if !ok {
		return nil, internalError("comparison value %T", v)
	}
	i, err := strconv.Atoi(s)
	if err != nil || i < 0 || i >= len(p.g.lits) {
		return nil, internalError("placeholder %q", s)
	}
	return p.g.lits[i], nil
}

func attrPathOf(a fp.AttributePath) AttrPath {
	return AttrPath{URI: a.URI(), Name: a.AttributeName, Sub: a.SubAttributeName()}
}

// internalError reports a disagreement between the pre-pass and
// filter-parser; it should never happen.
func internalError(format string, args ...any) error {
	return schema.ErrInvalidFilter.WithDetail("the filter could not be parsed").WithCause(fmt.Errorf("filter: unexpected "+format, args...))
}
