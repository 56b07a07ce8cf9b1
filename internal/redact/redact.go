package redact

import (
	"regexp"
	"strings"
)

// Redacted replaces a string that looks like a credential.
const Redacted = "[redacted]"

// Names is a set of lower-cased attribute names whose values must never be
// disclosed (RFC 7643 §7).
type Names map[string]bool

// Has reports whether a member name is in n, in any case and also when it
// is qualified by a schema URN ("urn:...:User:password").
func (n Names) Has(k string) bool { return n[strings.ToLower(baseName(k))] }

// Path reports whether a PATCH path (RFC 7644 §3.5.2) names an attribute
// of n: the last URN-qualified attribute, any of its dotted parts, or the
// sub-attribute after a value filter ("emails[...].password").
func (n Names) Path(p string) bool {
	attr, _, _ := strings.Cut(p, "[")
	sub := ""
	if i := strings.Index(p, "]."); i >= 0 {
		sub = p[i+2:]
	}
	attr = baseName(attr)
	for _, part := range append(strings.Split(attr, "."), sub) {
		if part != "" && n[strings.ToLower(part)] {
			return true
		}
	}
	return false
}

// AnyPart reports whether any part of a PATCH path before its value
// filter, split at "." and ":", is in n. Unlike Path it also matches a URN
// segment and ignores the sub-attribute after a filter.
func (n Names) AnyPart(p string) bool {
	p, _, _ = strings.Cut(p, "[")
	for _, part := range strings.FieldsFunc(p, func(r rune) bool { return r == '.' || r == ':' }) {
		if n[strings.ToLower(part)] {
			return true
		}
	}
	return false
}

// baseName strips a schema URN qualifier from a member name.
func baseName(k string) string {
	if i := strings.LastIndexByte(k, ':'); i >= 0 {
		return k[i+1:]
	}
	return k
}

// IdentifierName reports whether a member (or a PATCH path) names an
// identifying attribute (userName, displayName, externalId), or is the id
// or bulkId of a resource or bulk operation (RFC 7644 §3.7), whose value a
// log must keep even when it is long and random-looking, like Microsoft's
// validator user names "Test_User_<guid>".
func IdentifierName(k string) bool {
	switch strings.ToLower(baseName(k)) {
	case "username", "displayname", "externalid", "id", "bulkid":
		return true
	}
	return false
}

var (
	jwtRE    = regexp.MustCompile(`^eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$`)
	secretRE = regexp.MustCompile(`^[A-Za-z0-9+/_=-]{40,}$`)
)

// Tokens says which strings LooksLikeToken treats as credentials.
type Tokens struct {
	// Prefix marks the server's own tokens ("scimkit_"); empty for none.
	Prefix string
	// MinRun is the shortest unbroken run (between "-" and "_") mixing
	// upper case, lower case and digits that makes a long base64 string a
	// random secret.
	MinRun int
}

// LooksLikeToken reports whether s could be a credential: a "Bearer ..."
// value (RFC 6750 §2.1), a token starting with t.Prefix, a JWT, or a run
// of 40 or more base64 characters holding an unbroken stretch of t.MinRun
// or more mixing upper case, lower case and digits. Random secrets do;
// UUIDs, names, URLs and names like "Test_User_5c5d…" do not.
func (t Tokens) LooksLikeToken(s string) bool {
	s = strings.TrimSpace(s)
	switch {
	case len(s) < 20:
		return false
	case strings.EqualFold(s[:7], "bearer "),
		t.Prefix != "" && strings.HasPrefix(s, t.Prefix),
		jwtRE.MatchString(s):
		return true
	case secretRE.MatchString(s):
		for _, run := range strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '_' }) {
			if len(run) >= t.MinRun && mixed(run) {
				return true
			}
		}
	}
	return false
}

// mixed reports whether s holds upper case, lower case and digits.
func mixed(s string) bool {
	return strings.ContainsAny(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") &&
		strings.ContainsAny(s, "abcdefghijklmnopqrstuvwxyz") && strings.ContainsAny(s, "0123456789")
}
