package filter

import (
	"strconv"
	"strings"
	"unicode/utf8"

	fp "github.com/scim2/filter-parser/v2"
	"github.com/scimkit/scimkit/schema"
)

// Parse parses a SCIM filter (RFC 7644 §3.4.2.2) with the default limits.
// Errors are *schema.Error with scimType invalidFilter (status 400) whose
// detail names the position and what was expected.
func Parse(s string) (Expr, error) { return Limits{}.Parse(s) }

// Parse parses a SCIM filter (RFC 7644 §3.4.2.2) within l.
//
// Beyond the RFC grammar it accepts, to tolerate real clients: any
// amount of white space (spaces, tabs, newlines) between tokens and none
// around parentheses, brackets and quoted strings; a full filter, with
// parentheses and not, inside a value path's brackets; the form
// attr[filter].sub op value, which Microsoft Entra ID sends (it becomes
// attr[(filter) and sub op value]); and an unquoted comparison value that
// is not a number, true, false or null, which is taken as a string
// ("externalId eq jyoung", from Microsoft's samples). It rejects numbers
// that do not fit an int64 (integers) or float64.
func (l Limits) Parse(s string) (Expr, error) {
	l = l.resolved()
	if len(s) > l.MaxLength {
		return nil, schema.ErrInvalidFilter.WithDetail("the filter is %d bytes long; the limit is %d bytes", len(s), l.MaxLength)
	}
	if c, ok := parseSimple(s); ok {
		return c, nil
	}
	return newParser(s, l).group(tokEOF, token{})
}

