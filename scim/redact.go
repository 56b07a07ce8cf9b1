package scim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/scimkit/scimkit/internal/redact"
	"github.com/scimkit/scimkit/schema"
)

// ProvisioningBodyCap is the most bytes of a redacted request or response
// body (or query string) the provisioning log keeps; longer ones are cut
// and marked.
const ProvisioningBodyCap = 8 << 10

// redactor removes secrets from request and response bodies and query
// strings for the provisioning log:
// every member named "password" (at any depth, any case), every attribute
// the configured schemas declare returned "never" or mutability
// "writeOnly" (RFC 7643 §7: such values must never be disclosed), the value
// of a PATCH operation whose path names one of those, and any string that
// looks like a bearer token.
type redactor struct {
	sensitive redact.Names
	rules     redact.Rules
}

func newRedactor(rts []*schema.ResourceType) *redactor {
	r := &redactor{sensitive: redact.Names{"password": true}}
	r.rules = redact.Rules{Name: r.sensitive.Has, Path: r.sensitive.Path, Token: looksLikeToken}
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
	var m map[string]any
	if v, err := schema.DecodeJSON(raw); err == nil {
		m, _ = v.(map[string]any)
	} else { // trailing data after the object, say: decode the object alone
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if d.Decode(&m) != nil {
			return nil
		}
	}
	if m == nil {
		return nil
	}
	out, _ := r.value(m).(map[string]any)
	for k, v := range out {
		if s, ok := v.(string); ok && strings.EqualFold(k, "filter") && r.mentionsSensitive(s) {
			out[k] = redact.Redacted // a search body's filter on a password
		}
	}
	return out
}

// mentionsSensitive reports whether a filter expression names a sensitive
// attribute (password eq "…" is refused, but what it compares is a
// secret all the same). It errs on the side of redacting: any mention of
// the name counts.
func (r *redactor) mentionsSensitive(filter string) bool {
	f := strings.ToLower(filter)
	for name := range r.sensitive {
		if strings.Contains(f, name) {
			return true
		}
	}
	return false
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
	out, err := schema.AppendJSONValue(nil, doc) // as json.Marshal, without reflection
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
// expressions are kept, the identifiers they compare being what the log
// is for, unless they name a sensitive attribute (mentionsSensitive).
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
		if secretParam(name) || r.sensitiveName(name) || looksLikeToken(val) ||
			strings.EqualFold(name, "filter") && r.mentionsSensitive(val) {
			parts[i] = k + "=" + url.QueryEscape(redact.Redacted)
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
	out, _ := r.rules.Value(v)
	return out
}

// sensitiveName reports whether a member name is a sensitive attribute,
// also when it is qualified by a schema URN ("urn:...:User:password").
func (r *redactor) sensitiveName(k string) bool { return r.sensitive.Has(k) }

// scimTokens are the credentials the provisioning log redacts.
var scimTokens = redact.Tokens{Prefix: DefaultTokenPrefix, MinRun: 24}

// looksLikeToken reports whether s could be a credential (see
// redact.Tokens.LooksLikeToken).
func looksLikeToken(s string) bool { return scimTokens.LooksLikeToken(s) }

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
