package filter

import (
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// String returns the comparison in canonical form, e.g.
// `userName eq "bjensen"`; Parse turns it back into an equal node.
func (c *Compare) String() string { return string(appendExpr(nil, c)) }

// String returns canonical filter text: lower-case keywords, single
// spaces, parentheses only where precedence requires them, values in JSON
// form. Parse turns it back into an equal tree; note that it may be longer
// than the text originally parsed (an unquoted value gains quotes).
func (l *Logical) String() string { return string(appendExpr(nil, l)) }

// String returns "not (X)".
func (n *Not) String() string { return string(appendExpr(nil, n)) }

// String returns "attr[filter]".
func (v *ValuePath) String() string { return string(appendExpr(nil, v)) }

// String returns the PATCH path in canonical form.
func (p Path) String() string {
	b := []byte(p.Attr.String())
	if p.Filter != nil {
		b = append(b, '[')
		b = appendExpr(b, p.Filter)
		b = append(b, ']')
	}
	if p.Sub != "" {
		b = append(b, '.')
		b = append(b, p.Sub...)
	}
	return string(b)
}

func appendExpr(b []byte, e Expr) []byte {
	switch e := e.(type) {
	case *Compare:
		b = append(b, e.Path.String()...)
		b = append(b, ' ')
		b = append(b, e.Op...)
		if e.Op != Pr {
			b = append(b, ' ')
			b = appendValue(b, e.Value)
		}
	case *Logical:
		l, lok := e.Left.(*Logical)
		b = appendGroup(b, e.Left, lok && e.Op == "and" && l.Op == "or")
		b = append(b, ' ')
		b = append(b, e.Op...)
		b = append(b, ' ')
		r, rok := e.Right.(*Logical)
		b = appendGroup(b, e.Right, rok && (e.Op == "and" || r.Op == "or"))
	case *Not:
		b = append(b, "not ("...)
		b = appendExpr(b, e.X)
		b = append(b, ')')
	case *ValuePath:
		b = append(b, e.Path.String()...)
		b = append(b, '[')
		b = appendExpr(b, e.Filter)
		b = append(b, ']')
	case nil:
		b = append(b, "<nil>"...)
	}
	return b
}

func appendGroup(b []byte, e Expr, paren bool) []byte {
	if !paren {
		return appendExpr(b, e)
	}
	b = append(b, '(')
	b = appendExpr(b, e)
	return append(b, ')')
}

// appendValue writes a comparison value as JSON. Floats always carry a
// '.' or an exponent so that they parse back as floats.
func appendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, v)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return append(b, "null"...)
		}
		n := len(b)
		b = strconv.AppendFloat(b, v, 'g', -1, 64)
		for _, c := range b[n:] {
			if c == '.' || c == 'e' {
				return b
			}
		}
		return append(b, ".0"...)
	case string:
		return appendQuoted(b, v)
	}
	return appendQuoted(b, fmt.Sprint(v))
}

// appendQuoted writes s as a JSON string (RFC 8259 §7); invalid UTF-8 is
// written as U+FFFD.
func appendQuoted(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		b = utf8.AppendRune(b, r)
		i += n
	}
	return append(b, '"')
}