func (l Limits) resolved() Limits {
	if l.MaxLength <= 0 {
		l.MaxLength = DefaultMaxLength
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxTerms <= 0 {
		l.MaxTerms = DefaultMaxTerms
	}
	return l
}

// parseSimple is the fast path for the single comparisons IdPs send on
// every sync ("userName eq \"x\"", "externalId pr"). It builds the node
// directly, without filter-parser; ok is false for anything else, which
// the general path then parses (and explains, if it is invalid).
func parseSimple(s string) (*Compare, bool) {
	lx := lexer{src: s}
	t := lx.next()
	if t.kind != tokWord {
		return nil, false
	}
	path, msg := parseAttrPath(t.text)
	if msg != "" {
		return nil, false
	}
	o := lx.next()
	op, ok := parseOp(o)
	if !ok {
		return nil, false
	}
	var v any
	if op != Pr {
		var err error
		if v, err = literal(s, lx.next()); err != nil {
			return nil, false
		}
	}
	if lx.next().kind != tokEOF || lx.err != nil {
		return nil, false
	}
	return &Compare{Path: path, Op: op, Value: v}, true
}

// parseOp recognises a comparison operator of RFC 7644 §3.4.2.2 Table 3,
// case-insensitively, without allocating.
func parseOp(t token) (Operator, bool) {
	if t.kind != tokWord || len(t.text) != 2 {
		return "", false
	}
	for _, op := range [...]Operator{Eq, Ne, Co, Sw, Ew, Gt, Lt, Ge, Le, Pr} {
		if strings.EqualFold(t.text, string(op)) {
			return op, true
		}
	}
	return "", false
}

const valueKinds = `a "quoted string", a number, true, false or null`

// literal converts a comparison value token: a JSON string, number, true,
// false or null; any other word is taken as an unquoted string.
func literal(src string, t token) (any, error) {
	switch t.kind {
	case tokString:
		return unquote(t.text), nil
	case tokWord:
		switch {
		case strings.EqualFold(t.text, "true"):
			return true, nil
		case strings.EqualFold(t.text, "false"):
			return false, nil
		case strings.EqualFold(t.text, "null"):
			return nil, nil
		}
		v, isNum, err := parseNumber(t.text)
		if err != nil {
			return nil, errAt(src, t.pos, "the number %s is out of range (integers must fit in 64 bits); quote it if it is a string", shortText(t.text))
		}
		if isNum {
			return v, nil
		}
		if !utf8.ValidString(t.text) {
			return nil, errAt(src, t.pos, "the value is not valid UTF-8")
		}
		for i := 0; i < len(t.text); i++ {
			if t.text[i] < 0x20 || t.text[i] == 0x7f {
				return nil, errAt(src, t.pos+i, "control character U+%04X in an unquoted value", t.text[i])
			}
		}
		return t.text, nil
	}
	return nil, errAt(src, t.pos, "expected a comparison value (%s), found %s", valueKinds, describe(t))
}

// parser is the general path. It checks the token stream against the
// filter grammar, producing errors a client can act on, and writes a
// normalised copy for filter-parser in which every comparison value is a
// placeholder string "N" indexing lits (so the library never sees escapes
// or numbers) and every value path's filter is parsed separately and
// replaced by a placeholder comparison. filter-parser then builds the
// tree (precedence of and over or, grouping), which convert maps back.
type parser struct {
	src       string
	lx        lexer
	lim       Limits
	depth     int
	terms     int
	inBracket bool
	g         *groupState
	noShort   bool // tests: always use filter-parser, never the shortcut
}

// groupState is the output of the group being parsed: the text for
// filter-parser and its placeholder table.
type groupState struct {
	buf    []byte
	lits   []any    // values, or Expr for value-path filters
	terms  []Expr   // the group's terms, when it has no parentheses or not
	ops    []string // the "and"/"or" between terms
	nested bool     // the group has parentheses or not: filter-parser builds it
}

func newParser(s string, l Limits) *parser {
	return &parser{src: s, lx: lexer{src: s}, lim: l.resolved()}
}

// group parses a filter up to and including the end token (tokEOF or
// tokRBrack, opened by open) and returns its tree.
func (p *parser) group(end tokKind, open token) (Expr, error) {
	outer := p.g
	p.g = &groupState{}
	defer func() { p.g = outer }()
	if t := p.lx.look(); t.kind == end && p.lx.err == nil {
		if end == tokEOF {
			return nil, schema.ErrInvalidFilter.WithDetail("the filter is empty")
		}
		return nil, errAt(p.src, t.pos, "empty value filter: expected a filter before ']'")
	}
	if err := p.expr(end, open); err != nil {
		return nil, err
	}
	if !p.g.nested && !p.noShort {
		return flat(p.g.terms, p.g.ops), nil
	}
	return p.library()
}

// expr parses term { ("and" | "or") term } end; open is the token that
// opened the group, for error messages.
func (p *parser) expr(end tokKind, open token) error {
	for {
		last, err := p.term()
		if err != nil {
			return err
		}
		t := p.lx.next()
		if p.lx.err != nil {
			return p.lx.err
		}
		switch {
		case t.kind == end:
			return nil
		case t.kind == tokWord && (strings.EqualFold(t.text, "and") || strings.EqualFold(t.text, "or")):
			op := strings.ToLower(t.text)
			p.emit(" ", op, " ")
			p.g.ops = append(p.g.ops, op)
		default:
			return p.unexpected(t, end, open, last)
		}
	}
}

// unexpected explains a token found where "and", "or" or the end of the
// current group was expected.
func (p *parser) unexpected(t token, end tokKind, open, last token) error {
	closing := map[tokKind]string{tokEOF: "the end of the filter", tokRParen: `")"`, tokRBrack: `"]"`}[end]
	switch {
	case t.kind == tokEOF:
		return errAt(p.src, t.pos, "missing %s to close the %q at position %d", closing, open.text, runePos(p.src, open.pos))
	case t.kind == tokRParen && end != tokRParen:
		return errAt(p.src, t.pos, `")" without a matching "("`)
	case t.kind == tokRBrack && end != tokRBrack:
		return errAt(p.src, t.pos, `"]" without a matching "["`)
	}
	hint := ""
	if last.kind == tokWord && t.kind == tokWord {
		hint = " (string values must be in double quotes)"
	}
	return errAt(p.src, t.pos, `expected "and", "or" or %s, found %s%s`, closing, describe(t), hint)
}

// term parses one of: "(" filter ")", "not" "(" filter ")",
// attrPath "[" filter "]" [".sub" op value], attrPath op value,
// attrPath "pr". It returns the term's last token.
func (p *parser) term() (token, error) {
	t := p.lx.next()
	if p.lx.err != nil {
		return t, p.lx.err
	}
	switch {
	case t.kind == tokLParen:
		return p.nested(t, "(")
	case t.kind == tokWord && strings.EqualFold(t.text, "not"):
		if n := p.lx.look(); n.kind == tokLParen {
			p.lx.next()
			return p.nested(t, "not (")
		}
		if p.lx.err != nil {
			return t, p.lx.err
		}
		return p.attrTerm(t)
	case t.kind == tokWord:
		return p.attrTerm(t)
	}
	return t, errAt(p.src, t.pos, `expected an attribute path, "not" or "(", found %s`, describe(t))
}

// nested parses a parenthesised filter after its "(" (or "not (").
func (p *parser) nested(t token, open string) (token, error) {
	if err := p.enter(t); err != nil {
		return t, err
	}
	p.g.nested = true
	p.emit(open, " ")
	if err := p.expr(tokRParen, t); err != nil {
		return t, err
	}
	p.emit(" )")
	p.depth--
	return token{kind: tokRParen}, nil
}

func (p *parser) enter(t token) error {
	if p.depth++; p.depth > p.lim.MaxDepth {
		return errAt(p.src, t.pos, "the filter nests parentheses, not and value filters more than %d levels deep", p.lim.MaxDepth)
	}
	return nil
}

// attrTerm parses a term that starts with the attribute path t.
func (p *parser) attrTerm(t token) (token, error) {
	path, msg := parseAttrPath(t.text)
	if msg != "" {
		return t, errAt(p.src, t.pos, "%s", msg)
	}
	if b := p.lx.look(); b.kind == tokLBrack {
		p.lx.next()
		return p.valuePath(t, b, path)
	}
	if p.lx.err != nil {
		return t, p.lx.err
	}
	c, last, err := p.comparison(t, path)
	if err != nil {
		return t, err
	}
	p.emit(t.text, " ", string(c.Op))
	if c.Op != Pr {
		p.emit(" ", p.lit(c.Value))
	}
	p.g.terms = append(p.g.terms, c)
	return last, nil
}

// comparison parses "op value" or "pr" after the attribute path t.
func (p *parser) comparison(t token, path AttrPath) (*Compare, token, error) {
	o := p.lx.next()
	if p.lx.err != nil {
		return nil, o, p.lx.err
	}
	op, ok := parseOp(o)
	if !ok && strings.EqualFold(t.text, "not") {
		return nil, o, errAt(p.src, o.pos, `expected "(" after "not", found %s`, describe(o))
	}
	if !ok {
		what := "found " + describe(o)
		if o.kind == tokWord {
			what = "found the unknown operator " + describe(o)
		}
		return nil, o, errAt(p.src, o.pos, "expected an operator (eq, ne, co, sw, ew, gt, lt, ge, le or pr) after %q, %s", shortText(t.text), what)
	}
	if p.terms++; p.terms > p.lim.MaxTerms {
		return nil, o, errAt(p.src, t.pos, "the filter has more than %d comparisons", p.lim.MaxTerms)
	}
	if op == Pr {
		return &Compare{Path: path, Op: op}, o, nil
	}
	vt := p.lx.next()
	if p.lx.err != nil {
		return nil, vt, p.lx.err
	}
	v, err := literal(p.src, vt)
	if err != nil {
		return nil, vt, err
	}
	return &Compare{Path: path, Op: op, Value: v}, vt, nil
}

// valuePath parses "[" filter "]" [".sub" op value] after attribute path t.
func (p *parser) valuePath(t, b token, path AttrPath) (token, error) {
	if p.inBracket {
		return b, errAt(p.src, b.pos, "value filters cannot be nested")
	}
	if path.Sub != "" {
		return b, errAt(p.src, t.pos, "a value filter applies to an attribute, not to the sub-attribute %q", shortText(t.text))
	}
	if err := p.enter(b); err != nil {
		return b, err
	}
	p.inBracket = true
	inner, err := p.group(tokRBrack, b)
	p.inBracket = false
	p.depth--
	if err != nil {
		return b, err
	}
	last := token{kind: tokRBrack}
	if d := p.lx.look(); d.kind == tokWord && d.text[0] == '.' {
		p.lx.next()
		if !validName(d.text[1:]) {
			return d, errAt(p.src, d.pos, "%q is not a valid sub-attribute name", shortText(d.text[1:]))
		}
		c, l, err := p.comparison(d, AttrPath{Name: d.text[1:]})
		if err != nil {
			return l, err
		}
		inner, last = &Logical{Op: "and", Left: inner, Right: c}, l
	}
	p.g.terms = append(p.g.terms, &ValuePath{Path: path, Filter: inner})
	p.emit(t.text, "[x eq ", p.lit(inner), "]")
	return last, nil
}

func (p *parser) emit(s ...string) {
	for _, x := range s {
		p.g.buf = append(p.g.buf, x...)
	}
}

// lit stores v in the placeholder table and returns its placeholder.
func (p *parser) lit(v any) string {
	p.g.lits = append(p.g.lits, v)
	return `"` + strconv.Itoa(len(p.g.lits)-1) + `"`
}

// flat builds the tree of a group without parentheses or not exactly as
// filter-parser does: "and" binds tighter than "or", and both associate
// to the left. Long runs of and/or are what make filter-parser slow, and
// these are the filters IdPs send ("id eq x and members[value eq y]").
func flat(terms []Expr, ops []string) Expr {
	var or Expr
	and := terms[0]
	for i, op := range ops {
		if op == "and" {
			and = &Logical{Op: "and", Left: and, Right: terms[i+1]}
			continue
		}
		if or == nil {
			or = and
		} else {
			or = &Logical{Op: "or", Left: or, Right: and}
		}
		and = terms[i+1]
	}
	if or == nil {
		return and
	}
	return &Logical{Op: "or", Left: or, Right: and}
}

// library parses the current group's normalised text with filter-parser
// and converts its tree.
func (p *parser) library() (Expr, error) {
	e, err := fp.ParseFilter(p.g.buf)
	if err != nil {
		// The pre-pass accepted what filter-parser rejects: a bug here,
		// reported as a plain invalidFilter rather than a 500.
		return nil, schema.ErrInvalidFilter.WithDetail("the filter could not be parsed").WithCause(err)
	}
	return p.convert(e)
}
