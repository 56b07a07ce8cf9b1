package filter

import (
	"strings"

	"github.com/scimkit/scimkit/schema"
)

// parseAttrPath splits an attribute path (RFC 7644 §3.4.2.2 "attrPath" =
// [URI ":"] ATTRNAME *1subAttr) exactly as filter-parser's grammar does:
// the URI is everything before the last ':' (segments of letters, digits,
// '-' and '.'), then an ATTRNAME (an optional '$', a letter, then letters,
// digits, '-' or '_'), then an optional "." ATTRNAME. On failure it
// returns a message for the client.
func parseAttrPath(w string) (AttrPath, string) {
	var p AttrPath
	rest := w
	if i := strings.LastIndexByte(w, ':'); i >= 0 {
		p.URI, rest = w[:i], w[i+1:]
		if msg := checkURI(p.URI); msg != "" {
			return AttrPath{}, msg
		}
		if rest == "" {
			return AttrPath{}, "an attribute name must follow the schema URN " + quote(p.URI)
		}
	}
	name, sub, hasSub := strings.Cut(rest, ".")
	if !validName(name) {
		return AttrPath{}, quote(name) + " is not a valid attribute name (a letter followed by letters, digits, '-' or '_')"
	}
	if hasSub {
		if strings.IndexByte(sub, '.') >= 0 {
			return AttrPath{}, quote(rest) + " has more than one '.'; an attribute path is attribute or attribute.subAttribute"
		}
		if !validName(sub) {
			return AttrPath{}, quote(sub) + " is not a valid sub-attribute name (a letter followed by letters, digits, '-' or '_')"
		}
	}
	p.Name, p.Sub = name, sub
	return p, ""
}

func quote(s string) string { return `"` + shortText(s) + `"` }

