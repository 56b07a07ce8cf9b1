package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// DecodeJSON parses data, one JSON value with nothing but whitespace after
// it, into the values encoding/json's Decoder with UseNumber gives an
// interface{}: map[string]any, []any, string, json.Number, bool and nil.
// It returns the same values as encoding/json, in under half the time for
// valid input (scanJSON); for invalid input it returns encoding/json's
// error.
func DecodeJSON(data []byte) (any, error) {
	if v, ok := scanJSON(data); ok {
		return v, nil
	}
	v, _, err := decodeStd(data)
	return v, err
}

// errTrailing is the error of decodeStd for data after the JSON value.
var errTrailing = errors.New("unexpected data after the JSON value")

// decodeStd is encoding/json's reading of data as one value (UseNumber)
// with nothing after it but whitespace; data after it is an error wrapping
// errTrailing. The decoder is returned for the offsets of its errors.
func decodeStd(data []byte) (any, *json.Decoder, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, dec, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, dec, fmt.Errorf("%w at offset %d", errTrailing, dec.InputOffset())
	}
	return v, dec, nil
}

// scanJSON parses a whole JSON text into the values encoding/json's
// Decoder with UseNumber gives an interface{}: map[string]any, []any,
// string, json.Number, bool and nil. It is the fast path of Decode and
// DecodeJSON, in under half encoding/json's time on request bodies (as
// profiled on creates); ok is false for
// anything it does not accept — any malformed input, or nesting beyond
// encoding/json's limit — and the caller then runs encoding/json, whose
// answer (and error message) counts. So it need not diagnose, only never
// accept what encoding/json rejects nor parse anything differently
// (FuzzScanJSON checks both).
func scanJSON(data []byte) (v any, ok bool) {
	p := jsonParser{data: data, names: jsonNames()}
	p.space()
	v, ok = p.value(0)
	if !ok {
		return nil, false
	}
	p.space()
	if p.i != len(p.data) {
		return nil, false
	}
	return v, true
}

// maxJSONDepth is encoding/json's nesting limit.
const maxJSONDepth = 10000

type jsonParser struct {
	data []byte
	i    int
	buf  []byte // scratch for strings with escapes
	// names, when set, holds strings to share rather than allocate (see
	// jsonNames), boxed.
	names map[string]any
}

func (p *jsonParser) space() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (any, bool) {
	if p.i >= len(p.data) {
		return nil, false
	}
	switch c := p.data[p.i]; {
	case c == '{':
		return p.object(depth + 1)
	case c == '[':
		return p.array(depth + 1)
	case c == '"':
		if v, ok := p.name(); ok {
			return v, true
		}
		s, ok := p.str()
		return s, ok
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	}
	return nil, false
}

func (p *jsonParser) literal(word string) bool {
	if len(p.data)-p.i < len(word) || string(p.data[p.i:p.i+len(word)]) != word {
		return false
	}
	p.i += len(word)
	return true
}

func (p *jsonParser) object(depth int) (any, bool) {
	if depth > maxJSONDepth {
		return nil, false
	}
	p.i++ // '{'
	var m map[string]any
	if depth == 1 {
		// The top-level object (a resource: a member per 50-odd bytes)
		// is made at about its size rather than grown past 8 members.
		m = make(map[string]any, min(len(p.data)/64, 64))
	} else {
		m = map[string]any{}
	}
	p.space()
	if p.i < len(p.data) && p.data[p.i] == '}' {
		p.i++
		return m, true
	}
	for {
		if p.i >= len(p.data) || p.data[p.i] != '"' {
			return nil, false
		}
		var k string
		if n, ok := p.name(); ok {
			k = n.(string)
		} else if k, ok = p.str(); !ok {
			return nil, false
		}
		p.space()
		if p.i >= len(p.data) || p.data[p.i] != ':' {
			return nil, false
		}
		p.i++
		p.space()
		v, ok := p.value(depth)
		if !ok {
			return nil, false
		}
		m[k] = v
		p.space()
		if p.i >= len(p.data) {
			return nil, false
		}
		switch p.data[p.i] {
		case ',':
			p.i++
			p.space()
		case '}':
			p.i++
			return m, true
		default:
			return nil, false
		}
	}
}

func (p *jsonParser) array(depth int) (any, bool) {
	if depth > maxJSONDepth {
		return nil, false
	}
	p.i++ // '['
	out := []any{}
	p.space()
	if p.i < len(p.data) && p.data[p.i] == ']' {
		p.i++
		return out, true
	}
	for {
		v, ok := p.value(depth)
		if !ok {
			return nil, false
		}
		out = append(out, v)
		p.space()
		if p.i >= len(p.data) {
			return nil, false
		}
		switch p.data[p.i] {
		case ',':
			p.i++
			p.space()
		case ']':
			p.i++
			return out, true
		default:
			return nil, false
		}
	}
}

