package conformance

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/scimkit/scimkit/store"
)

// unredact replaces the identity values (userName, displayName,
// externalId) that the log replaced by "[redacted]" with synthesized ones,
// since a replay that sends "[redacted]" as every userName collides with
// itself. The value is the same for every request about the same resource,
// and the same for two creations with the same externalId, so that a
// duplicate creation recorded 409 is still a duplicate. It reports how
// many values it restored.
func (r *recorder) unredact(e store.ProvisioningEntry, body any) int {
	b, _ := body.(map[string]any)
	if b == nil {
		return 0
	}
	key := r.resourceKey(e)
	n := 0
	switch e.Method {
	case http.MethodPost, http.MethodPut:
		n += r.unredactAttrs(key, b)
	case http.MethodPatch:
		ops, _ := b["Operations"].([]any)
		for _, o := range ops {
			op, _ := o.(map[string]any)
			path, _ := op["path"].(string)
			if v, ok := op["value"].(map[string]any); ok && path == "" {
				n += r.unredactAttrs(fmt.Sprintf("%s@%d", key, e.Seq), v)
			} else if op["value"] == redactedValue && isIdentityAttr(path) {
				op["value"] = r.synthesize(fmt.Sprintf("%s@%d", key, e.Seq), path)
				n++
			}
		}
	}
	return n
}

func (r *recorder) unredactAttrs(key string, m map[string]any) int {
	n := 0
	for k, v := range m {
		if v == redactedValue && isIdentityAttr(k) {
			m[k] = r.synthesize(key, k)
			n++
		}
	}
	return n
}

// synthesize returns the value standing for attribute attr of key.
func (r *recorder) synthesize(key, attr string) string {
	k := key + "/" + strings.ToLower(attr)
	if v := r.synth[k]; v != "" {
		return v
	}
	v := fmt.Sprintf("redacted-%s-%d", strings.ToLower(attr), len(r.synth)+1)
	r.synth[k] = v
	return v
}

// resourceKey names the resource an entry is about, for unredact: by
// externalId for a creation (so that a duplicate maps to the original),
// then by the id the creation was answered with.
func (r *recorder) resourceKey(e store.ProvisioningEntry) string {
	if e.Method == http.MethodPost {
		k := fmt.Sprintf("seq%d", e.Seq)
		if e.ExternalID != "" {
			k = e.ResourceType + "/ext:" + e.ExternalID
		}
		if e.ResourceID != "" {
			r.keys[e.ResourceID] = k
		}
		return k
	}
	if k := r.keys[e.ResourceID]; k != "" {
		return k
	}
	return e.ResourceType + "/" + e.ResourceID
}

func isIdentityAttr(name string) bool {
	for _, a := range identityAttrs {
		if strings.EqualFold(name, a) {
			return true
		}
	}
	return false
}
