package schema

import (
	"reflect"
	"slices"
	"strings"
)

// ChangedPaths returns the sorted canonical paths of the attributes that
// differ between before and after (compared exactly, as stored): top-level
// names, "name.givenName" for sub-attributes of single complex attributes
// (also when the whole attribute appeared or disappeared), the name alone
// for a multi-valued attribute whatever value changed, "urn:...:attr" (and
// "urn:...:manager.value") for extension attributes, and "externalId".
// meta and id are never reported. It is the one notion of "what changed":
// patch.Summary and the events stores derive (in the stores' shared write path) both use
// it.
func ChangedPaths(before, after *Resource) []string {
	var b, a map[string]any
	if before != nil {
		b = before.Attrs
	}
	if after != nil {
		a = after.Attrs
	}
	var paths []string
	if before != nil && after != nil && before.ExternalID != after.ExternalID {
		paths = append(paths, "externalId")
	}
	paths = diffMaps("", b, a, paths, 0)
	slices.Sort(paths)
	return paths
}

func diffMaps(prefix string, b, a map[string]any, paths []string, depth int) []string {
	seen := make(map[string]bool, len(b)+len(a))
	for _, m := range []map[string]any{b, a} {
		for k := range m {
			if seen[k] {
				continue
			}
			seen[k] = true
			bv, av := b[k], a[k]
			if reflect.DeepEqual(bv, av) {
				continue
			}
			bm, bok := bv.(map[string]any)
			am, aok := av.(map[string]any)
			switch {
			case strings.HasPrefix(strings.ToLower(k), "urn:") && depth == 0 && (bok || bv == nil) && (aok || av == nil):
				paths = diffMaps(k+":", bm, am, paths, 1)
			case (bok || bv == nil) && (aok || av == nil) && depth < 2:
				sep := prefix + k + "."
				for _, p := range diffMaps("", bm, am, nil, 2) {
					paths = append(paths, sep+p)
				}
			default:
				paths = append(paths, prefix+k)
			}
		}
	}
	return paths
}
