package filter

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// tokKind is the kind of a lexical token of the pre-pass lexer.
type tokKind uint8

const (
	tokEOF    tokKind = iota
	tokWord           // attribute path, operator, keyword or unquoted value
	tokString         // a JSON string literal, text includes the quotes
	tokLParen         // (
	tokRParen         // )
	tokLBrack         // [
	tokRBrack         // ]
)

// token is one lexical token: its kind, its text in the input and its
// byte offset.
type token struct {
	kind tokKind
	text string
	pos  int
}

// lexer splits filter text into tokens. Words are maximal runs of bytes
// other than white space, parentheses, brackets and double quotes, so
// "userName eq\"x\"" lexes like "userName eq \"x\"".
type lexer struct {
	src  string
	off  int
	peek token
	has  bool // peek is valid
	err  error
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isDelim(c byte) bool {
	return isSpace(c) || c == '(' || c == ')' || c == '[' || c == ']' || c == '"'
}

// next returns the next token; after an error it returns tokEOF and l.err
// is set.
func (l *lexer) next() token {
	if l.has {
		l.has = false
		return l.peek
	}
	return l.scan()
}

// look returns the next token without consuming it.
func (l *lexer) look() token {
	if !l.has {
		l.peek, l.has = l.scan(), true
	}
	return l.peek
}

func (l *lexer) scan() token {
	for l.off < len(l.src) && isSpace(l.src[l.off]) {
		l.off++
	}
	start := l.off
	if l.err != nil || start >= len(l.src) {
		return token{kind: tokEOF, pos: len(l.src)}
	}
	switch c := l.src[start]; c {
	case '(', ')', '[', ']':
		l.off++
		k := tokLParen
		switch c {
		case ')':
			k = tokRParen
		case '[':
			k = tokLBrack
		case ']':
			k = tokRBrack
		}
		return token{kind: k, text: l.src[start:l.off], pos: start}
	case '"':
		end, err := scanString(l.src, start)
		if err != nil {
			l.err = err
			return token{kind: tokEOF, pos: start}
		}
		l.off = end
		return token{kind: tokString, text: l.src[start:end], pos: start}
	}
	for l.off < len(l.src) && !isDelim(l.src[l.off]) {
		l.off++
	}
	return token{kind: tokWord, text: l.src[start:l.off], pos: start}
}

// scanString finds the end of the JSON string literal starting at
// src[start] == '"' and checks it (RFC 8259 §7): escapes are valid, there
// are no raw control characters and the text is valid UTF-8.
func scanString(src string, start int) (int, error) {
	i := start + 1
	for i < len(src) {
		c := src[i]
		switch {
		case c == '"':
			return i + 1, nil
		case c == '\\':
			if i+1 >= len(src) {
				return 0, errAt(src, i, "unfinished escape sequence in string")
			}
			switch src[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(src) || !isHex4(src[i+2:i+6]) {
					return 0, errAt(src, i, `invalid escape: \u must be followed by 4 hexadecimal digits`)
				}
				i += 6
			default:
				return 0, errAt(src, i, "invalid escape \\%s in string; the valid escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX", quoteRune(src[i+1:]))
			}
		case c < 0x20:
			return 0, errAt(src, i, "control character U+%04X in string must be escaped", c)
		case c < utf8.RuneSelf:
			i++
		default:
			r, n := utf8.DecodeRuneInString(src[i:])
			if r == utf8.RuneError && n == 1 {
				return 0, errAt(src, i, "string is not valid UTF-8")
			}
			i += n
		}
	}
	return 0, errAt(src, start, `string has no closing '"'`)
}

func quoteRune(s string) string {
	r, _ := utf8.DecodeRuneInString(s)
	return string(r)
}

func isHex4(s string) bool {
	for i := 0; i < 4; i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// unquote decodes a string literal already checked by scanString. Without
// escapes it returns a substring of lit and does not allocate. A lone
// UTF-16 surrogate decodes to U+FFFD, as in encoding/json.
func unquote(lit string) string {
	s := lit[1 : len(lit)-1]
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			b = append(b, c)
			i++
			continue
		}
		e := s[i+1]
		i += 2
		switch e {
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r := hex4(s[i:])
			i += 4
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
					r2 = hex4(s[i+2:])
				}
				if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
					r = d
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			b = utf8.AppendRune(b, r)
		default: // " \ /
			b = append(b, e)
		}
	}
	return string(b)
}

func hex4(s string) rune {
	n, _ := strconv.ParseUint(s[:4], 16, 32)
	return rune(n)
}

// parseNumber parses w as a JSON number (RFC 8259 §6). ok is false when w
// does not have number syntax; err is set when it has, but does not fit
// an int64 (integers) or a float64 (numbers with a fraction or exponent).
func parseNumber(w string) (v any, ok bool, err error) {
	i := 0
	if i < len(w) && w[i] == '-' {
		i++
	}
	digits := func() int {
		j := i
		for i < len(w) && '0' <= w[i] && w[i] <= '9' {
			i++
		}
		return i - j
	}
	if i < len(w) && w[i] == '0' {
		i++
	} else if digits() == 0 {
		return nil, false, nil
	}
	isInt := true
	if i < len(w) && w[i] == '.' {
		i++
		isInt = false
		if digits() == 0 {
			return nil, false, nil
		}
	}
	if i < len(w) && (w[i] == 'e' || w[i] == 'E') {
		i++
		isInt = false
		if i < len(w) && (w[i] == '+' || w[i] == '-') {
			i++
		}
		if digits() == 0 {
			return nil, false, nil
		}
	}
	if i != len(w) {
		return nil, false, nil
	}
	if isInt {
		n, err := strconv.ParseInt(w, 10, 64)
		if err != nil {
			return nil, true, err
		}
		return n, true, nil
	}
	f, err := strconv.ParseFloat(w, 64)
	if err != nil {
		return nil, true, err
	}
	return f, true, nil
}
