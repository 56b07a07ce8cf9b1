package conformance

import (
	"regexp"
	"strings"
)

// redactedValue replaces a string that looks like a credential.
const redactedValue = "[redacted]"

// redactBody removes secrets from a decoded request or response body, as a
// second line of defence behind the provisioning log's own redaction:
// every member named password (any case, also URN-qualified, at any
// depth), every PATCH operation whose path names password (dropped whole,
// since an operation without its value cannot be replayed), and every
// string that looks like a bearer token, a JWT or a long random secret,
// except identifiers, which the log keeps in clear too (userName,
// displayName, externalId, id and bulkId members, and the value of a PATCH
// operation on one of them). It returns how many values it removed or
// replaced.
func redactBody(v any) (any, int) {
	n := 0
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			out := make(map[string]any, len(x))
			p, isOp := x["path"].(string)
			for k, e := range x {
				if secretName(k) {
					n++
					continue
				}
				if _, ok := e.(string); ok && (identifierMember(k) || isOp && k == "value" && identifierMember(p)) {
					out[k] = e
					continue
				}
				out[k] = walk(e)
			}
			if p, ok := x["path"].(string); ok && secretPath(p) {
				if _, has := out["value"]; has {
					delete(out, "value") // an operation outside an Operations array
					n++
				}
			}
			return out
		case []any:
			out := make([]any, 0, len(x))
			for _, e := range x {
				if o, ok := e.(map[string]any); ok && secretOperation(o) {
					n++
					continue
				}
				out = append(out, walk(e))
			}
			return out
		case string:
			if looksSecret(x) {
				n++
				return redactedValue
			}
		}
		return v
	}
	return walk(v), n
}

// identifierMember reports whether a member or PATCH path names an
// identifier, kept in clear as scim's provisioning log keeps it.
func identifierMember(k string) bool {
	if i := strings.LastIndexByte(k, ':'); i >= 0 {
		k = k[i+1:]
	}
	switch strings.ToLower(k) {
	case "username", "displayname", "externalid", "id", "bulkid":
		return true
	}
	return false
}

// secretNames are attributes whose values must never be disclosed (RFC
// 7643 §4.1.1 password, returned "never"; §7).
var secretNames = map[string]bool{"password": true}

func secretName(k string) bool {
	if i := strings.LastIndexByte(k, ':'); i >= 0 {
		k = k[i+1:]
	}
	return secretNames[strings.ToLower(k)]
}

// secretOperation reports whether o is a PATCH operation (RFC 7644
// §3.5.2) whose path names a secret attribute.
func secretOperation(o map[string]any) bool {
	if _, isOp := o["op"]; !isOp {
		return false
	}
	p, _ := o["path"].(string)
	return secretPath(p)
}

// secretPath reports whether a PATCH path names a secret attribute.
func secretPath(p string) bool {
	p, _, _ = strings.Cut(p, "[")
	for _, part := range strings.FieldsFunc(p, func(r rune) bool { return r == '.' || r == ':' }) {
		if secretNames[strings.ToLower(part)] {
			return true
		}
	}
	return false
}

var (
	jwtLike    = regexp.MustCompile(`^eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$`)
	secretLike = regexp.MustCompile(`^[A-Za-z0-9+/_=-]{40,}$`)
)

// looksSecret reports whether s could be a credential: "Bearer …", a
// scimkit token, a JWT, or a run of 40 or more base64 characters holding
// an unbroken stretch of 20 or more (between "-" and "_") that mixes upper
// case, lower case and digits. Random secrets do; UUIDs, names and the
// long test userNames of Microsoft's validator
// ("Test_User_33dd33dd-ee44-…") do not.
func looksSecret(s string) bool {
	s = strings.TrimSpace(s)
	switch {
	case len(s) < 20:
		return false
	case strings.HasPrefix(strings.ToLower(s), "bearer "), strings.HasPrefix(s, "scimkit_"), jwtLike.MatchString(s):
		return true
	case secretLike.MatchString(s):
		for _, run := range strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '_' }) {
			if len(run) >= 20 && strings.ContainsAny(run, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") &&
				strings.ContainsAny(run, "abcdefghijklmnopqrstuvwxyz") && strings.ContainsAny(run, "0123456789") {
				return true
			}
		}
	}
	return false
}
