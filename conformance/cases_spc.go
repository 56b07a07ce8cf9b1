package conformance

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"slices"
)

func init() {
	register(Case{ID: "discovery.spc.strict", Title: "/ServiceProviderConfig passes a strict reading of RFC 7643 §5 (every REQUIRED member, with its JSON type)",
		Requirement: must("RFC 7643 §5, §8.5; authentik parses it with a strict model and falls back to full-member PUTs when it fails"),
		Profiles:    []Profile{ProfileRFC, ProfileAuthentik, ProfileRippling}, Func: spcStrict})
}

// spcStrict checks /ServiceProviderConfig member by member against a
// strict reading of RFC 7643 §5: every REQUIRED member with its JSON type,
// authenticationSchemes[].type one of the RFC's names. That is stricter
// than authentik's pydantic model (which requires patch, bulk, filter,
// changePassword, sort, authenticationSchemes with name and description,
// and an integer bulk.maxOperations), so a server that passes is read by
// authentik as it is. Limits must be realistic: positive when the feature
// is supported.
func spcStrict(ctx context.Context, t *T) {
	for _, p := range SPCProblems(get(t, "/ServiceProviderConfig")) {
		t.Errorf("%s", p)
	}
}

// authSchemeTypes are the authenticationSchemes types RFC 7643 §5 names.
var authSchemeTypes = []string{"oauth", "oauth2", "oauthbearertoken", "httpbasic", "httpdigest"}

// SPCProblems returns how a decoded /ServiceProviderConfig body departs
// from a strict reading of RFC 7643 §5: a missing REQUIRED member, a
// member of the wrong JSON type (a number sent as a string, say), an
// unknown authentication scheme type, a non-absolute URI, or a limit of a
// supported feature that is not a positive integer. Nil means none.
func SPCProblems(m map[string]any) []string {
	var out []string
	bad := func(f string, a ...any) { out = append(out, fmt.Sprintf(f, a...)) }
	if !hasString(m["schemas"], spcURN) {
		bad("schemas %v: must contain %s (RFC 7643 §5)", m["schemas"], spcURN)
	}
	if v, ok := m["documentationUri"]; ok && !absoluteURI(v) {
		bad("documentationUri %#v: must be an absolute HTTP URI", v)
	}
	limits := map[string][]string{"bulk": {"maxOperations", "maxPayloadSize"}, "filter": {"maxResults"}}
	for _, f := range []string{"patch", "bulk", "filter", "changePassword", "sort", "etag"} {
		o, ok := m[f].(map[string]any)
		if !ok {
			bad("%s: REQUIRED complex attribute missing or not an object (%#v)", f, m[f])
			continue
		}
		supported, ok := o["supported"].(bool)
		if !ok {
			bad("%s.supported: %#v is not a JSON boolean", f, o["supported"])
		}
		for _, l := range limits[f] {
			n, ok := o[l].(float64)
			switch {
			case !ok:
				bad("%s.%s: REQUIRED integer missing or not a JSON number (%#v)", f, l, o[l])
			case n != math.Trunc(n) || n < 0:
				bad("%s.%s: %v is not a non-negative integer", f, l, n)
			case supported && n == 0:
				bad("%s.%s: 0 although %s is supported; advertise the real limit", f, l, f)
			}
		}
	}
	schemes, ok := m["authenticationSchemes"].([]any)
	if !ok {
		bad("authenticationSchemes: REQUIRED multi-valued attribute missing or not an array (%#v)", m["authenticationSchemes"])
	}
	for i, s := range schemes {
		out = append(out, schemeProblems(i, s)...)
	}
	return out
}

func schemeProblems(i int, s any) []string {
	o, ok := s.(map[string]any)
	if !ok {
		return []string{fmt.Sprintf("authenticationSchemes[%d]: %#v is not an object", i, s)}
	}
	var out []string
	if t, _ := o["type"].(string); !slices.Contains(authSchemeTypes, t) {
		out = append(out, fmt.Sprintf("authenticationSchemes[%d].type %#v: must be one of %v (RFC 7643 §5)", i, o["type"], authSchemeTypes))
	}
	for _, k := range []string{"name", "description"} {
		if v, _ := o[k].(string); v == "" {
			out = append(out, fmt.Sprintf("authenticationSchemes[%d].%s: REQUIRED string missing (%#v)", i, k, o[k]))
		}
	}
	for _, k := range []string{"specUri", "documentationUri"} {
		if v, ok := o[k]; ok && !absoluteURI(v) {
			out = append(out, fmt.Sprintf("authenticationSchemes[%d].%s %#v: must be an absolute HTTP URI", i, k, v))
		}
	}
	if v, ok := o["primary"]; ok {
		if _, isBool := v.(bool); !isBool {
			out = append(out, fmt.Sprintf("authenticationSchemes[%d].primary %#v: not a JSON boolean", i, v))
		}
	}
	return out
}

func absoluteURI(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
