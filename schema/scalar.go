package schema

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// decodeScalar converts a simple (non-complex, non-array) value.
func decodeScalar(a *Attribute, v any, path attrPath, opts DecodeOptions) (any, error) {
	if _, ok := v.(map[string]any); ok {
		return nil, ErrInvalidValue.WithDetail("attribute %q: expected a %s value, got an object", path.String(), a.Type)
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
			return nil, ErrInvalidValue.WithDetail("attribute %q: expected a %s (a JSON string), got %s", path.String(), a.Type, jsonKind(v))
		}
		s = scalarText(v)
	}
	if err := opts.tooLong(path, s); err != nil {
		return nil, err
	}
	switch a.Type {
	case DateTime:
		if _, err := ParseDateTime(s); err != nil {
			return nil, ErrInvalidValue.WithDetail("attribute %q: %q is not an xsd:dateTime such as 2008-01-23T04:56:22Z (RFC 7643 §2.3.5)", path.String(), s)
		}
	case Binary:
		if _, err := base64.StdEncoding.DecodeString(s); err != nil {
			if _, err := base64.RawStdEncoding.DecodeString(s); err != nil {
				return nil, ErrInvalidValue.WithDetail("attribute %q: value is not base64 (RFC 7643 §2.3.6)", path.String())
			}
		}
	case String:
		c, ok := canonicalValue(a, s, opts)
		if !ok {
			return nil, canonicalError(path.String(), s, a)
		}
		if c != s {
			return c, nil
		}
	}
	if _, ok := v.(string); ok {
		return v, nil // already boxed: no allocation
	}
	return s, nil
}

// canonicalValue applies a's canonicalValues to s: it returns the
// canonical spelling of s when it matches one case-insensitively, s itself
// otherwise, and false when opts.Canonical is strict and nothing matched.
func canonicalValue(a *Attribute, s string, opts DecodeOptions) (string, bool) {
	if len(a.CanonicalValues) == 0 {
		return s, true
	}
	for _, c := range a.CanonicalValues {
		if strings.EqualFold(c, s) {
			return c, true
		}
	}
	return s, opts.Canonical != CanonicalStrict
}

func canonicalError(path, s string, a *Attribute) error {
	return ErrInvalidValue.WithDetail("attribute %q: %q is not one of the canonical values %q", path, s, a.CanonicalValues)
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

func decodeBool(v any, path attrPath, opts DecodeOptions) (any, error) {
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
	return nil, ErrInvalidValue.WithDetail("attribute %q: expected a boolean (true or false), got %s", path.String(), jsonKind(v))
}

func decodeDecimal(v any, path attrPath, opts DecodeOptions) (any, error) {
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
		return nil, ErrInvalidValue.WithDetail("attribute %q: decimal %s is out of range", path.String(), text)
	}
	return nil, ErrInvalidValue.WithDetail("attribute %q: expected a decimal number, got %s", path.String(), jsonKind(v))
}

func decodeInteger(v any, path attrPath, opts DecodeOptions) (any, error) {
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
		return nil, ErrInvalidValue.WithDetail("attribute %q: %v is not a whole number within 64 bits", path.String(), v)
	case json.Number:
		text = string(v)
	case string:
		if opts.CoerceStrings && isJSONNumber(strings.TrimSpace(v)) {
			text = strings.TrimSpace(v)
		}
	}
	if text == "" {
		return nil, ErrInvalidValue.WithDetail("attribute %q: expected an integer, got %s", path.String(), jsonKind(v))
	}
	n, ok := parseInteger(text)
	if !ok {
		return nil, ErrInvalidValue.WithDetail("attribute %q: %s is not a whole number within 64 bits (RFC 7643 §2.3.4)", path.String(), text)
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
