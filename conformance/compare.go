package conformance

import (
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strings"
)

// subsetDiff reports where got does not contain want (see ReplayExpect).
func subsetDiff(path string, want, got any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want an object, got %s", orRoot(path), short(got))}
		}
		return objectDiff(path, w, g)
	case []any:
		return arrayDiff(path, w, got)
	default:
		if !reflect.DeepEqual(want, got) {
			return []string{fmt.Sprintf("%s: want %s, got %s", orRoot(path), short(want), short(got))}
		}
		return nil
	}
}

func objectDiff(path string, w, g map[string]any) []string {
	keys := make([]string, 0, len(w))
	for k := range w {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		p := strings.TrimPrefix(path+"."+k, ".")
		if strings.EqualFold(p, "meta.created") || strings.EqualFold(p, "meta.lastModified") {
			continue
		}
		gv, present := lookupFold(g, k)
		switch {
		case unassigned(w[k]):
			if present && !unassigned(gv) {
				out = append(out, fmt.Sprintf("%s: want unassigned, got %s", p, short(gv)))
			}
		case k == "detail":
			if d, _ := gv.(string); d == "" {
				out = append(out, fmt.Sprintf("%s: want a non-empty detail, got %s", p, short(gv)))
			}
		case !present:
			out = append(out, fmt.Sprintf("%s: missing (want %s)", p, short(w[k])))
		default:
			out = append(out, subsetDiff(p, w[k], gv)...)
		}
	}
	return out
}

func arrayDiff(path string, w []any, got any) []string {
	g, ok := got.([]any)
	exact := strings.HasSuffix(path, "members") || path == "Resources"
	if !ok || len(g) < len(w) || exact && len(g) != len(w) {
		return []string{fmt.Sprintf("%s: want %d elements %s, got %s", orRoot(path), len(w), short(w), short(got))}
	}
	used := make([]bool, len(g))
next:
	for i, we := range w {
		for j, ge := range g {
			if !used[j] && len(subsetDiff("", we, ge)) == 0 {
				used[j] = true
				continue next
			}
		}
		return []string{fmt.Sprintf("%s[%d]: no element matches %s in %s", path, i, short(we), short(g))}
	}
	return nil
}

func lookupFold(m map[string]any, k string) (any, bool) {
	if v, ok := m[k]; ok {
		return v, true
	}
	for mk, v := range m {
		if strings.EqualFold(mk, k) {
			return v, true
		}
	}
	return nil, false
}

// unassigned reports whether v means "no value" (RFC 7643 §2.5).
func unassigned(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	}
	return false
}

func orRoot(p string) string {
	if p == "" {
		return "body"
	}
	return p
}

func short(v any) string {
	s := fmt.Sprintf("%#v", v)
	if b, err := jsonString(v); err == nil {
		s = b
	}
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// escapeTarget percent-encodes the characters of a request target that
// cannot appear raw in a URL (spaces, quotes…), keeping existing escapes,
// so recordings written unencoded can be sent.
func escapeTarget(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c > ' ' && c < 0x7f && !strings.ContainsRune("\"<>\\^`{|}#", rune(c)) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// escapeAll percent-encodes every byte but the unreserved ones (RFC 3986
// §2.3), as Okta encodes filter values.
func escapeAll(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func urlUnescape(s string) (string, error) { return url.PathUnescape(s) }

func jsonString(v any) (string, error) {
	b, err := jsonMarshal(v)
	return string(b), err
}