// checkURI checks the URN prefix of an attribute path: ':'-separated,
// non-empty segments of letters, digits, '-' and '.'.
func checkURI(uri string) string {
	for seg := range strings.SplitSeq(uri, ":") {
		if seg == "" {
			return "the schema URN " + quote(uri) + " has an empty segment"
		}
		for i := 0; i < len(seg); i++ {
			if c := seg[i]; !(isAlpha(c) || isDigit(c) || c == '-' || c == '.') {
				return "the schema URN " + quote(uri) + " contains " + quote(quoteRune(seg[i:])) + "; only letters, digits, '-', '.' and ':' are allowed"
			}
		}
	}
	return ""
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// validName reports whether s is an ATTRNAME of RFC 7644 §3.4.2.2,
// allowing a leading '$' as in "$ref" (RFC 7643 §2.3.7).
func validName(s string) bool {
	s = strings.TrimPrefix(s, "$")
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !(isAlpha(c) || isDigit(c) || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// String returns the path as written: "urn:...:name.sub".
func (p AttrPath) String() string {
	var b strings.Builder
	b.Grow(len(p.URI) + len(p.Name) + len(p.Sub) + 2)
	if p.URI != "" {
		b.WriteString(p.URI)
		if p.Name != "" {
			b.WriteByte(':')
		}
	}
	b.WriteString(p.Name)
	if p.Sub != "" {
		b.WriteByte('.')
		b.WriteString(p.Sub)
	}
	return b.String()
}

// ParsePath parses a PATCH operation path (RFC 7644 §3.5.2 "PATH"):
//
//	attr, attr.sub, urn:...:attr, urn:...:attr.sub,
//	attr[filter], attr[filter].sub
//
// and a bare schema URN such as
// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", which
// addresses a whole extension: Attr.URI is the URN and Attr.Name is "".
// Without a resource type the bare URN is recognised by its shape: its
// next-to-last segment is a version such as "2.0" (see
// AttrPath.Resolve for the exact test against a resource type). Leading
// and trailing white space is ignored. The filter between brackets is a
// full filter (Parse) whose attribute paths are sub-attributes of attr.
// Errors are *schema.Error with scimType invalidPath.
func ParsePath(s string) (Path, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Path{}, schema.ErrInvalidPath.WithDetail("the path is empty")
	}
	if len(s) > DefaultMaxLength {
		return Path{}, schema.ErrInvalidPath.WithDetail("the path is %d bytes long; the limit is %d", len(s), DefaultMaxLength)
	}
	open := strings.IndexByte(s, '[')
	if open < 0 {
		if strings.ContainsAny(s, "]") {
			return Path{}, asPathError(errAt(s, strings.IndexByte(s, ']'), "']' without '['"))
		}
		return parseBarePath(s)
	}
	attr := strings.TrimRight(s[:open], " ")
	a, msg := parseAttrPath(attr)
	if msg != "" || a.Sub != "" {
		if msg == "" {
			msg = "a value filter applies to a multi-valued attribute, not to the sub-attribute " + quote(attr)
		}
		return Path{}, asPathError(errAt(s, 0, "%s", msg))
	}
	ps := newParser(s, Limits{})
	ps.lx.off = open + 1
	ps.depth, ps.inBracket = 1, true
	f, err := ps.group(tokRBrack, token{kind: tokLBrack, text: "[", pos: open})
	if err != nil {
		return Path{}, asPathError(err)
	}
	end := ps.lx.off - 1
	p := Path{Attr: a, Filter: f}
	if tail := s[end+1:]; tail != "" {
		if tail[0] != '.' || !validName(tail[1:]) {
			return Path{}, asPathError(errAt(s, end+1, "expected '.' and a sub-attribute name after ']', found %q", shortText(tail)))
		}
		p.Sub = tail[1:]
	}
	return p, nil
}

// parseBarePath parses a path without a value filter.
func parseBarePath(s string) (Path, error) {
	if i := strings.IndexAny(s, " \t\"()"); i >= 0 {
		return Path{}, asPathError(errAt(s, i, "unexpected %q in attribute path", s[i:i+1]))
	}
	a, msg := parseAttrPath(s)
	if msg != "" {
		if strings.HasSuffix(s, ":") {
			msg = "a path must not end with ':'"
		}
		return Path{}, asPathError(errAt(s, 0, "%s", msg))
	}
	if a.looksLikeSchemaURN() {
		a = AttrPath{URI: s}
	}
	return Path{Attr: a}, nil
}

// looksLikeSchemaURN reports whether URI ":" Name, without a sub-attribute,
// has the shape of a schema URN: a next-to-last segment that is a version
// number ("urn:...:2.0:User").
func (p AttrPath) looksLikeSchemaURN() bool {
	if p.URI == "" || p.Sub != "" {
		return false
	}
	seg := p.URI[strings.LastIndexByte(p.URI, ':')+1:]
	if seg == "" || !isDigit(seg[0]) {
		return false
	}
	for i := 0; i < len(seg); i++ {
		if !isDigit(seg[i]) && seg[i] != '.' {
			return false
		}
	}
	return true
}

// Resolve rewrites p for rt: when URI ":" Name (with no Sub) is the id of
// one of rt's schemas, it returns the bare-URN form {URI: id}; when p is
// in bare-URN form but URI is not a schema of rt, it splits the last
// segment off as the attribute name. Otherwise p is returned unchanged.
// PATCH uses it to tell "urn:acme:ext:1.0:User" (a whole extension) from
// "urn:acme:ext:attr" (an attribute).
func (p AttrPath) Resolve(rt *schema.ResourceType) AttrPath {
	switch {
	case p.Name == "" && p.URI != "" && rt.SchemaByURN(p.URI) == nil:
		if i := strings.LastIndexByte(p.URI, ':'); i > 0 {
			return AttrPath{URI: p.URI[:i], Name: p.URI[i+1:]}
		}
	case p.Name != "" && p.URI != "" && p.Sub == "" && rt.SchemaByURN(p.URI+":"+p.Name) != nil:
		return AttrPath{URI: p.URI + ":" + p.Name}
	}
	return p
}
