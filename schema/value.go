package schema

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// DecodeValue converts one client value for attribute a (RFC 7643 §2.3):
// canonical sub-attribute names, typed values (see Resource), and for a
// multi-valued a a single value wrapped into []any. A nil result means the
// value is unassigned (null, empty array, or a complex value with nothing
// in it). path names the attribute in errors, e.g. "emails[1].value".
//
// Values nested deeper than the schema allows (an object or array where a
// simple value is expected) are invalidValue, so the work done is bounded
// by the schema, not by the input.
func DecodeValue(a *Attribute, v any, path string, opts DecodeOptions) (any, error) {
	if v == nil {
		return nil, nil
	}
	if !a.MultiValued {
		if list, ok := v.([]any); ok {
			if !opts.CoerceStrings || len(list) > 1 {
				return nil, ErrInvalidValue.WithDetail("attribute %q is single-valued but got an array", path)
			}
			if len(list) == 0 {
				return nil, nil
			}
			v = list[0]
		}
		return decodeSingle(a, v, path, opts)
	}
	list, ok := v.([]any)
	if !ok {
		x, err := decodeSingle(a, v, path, opts)
		if err != nil || x == nil {
			return nil, err
		}
		return []any{x}, nil
	}
	out := make([]any, 0, len(list))
	for i, e := range list {
		x, err := decodeSingle(a, e, fmt.Sprintf("%s[%d]", path, i), opts)
		if err != nil {
			return nil, err
		}
		if x != nil {
			out = append(out, x)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// decodeSingle converts one (non-array) value of a.
func decodeSingle(a *Attribute, v any, path string, opts DecodeOptions) (any, error) {
	if v == nil {
		return nil, nil
	}
	if a.Type == Complex {
		return decodeComplex(a, v, path, opts)
	}
	if _, ok := v.([]any); ok {
		return nil, ErrInvalidValue.WithDetail("attribute %q: expected a single %s value, got an array", path, a.Type)
	}
	return decodeScalar(a, v, path, opts)
}

func decodeComplex(a *Attribute, v any, path string, opts DecodeOptions) (any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		vs := a.Sub("value")
		if !opts.CoerceStrings || vs == nil || isContainer(v) {
			return nil, ErrInvalidValue.WithDetail("attribute %q is complex: expected a JSON object, got %s", path, jsonKind(v))
		}
		m = map[string]any{vs.Name: v} // Entra: "manager": "<id>"
	}
	out := make(map[string]any, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		sub := a.Sub(k)
		if sub == nil {
			if opts.Unknown == RejectUnknown {
				return nil, ErrInvalidSyntax.WithDetail("attribute %q has no sub-attribute %q", path, k)
			}
			continue
		}
		if sub.Type == Complex { // NewSchema forbids it; never recurse further
			return nil, ErrInvalidValue.WithDetail("attribute %q: sub-attribute %q cannot be complex", path, sub.Name)
		}
		x, err := DecodeValue(sub, m[k], path+"."+sub.Name, opts)
		if err != nil {
			return nil, err
		}
		if x == nil {
			continue
		}
		if err := merge(out, sub.Name, x, path+"."+sub.Name); err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func isContainer(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

// decodeScalar converts a simple (non-complex, non-array) value.
func decodeScalar(a *Attribute, v any, path string, opts DecodeOptions) (any, error) {
	if _, ok := v.(map[string]any); ok {
		return nil, ErrInvalidValue.WithDetail("attribute %q: expected a %s value, got an object", path, a.Type)
	}
	switch a.Type {
	case Boolean:
		return decodeBool(v, path, opts)
	case Integer:
		return decodeInteger(v, path, opts)
	case Decimal:
		return decodeDecimal(v, path, opts)
	}
	s, ok := v.(string)
	if !ok {
		if !opts.CoerceStrings || (a.Type != String && a.Type != Reference) {
			return nil, ErrInvalidValue.WithDetail("attribute %q: expected a %s (a JSON string), got %s", path, a.Type, jsonKind(v))
		}
		s = scalarText(v)
	}
	switch a.Type {
	case DateTime:
		if _, err := ParseDateTime(s); err != nil {
			return nil, ErrInvalidValue.WithDetail("attribute %q: %q is not an xsd:dateTime such as 2008-01-23T04:56:22Z (RFC 7643 §2.3.5)", path, s)
		}
	case Binary:
		if _, err := base64.StdEncoding.DecodeString(s); err != nil {
			if _, err := base64.RawStdEncoding.DecodeString(s); err != nil {
				return nil, ErrInvalidValue.WithDetail("attribute %q: value is not base64 (RFC 7643 §2.3.6)", path)
			}
		}
	case String:
		return canonicalSpelling(a, s, path, opts)
	}
	return s, nil
}

// canonicalSpelling applies a's canonicalValues to s per opts.Canonical.
func canonicalSpelling(a *Attribute, s, path string, opts DecodeOptions) (any, error) {
	if len(a.CanonicalValues) == 0 {
		return s, nil
	}
	for _, c := range a.CanonicalValues {
		if strings.EqualFold(c, s) {
			return c, nil
		}
	}
	if opts.Canonical == CanonicalStrict {
		return nil, ErrInvalidValue.WithDetail("attribute %q: %q is not one of the canonical values %q", path, s, a.CanonicalValues)
	}
	return s, nil
}

func scalarText(v any) string {
	switch v := v.(type) {
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case int64:
		return strconv.FormatInt(v, 10)
	case int:
		return strconv.Itoa(v)
	}
	return fmt.Sprint(v)
}

func decodeBool(v any, path string, opts DecodeOptions) (any, error) {
	switch v := v.(type) {
	case bool:
		return v, nil
	case string:
		if opts.CoerceStrings {
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "true":
				return true, nil
			case "false":
				return false, nil
			}
		}
	}
	return nil, ErrInvalidValue.WithDetail("attribute %q: expected a boolean (true or false), got %s", path, jsonKind(v))
}

func decodeDecimal(v any, path string, opts DecodeOptions) (any, error) {
	var text string
	switch v := v.(type) {
	case float64:
		if !math.IsInf(v, 0) && !math.IsNaN(v) {
			return v, nil
		}
	case int64:
		return float64(v), nil
	case int:
		return float64(v), nil
	case json.Number:
		text = string(v)
	case string:
		if opts.CoerceStrings && isJSONNumber(strings.TrimSpace(v)) {
			text = strings.TrimSpace(v)
		}
	}
	if text != "" {
		f, err := strconv.ParseFloat(text, 64)
		if err == nil {
			return f, nil
		}
		return nil, ErrInvalidValue.WithDetail("attribute %q: decimal %s is out of range", path, text)
	}
	return nil, ErrInvalidValue.WithDetail("attribute %q: expected a decimal number, got %s", path, jsonKind(v))
}

func decodeInteger(v any, path string, opts DecodeOptions) (any, error) {
	var text string
	switch v := v.(type) {
	case int64:
		return v, nil
	case int:
		return int64(v), nil
	case float64:
		if v == math.Trunc(v) && v >= -(1<<63) && v < 1<<63 {
			return int64(v), nil
		}
		return nil, ErrInvalidValue.WithDetail("attribute %q: %v is not a whole number within 64 bits", path, v)
	case json.Number:
		text = string(v)
	case string:
		if opts.CoerceStrings && isJSONNumber(strings.TrimSpace(v)) {
			text = strings.TrimSpace(v)
		}
	}
	if text == "" {
		return nil, ErrInvalidValue.WithDetail("attribute %q: expected an integer, got %s", path, jsonKind(v))
	}
	n, ok := parseInteger(text)
	if !ok {
		return nil, ErrInvalidValue.WithDetail("attribute %q: %s is not a whole number within 64 bits (RFC 7643 §2.3.4)", path, text)
	}
	return n, nil
}

// parseInteger parses a JSON number that must be integral and fit an
// int64, exactly: "1.0" is 1 and "1.50e1" is 15; "15e-1" and "1e400" fail.
// It never builds numbers larger than 20 digits, whatever the exponent.
func parseInteger(s string) (int64, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	if !isJSONNumber(s) {
		return 0, false
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil { // exponent beyond int: value is 0, huge or not integral
			return 0, false
		}
		mant, exp = s[:i], e
	}
	ip, fp, _ := strings.Cut(mant, ".")
	digits := strings.TrimLeft(ip+fp, "0")
	exp -= len(fp)
	for strings.HasSuffix(digits, "0") {
		digits, exp = digits[:len(digits)-1], exp+1
	}
	if digits == "" {
		return 0, true
	}
	if exp < 0 || len(digits)+exp > 19 {
		return 0, false
	}
	digits += strings.Repeat("0", exp)
	if neg {
		digits = "-" + digits
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	return n, err == nil
}

// isJSONNumber reports whether s matches the JSON number grammar (RFC 8259 §6).
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i, n = i+1, n+1
		}
		return n
	}
	start := i
	if n := digits(); n == 0 || (n > 1 && s[start] == '0') {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// jsonKind describes v's JSON type for error messages.
func jsonKind(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		if len(v) > 40 {
			v = v[:40] + "…"
		}
		return fmt.Sprintf("the string %q", v)
	case bool:
		return fmt.Sprintf("the boolean %v", v)
	case json.Number, float64, int, int64:
		return fmt.Sprintf("the number %v", v)
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("a %T", v)
}
