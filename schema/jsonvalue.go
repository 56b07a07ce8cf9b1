package schema

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// dateTimeLayout is the layout of FormatDateTime (RFC 7643 §2.3.5).
const dateTimeLayout = "2006-01-02T15:04:05.000Z07:00"

// appendDateTime appends t in UTC formatted with dateTimeLayout, as
// t.UTC().AppendFormat does but without interpreting the layout (a page of
// resources formats two per resource).
func appendDateTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(dst, dateTimeLayout)
	}
	h, mi, s := t.Clock()
	ms := t.Nanosecond() / 1e6 // truncated, as the layout's .000 does
	dst = append(dst, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-')
	dst = append(dst, byte('0'+int(mo)/10), byte('0'+int(mo)%10), '-', byte('0'+d/10), byte('0'+d%10), 'T')
	dst = append(dst, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+mi/10), byte('0'+mi%10), ':', byte('0'+s/10), byte('0'+s%10), '.')
	return append(dst, byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z')
}

// appendMembers appends the members of m, keys in byte order, to the
// object that starts at dst[start] (its '{' already written). With skipNil,
// members whose value is nil are left out (the top level of a Resource);
// otherwise they are written as null, as json.Marshal does for a map.
func appendMembers(dst []byte, start int, m map[string]any, skipNil bool) ([]byte, error) {
	var buf [32]member
	ms := buf[:0]
	for k, v := range m {
		if v != nil || !skipNil {
			ms = append(ms, member{k, v})
		}
	}
	slices.SortFunc(ms, func(a, b member) int { return strings.Compare(a.key, b.key) })
	var err error
	for _, e := range ms {
		dst = appendString(appendComma(dst, start), e.key)
		if dst, err = appendValue(append(dst, ':'), e.value); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

// member is an object member being written: sorting these rather than
// the keys alone saves looking each value up again.
type member struct {
	key   string
	value any
}

// appendValue appends v as encoding/json would. The attribute value types
// of Resource, json.Number and the other numeric kinds are written
// directly; anything else goes through json.Marshal.
func appendValue(dst []byte, v any) ([]byte, error) {
	var err error
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return appendString(dst, v), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case int64:
		return strconv.AppendInt(dst, v, 10), nil
	case float64:
		return appendFloat(dst, v, 64)
	case map[string]any:
		if v == nil {
			return append(dst, "null"...), nil
		}
		start := len(dst)
		if dst, err = appendMembers(append(dst, '{'), start, v, false); err != nil {
			return dst, err
		}
		return append(dst, '}'), nil
	case []any:
		return appendArray(dst, v)
	case json.Number:
		return appendNumber(dst, v)
	}
	return appendOther(dst, v)
}

func appendArray(dst []byte, vs []any) ([]byte, error) {
	if vs == nil {
		return append(dst, "null"...), nil
	}
	dst = append(dst, '[')
	var err error
	for i, e := range vs {
		if i > 0 {
			dst = append(dst, ',')
		}
		if dst, err = appendValue(dst, e); err != nil {
			return dst, err
		}
	}
	return append(dst, ']'), nil
}

// appendOther writes the numeric kinds outside Resource's documented
// types, and anything else through json.Marshal.
func appendOther(dst []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case int:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int16:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int8:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case uint:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case uint64:
		return strconv.AppendUint(dst, v, 10), nil
	case uint32:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case uint16:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case uint8:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case float32:
		return appendFloat(dst, float64(v), 32)
	}
	data, err := json.Marshal(v)
	return append(dst, data...), err
}

// appendFloat formats f as encoding/json does (its ES6-like rule):
// exponent form only for magnitudes below 1e-6 or from 1e21 on, compared
// at the value's own precision, with a single-digit negative exponent not
// zero-padded. NaN and infinities are the error json.Marshal gives.
func appendFloat(dst []byte, f float64, bits int) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		var err error
		if bits == 32 {
			_, err = json.Marshal(float32(f))
		} else {
			_, err = json.Marshal(f)
		}
		return dst, err
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) ||
			bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	dst = strconv.AppendFloat(dst, f, format, -1, bits)
	if n := len(dst); format == 'e' && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
		dst[n-2] = dst[n-1] // e-07 → e-7
		dst = dst[:n-1]
	}
	return dst, nil
}