// number accepts the JSON number grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *jsonParser) number() (any, bool) {
	start := p.i
	if !p.scanNumber() {
		return nil, false
	}
	return json.Number(p.data[start:p.i]), true
}

// scanNumber skips a number (see number).
func (p *jsonParser) scanNumber() bool {
	if p.data[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.data) && p.data[p.i] == '0':
		p.i++
	case p.i < len(p.data) && p.data[p.i] >= '1' && p.data[p.i] <= '9':
		p.digits()
	default:
		return false
	}
	if p.i < len(p.data) && p.data[p.i] == '.' {
		p.i++
		if !p.digits() {
			return false
		}
	}
	if p.i < len(p.data) && (p.data[p.i] == 'e' || p.data[p.i] == 'E') {
		p.i++
		if p.i < len(p.data) && (p.data[p.i] == '+' || p.data[p.i] == '-') {
			p.i++
		}
		return p.digits()
	}
	return true
}

// digits skips one or more ASCII digits.
func (p *jsonParser) digits() bool {
	start := p.i
	for p.i < len(p.data) && p.data[p.i] >= '0' && p.data[p.i] <= '9' {
		p.i++
	}
	return p.i > start
}

// name parses the string at p.data[p.i] == '"' when it is one of
// p.names, written without escapes, and returns it boxed; otherwise it
// returns ok false and leaves p.i where it was.
func (p *jsonParser) name() (any, bool) {
	if p.names == nil {
		return nil, false
	}
	start := p.i + 1
	for j := start; j < len(p.data) && j-start <= maxJSONName; j++ {
		switch c := p.data[j]; {
		case c == '"':
			v, ok := p.names[string(p.data[start:j])]
			if ok {
				p.i = j + 1
			}
			return v, ok
		case c == '\\' || c < 0x20 || c >= utf8.RuneSelf:
			return nil, false // names are plain ASCII
		}
	}
	return nil, false
}

// str parses a string at p.data[p.i] == '"', decoding escapes and
// replacing invalid UTF-8 with U+FFFD, as encoding/json does.
func (p *jsonParser) str() (string, bool) {
	p.i++ // '"'
	start := p.i
	// Fast path: no escapes, ASCII or valid UTF-8.
	for p.i < len(p.data) {
		c := p.data[p.i]
		switch {
		case c == '"':
			s := string(p.data[start:p.i])
			p.i++
			return s, true
		case c == '\\':
			return p.strSlow(start)
		case c < 0x20:
			return "", false
		case c < utf8.RuneSelf:
			p.i++
		default:
			r, size := utf8.DecodeRune(p.data[p.i:])
			if r == utf8.RuneError && size == 1 {
				return p.strSlow(start)
			}
			p.i += size
		}
	}
	return "", false
}

// strSlow decodes a string with escapes or invalid UTF-8 from start.
func (p *jsonParser) strSlow(start int) (string, bool) {
	b := append(p.buf[:0], p.data[start:p.i]...)
	for p.i < len(p.data) {
		c := p.data[p.i]
		switch {
		case c == '"':
			p.i++
			p.buf = b
			return string(b), true
		case c < 0x20:
			return "", false
		case c == '\\':
			p.i++
			if p.i >= len(p.data) {
				return "", false
			}
			e := p.data[p.i]
			p.i++
			switch e {
			case '"', '\\', '/':
				b = append(b, e)
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
				r, ok := p.hex4()
				if !ok {
					return "", false
				}
				if utf16.IsSurrogate(r) {
					// A valid pair is one rune; anything else is U+FFFD
					// and the next escape is read on its own.
					if p.i+1 < len(p.data) && p.data[p.i] == '\\' && p.data[p.i+1] == 'u' {
						save := p.i
						p.i += 2
						r2, ok := p.hex4()
						if !ok {
							return "", false
						}
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							b = utf8.AppendRune(b, d)
							continue
						}
						p.i = save
					}
					r = utf8.RuneError
				}
				b = utf8.AppendRune(b, r)
			default:
				return "", false
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			p.i++
		default:
			r, size := utf8.DecodeRune(p.data[p.i:])
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, utf8.RuneError)
			} else {
				b = append(b, p.data[p.i:p.i+size]...)
			}
			p.i += size
		}
	}
	return "", false
}

