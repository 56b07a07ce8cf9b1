package idptest

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Subset reports where got does not contain want, as QUIRKS.md ("How to
// read the fixtures") prescribes: objects compare member by member (null,
// "" or [] in want means unassigned in got, RFC 7643 §2.5; meta.created
// and meta.lastModified are ignored, and so are the member paths in
// ignore; a detail need only be non-empty, its text being free); every
// wanted array element must match a distinct element of got, in any
// order, and "members" and "Resources" must also have exactly the wanted
// length; scalars must be equal.
func Subset(want, got any, ignore map[string]string) []string {
	return subset("", want, got, ignore)
}

func subset(path string, want, got any, ignore map[string]string) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want an object, got %v", path, got)}
		}
		return subsetObject(path, w, g, ignore)
	case []any:
		g, ok := got.([]any)
		exact := strings.HasSuffix(path, "members") || path == "Resources"
		if !ok || len(g) < len(w) || exact && len(g) != len(w) {
			return []string{fmt.Sprintf("%s: want %d elements %v, got %v", path, len(w), w, got)}
		}
		used := make([]bool, len(g))
	next:
		for i, we := range w {
			for j, ge := range g {
				if !used[j] && len(subset("", we, ge, nil)) == 0 {
					used[j] = true
					continue next
				}
			}
			return []string{fmt.Sprintf("%s[%d]: no element matches %v in %v", path, i, we, g)}
		}
		return nil
	default:
		if !reflect.DeepEqual(want, got) {
			return []string{fmt.Sprintf("%s: want %#v, got %#v", path, want, got)}
		}
		return nil
	}
}

func subsetObject(path string, w, g map[string]any, ignore map[string]string) []string {
	var out []string
	keys := make([]string, 0, len(w))
	for k := range w {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := strings.TrimPrefix(path+"."+k, ".")
		if _, skip := ignore[p]; skip || p == "meta.created" || p == "meta.lastModified" {
			continue
		}
		gv, present := g[k]
		switch {
		case unassigned(w[k]):
			if present && !unassigned(gv) {
				out = append(out, fmt.Sprintf("%s: want unassigned, got %v", p, gv))
			}
		case k == "detail":
			if d, _ := gv.(string); d == "" {
				out = append(out, fmt.Sprintf("%s: want a non-empty detail, got %v", p, gv))
			}
		case !present:
			out = append(out, fmt.Sprintf("%s: missing (want %v)", p, w[k]))
		default:
			out = append(out, subset(p, w[k], gv, ignore)...)
		}
	}
	return out
}

// unassigned reports whether v is null, "" or [] (RFC 7643 §2.5).
func unassigned(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case []any:
		return len(v) == 0
	}
	return false
}