// appendNumber writes a json.Number as is once it is checked to be a JSON
// number (RFC 8259 §6); the empty Number is 0, as with json.Marshal.
func appendNumber(dst []byte, n json.Number) ([]byte, error) {
	if n == "" {
		return append(dst, '0'), nil
	}
	if !validNumber(string(n)) {
		_, err := json.Marshal(n)
		return dst, err
	}
	return append(dst, n...), nil
}

// validNumber reports whether s matches the JSON number grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(s string) bool {
	s, _ = cutByte(s, '-')
	switch {
	case s == "":
		return false
	case s[0] == '0':
		s = s[1:]
	case s[0] >= '1' && s[0] <= '9':
		s = skipDigits(s)
	default:
		return false
	}
	if rest, ok := cutByte(s, '.'); ok {
		if s = skipDigits(rest); len(s) == len(rest) {
			return false
		}
	}
	if s != "" && (s[0] == 'e' || s[0] == 'E') {
		rest := s[1:]
		if rest != "" && (rest[0] == '+' || rest[0] == '-') {
			rest = rest[1:]
		}
		if s = skipDigits(rest); len(s) == len(rest) {
			return false
		}
	}
	return s == ""
}

func cutByte(s string, b byte) (string, bool) {
	if s != "" && s[0] == b {
		return s[1:], true
	}
	return s, false
}

func skipDigits(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[i:]
}

// safeASCII reports the ASCII bytes that stand for themselves in a JSON
// string written HTML-safe, as encoding/json writes it by default: all
// but the control characters, '"', '\\', '<', '>' and '&'.
var safeASCII = func() (t [utf8.RuneSelf]bool) {
	for b := ' '; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\' && b != '<' && b != '>' && b != '&'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string exactly as encoding/json
// and AppendJSON write it (HTML-safe; invalid UTF-8 as \ufffd).
func AppendJSONString(dst []byte, s string) []byte { return appendString(dst, s) }

// AppendJSONValue appends v, an attribute value of one of the types
// documented on Resource (or anything encoding/json accepts), exactly as
// AppendJSON writes it. On error (a NaN or infinite number, an invalid
// json.Number) dst may hold part of v.
func AppendJSONValue(dst []byte, v any) ([]byte, error) { return appendValue(dst, v) }

// appendString appends s as a JSON string exactly as encoding/json does:
// '"' and '\\' and the control characters \b \f \n \r \t backslash-escaped,
// other control characters and <, >, & as \u00xx, U+2028 and U+2029 as
// \u2028 and \u2029, and each byte of invalid UTF-8 as \ufffd.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		for i+8 <= len(s) && !needsEscape8(s[i:i+8]) {
			i += 8 // most strings: copied at once below
		}
		if i >= len(s) {
			break
		}
		if b := s[i]; b < utf8.RuneSelf {
			if safeASCII[b] {
				i++
				continue
			}
			dst = appendEscape(append(dst, s[start:i]...), b)
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(append(dst, s[start:i]...), `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(append(dst, s[start:i]...), `\u202`...)
			dst = append(dst, hexDigits[c&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(append(dst, s[start:]...), '"')
}

// needsEscape8 reports whether any of the 8 bytes of s is not safeASCII
// (a control character, '"', '\\', '<', '>', '&' or a byte of a
// multi-byte character), testing them at once: for each byte, the high
// bit of x-lo*n & ^x is set when the byte is below n, and that of
// (x^lo*c)-lo & ^(x^lo*c) when it equals c; lower bytes never borrow from
// higher ones without one of those being true, so the answer is exact.
func needsEscape8(s string) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	x := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	zero := func(v uint64) uint64 { return (v - lo) & ^v }
	m := x | (x-lo*0x20)&^x | zero(x^(lo*'"')) | zero(x^(lo*'\\')) | zero(x^(lo*'<')) | zero(x^(lo*'>')) | zero(x^(lo*'&'))
	return m&hi != 0
}

// appendEscape appends the escape of ASCII byte b.
func appendEscape(dst []byte, b byte) []byte {
	switch b {
	case '"', '\\':
		return append(dst, '\\', b)
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	return append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xf])
}
