package scim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/scimkit/scimkit/schema"
)

// ProvisioningBodyCap is the most bytes of a redacted request or response
// body (or query string) the provisioning log keeps; longer ones are cut
// and marked.
const ProvisioningBodyCap = 8 << 10

// redacted replaces a string that looks like a credential.
const redacted = "[redacted]"

// redactor removes secrets from request and response bodies and query
// strings for the provisioning log:
// every member named "password" (at any depth, any case), every attribute
// the configured schemas declare returned "never" or mutability
// "writeOnly" (RFC 7643 §7: such values must never be disclosed), the value
// of a PATCH operation whose path names one of those, and any string that
// looks like a bearer token.
type redactor struct {
	sensitive map[string]bool // lower-cased attribute names
}

func newRedactor(rts []*schema.ResourceType) *redactor {
	r := &redactor{sensitive: map[string]bool{"password": true}}
	var walk func(as []*schema.Attribute)
	walk = func(as []*schema.Attribute) {
		for _, a := range as {
			if a.EffectiveReturned() == schema.ReturnedNever || a.EffectiveMutability() == schema.WriteOnly {
				r.sensitive[strings.ToLower(a.Name)] = true
			}
			walk(a.SubAttributes)
		}
	}
	for _, rt := range rts {
		walk(rt.Schema.Attributes)
		for _, ext := range rt.Extensions {
			if ext.Schema != nil {
				walk(ext.Schema.Attributes)
			}
		}
	}
	return r
}

// doc decodes a request or response body and returns it with secrets
// removed, or nil when the body is not a JSON object.
func (r *redactor) doc(raw []byte) map[string]any {
	if len(raw) == 0 {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var m map[string]any
	if d.Decode(&m) != nil || m == nil {
		return nil
	}
	out, _ := r.value(m).(map[string]any)
	return out
}

// encode returns the JSON of doc, the redacted form of raw (see doc),
// capped at ProvisioningBodyCap. A body that is not a JSON object is not
// recorded, since it cannot be redacted reliably.
func (r *redactor) encode(raw []byte, doc map[string]any) string {
	if len(raw) == 0 {
		return ""
	}
	if doc == nil {
		return fmt.Sprintf("[%d bytes, not a JSON object: omitted]", len(raw))
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return fmt.Sprintf("[%d bytes: omitted]", len(raw))
	}
	return capString(string(out), ProvisioningBodyCap)
}

// body returns the redacted JSON of a body, as encode(raw, doc(raw)).
func (r *redactor) body(raw []byte) string { return r.encode(raw, r.doc(raw)) }

// query returns a raw query string with the value of every parameter
// that names a secret (a token, key, secret or password parameter, or a
// sensitive attribute) or looks like a credential replaced by
// "[redacted]" (escaped), capped at ProvisioningBodyCap. Filter
// expressions are kept: the identifiers they compare are what the log is
// for.
func (r *redactor) query(raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, "&")
	for i, kv := range parts {
		k, v, _ := strings.Cut(kv, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			val = v
		}
		if secretParam(name) || r.sensitiveName(name) || looksLikeToken(val) {
			parts[i] = k + "=" + url.QueryEscape(redacted)
		}
	}
	return capString(strings.Join(parts, "&"), ProvisioningBodyCap)
}

// secretParam reports whether a query parameter names a credential
// (access_token, api_key, client_secret, ...).
func secretParam(name string) bool {
	name = strings.ToLower(name)
	for _, s := range []string{"token", "secret", "password", "apikey", "api_key", "signature"} {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

// value returns v with secrets removed; maps and slices are copied.
func (r *redactor) value(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		p, isOp := v["path"].(string)
		for k, x := range v {
			if r.sensitiveName(k) {
				continue
			}
			// Identifiers are what the log is for: an identifying member,
			// or the value of a PATCH operation whose path names one.
			if _, ok := x.(string); ok && (identifierName(k) || isOp && k == "value" && identifierName(p)) {
				out[k] = x
				continue
			}
			out[k] = r.value(x)
		}
		if isOp && r.sensitivePath(p) {
			delete(out, "value") // a PATCH operation setting a secret
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = r.value(x)
		}
		return out
	case string:
		if looksLikeToken(v) {
			return redacted
		}
	}
	return v
}

// sensitiveName reports whether a member name is a sensitive attribute,
// also when it is qualified by a schema URN ("urn:...:User:password").
func (r *redactor) sensitiveName(k string) bool {
	if i := strings.LastIndexByte(k, ':'); i >= 0 {
		k = k[i+1:]
	}
	return r.sensitive[strings.ToLower(k)]
}

// sensitivePath reports whether a PATCH path (RFC 7644 §3.5.2) names a
// sensitive attribute or sub-attribute.
func (r *redactor) sensitivePath(p string) bool {
	attr, _, _ := strings.Cut(p, "[")
	sub := ""
	if i := strings.Index(p, "]."); i >= 0 {
		sub = p[i+2:]
	}
	if i := strings.LastIndexByte(attr, ':'); i >= 0 {
		attr = attr[i+1:]
	}
	for _, part := range append(strings.Split(attr, "."), sub) {
		if part != "" && r.sensitive[strings.ToLower(part)] {
			return true
		}
	}
	return false
}

var (
	jwtRE    = regexp.MustCompile(`^eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$`)
	secretRE = regexp.MustCompile(`^[A-Za-z0-9+/_=-]{40,}$`)
)

// identifierName reports whether a member (or a PATCH path) names an
// identifying attribute (userName, displayName, externalId), or is the id
// or bulkId of a resource or bulk operation, whose value the log must keep
// even when it is long and random-looking, like Microsoft's validator user
// names "Test_User_<guid>".
func identifierName(k string) bool {
	if i := strings.LastIndexByte(k, ':'); i >= 0 {
		k = k[i+1:]
	}
	switch strings.ToLower(k) {
	case "username", "displayname", "externalid", "id", "bulkid":
		return true
	}
	return false
}

// looksLikeToken reports whether s could be a credential: a "Bearer ..."
// value, a scimkit token, a JWT, or a long unbroken run of base64
// characters mixing upper case, lower case and digits (random secrets do;
// UUIDs, names and URLs do not).
func looksLikeToken(s string) bool {
	s = strings.TrimSpace(s)
	switch {
	case len(s) < 20:
		return false
	case len(s) > 7 && strings.EqualFold(s[:7], "bearer "),
		strings.HasPrefix(s, DefaultTokenPrefix),
		jwtRE.MatchString(s):
		return true
	case secretRE.MatchString(s):
		// Random secrets have a long run mixing cases and digits between
		// separators; names like "Test_User_5c5d…" and UUIDs do not.
		for _, run := range strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '_' }) {
			if len(run) >= 24 && strings.ContainsAny(run, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") &&
				strings.ContainsAny(run, "abcdefghijklmnopqrstuvwxyz") && strings.ContainsAny(run, "0123456789") {
				return true
			}
		}
	}
	return false
}

// capString cuts s to at most n bytes on a rune boundary, marking the cut.
func capString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = "…[truncated]"
	cut := n - len(mark)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}