// hex4 reads the four hex digits of a \u escape.
func (p *jsonParser) hex4() (rune, bool) {
	if len(p.data)-p.i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range p.data[p.i : p.i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	p.i += 4
	return r, true
}

// AppendDefaultMembers appends to dst the members of obj, a JSON object of
// a resource's attributes as a store keeps them (attribute names and
// extension URNs as keys, as AppendJSON writes Attrs), comma-separated and
// without the braces, when the default projection (Project with neither
// attributes nor excluded) would return every one of them unchanged: a
// store that keeps resources as JSON can then write them out without
// decoding them (see store.EncodedLister). Top-level members for which omit
// (if not nil) reports true are left out, such as bookkeeping the store
// keeps in the same document; omit sees each top-level key with its value's
// raw JSON (to read that bookkeeping without decoding the document). ok is false, and dst is returned unchanged,
// when the projection would drop or trim a member, when an extension
// container is empty or not an object, or when obj is not a well-formed
// object; decode and project as usual then.
func (rt *ResourceType) AppendDefaultMembers(dst, obj []byte, omit func(key string, value []byte) bool) (_ []byte, ok bool) {
	p := jsonParser{data: obj}
	p.space()
	if p.i >= len(p.data) || p.data[p.i] != '{' {
		return dst, false
	}
	out, ok := p.keptMembers(rt, rt.Schema, 0, dst, omit)
	if !ok {
		return dst, false
	}
	p.space()
	if p.i != len(p.data) {
		return dst, false
	}
	return out, true
}

// keptMembers skips the object at p.i ('{'), reporting whether the default
// projection keeps each of its members as it is, deciding them with
// schema s (extension containers with their own schema). At the top level
// (depth 0) it appends each member not omitted to dst, with commas.
func (p *jsonParser) keptMembers(rt *ResourceType, s *Schema, depth int, dst []byte, omit func(string, []byte) bool) ([]byte, bool) {
	p.i++ // '{'
	p.space()
	if p.i < len(p.data) && p.data[p.i] == '}' {
		p.i++
		return dst, depth == 0 // an empty extension container is dropped
	}
	n0 := len(dst)
	for {
		m0 := p.i // the member's key
		if p.i >= len(p.data) || p.data[p.i] != '"' {
			return dst, false
		}
		k, ok := p.str()
		if !ok {
			return dst, false
		}
		p.space()
		if p.i >= len(p.data) || p.data[p.i] != ':' {
			return dst, false
		}
		p.i++
		p.space()
		// A member's value is nested two deeper than the object holding it
		// is counted here (depth 0 is the top-level object, at level 1).
		if depth == 0 && omit != nil {
			v0 := p.i
			if !p.skip(2) {
				return dst, false
			}
			if omit(k, p.data[v0:p.i]) {
				m0 = -1
			}
			p.i = v0
		}
		switch t, es := rt.DefaultTreatment(s, k); {
		case m0 < 0:
			if !p.skip(2) {
				return dst, false
			}
		case t == Kept:
			if !p.skip(depth + 2) {
				return dst, false
			}
		case t == ExtensionContainer && depth == 0:
			if p.i >= len(p.data) || p.data[p.i] != '{' {
				return dst, false
			}
			if _, ok := p.keptMembers(rt, es, depth+1, nil, nil); !ok {
				return dst, false
			}
		default:
			return dst, false
		}
		if depth == 0 && m0 >= 0 {
			if len(dst) > n0 {
				dst = append(dst, ',')
			}
			dst = append(dst, p.data[m0:p.i]...)
		}
		p.space()
		if p.i >= len(p.data) {
			return dst, false
		}
		switch p.data[p.i] {
		case ',':
			p.i++
			p.space()
		case '}':
			p.i++
			return dst, true
		default:
			return dst, false
		}
	}
}

// skip skips one well-formed value without building it.
func (p *jsonParser) skip(depth int) bool {
	if p.i >= len(p.data) || depth > maxJSONDepth {
		return false
	}
	switch c := p.data[p.i]; {
	case c == '{', c == '[':
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		p.i++
		p.space()
		if p.i < len(p.data) && p.data[p.i] == closer {
			p.i++
			return true
		}
		for {
			if c == '{' {
				if p.i >= len(p.data) || p.data[p.i] != '"' || !p.skipString() {
					return false
				}
				p.space()
				if p.i >= len(p.data) || p.data[p.i] != ':' {
					return false
				}
				p.i++
				p.space()
			}
			if !p.skip(depth + 1) {
				return false
			}
			p.space()
			if p.i >= len(p.data) {
				return false
			}
			switch p.data[p.i] {
			case ',':
				p.i++
				p.space()
			case closer:
				p.i++
				return true
			default:
				return false
			}
		}
	case c == '"':
		return p.skipString()
	case c == '-' || c >= '0' && c <= '9':
		return p.scanNumber()
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	}
	return false
}

// skipString skips a string, checking its escapes and control characters
// as str does, without decoding it.
func (p *jsonParser) skipString() bool {
	p.i++ // '"'
	for p.i < len(p.data) {
		switch c := p.data[p.i]; {
		case c == '"':
			p.i++
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if p.i+1 >= len(p.data) {
				return false
			}
			switch p.data[p.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.i += 2
			case 'u':
				p.i += 2
				if _, ok := p.hex4(); !ok {
					return false
				}
			default:
				return false
			}
		default:
			p.i++
		}
	}
	return false
}
