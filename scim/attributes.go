package scim

import (
	"errors"
	"net/url"
	"strings"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// projection reads the attributes and excludedAttributes query parameters
// (RFC 7644 §3.9, §3.4.2.5): comma-separated attribute paths. Giving both
// is refused with 400 invalidValue, since the RFC defines no meaning for
// the combination, and so is an entry that is not an attribute path
// (checkProjectionPath). A /.search body's members arrive here too.
func projection(q url.Values) (attrs, excl []string, err error) {
	attrs = splitList(queryValue(q, "attributes"))
	excl = splitList(queryValue(q, "excludedAttributes"))
	if len(attrs) > 0 && len(excl) > 0 {
		return nil, nil, ErrInvalidValue.WithDetail("attributes and excludedAttributes cannot be used together (RFC 7644 §3.9); give one of them.")
	}
	for _, l := range []struct {
		name  string
		paths []string
	}{{"attributes", attrs}, {"excludedAttributes", excl}} {
		for _, p := range l.paths {
			if err := checkProjectionPath(l.name, p); err != nil {
				return nil, nil, err
			}
		}
	}
	return attrs, excl, nil
}

// checkProjectionPath refuses an attributes or excludedAttributes entry
// that is not an attribute path ([URN ":"] name ["." sub], or a bare
// schema URN): a value filter such as emails[type eq "work"] would
// otherwise be ignored as an unknown name and the answer would silently
// carry only the id. The answer is 400 invalidValue naming the entry.
// Names that are well formed but unknown stay ignored, as RFC 7644 §3.9
// lets a server do.
func checkProjectionPath(param, p string) error {
	fp, err := filter.ParsePath(p)
	switch {
	case err == nil && fp.Filter == nil:
		return nil
	case err == nil || strings.ContainsAny(p, "[]"):
		return ErrInvalidValue.WithDetail("%s: %q has a value filter; %s takes attribute names such as emails or emails.value (RFC 7644 §3.9). Select the values with filter instead, e.g. filter=emails[type eq \"work\"].", param, p, param)
	}
	var se *schema.Error
	detail := err.Error()
	if errors.As(err, &se) {
		detail = se.Detail
	}
	return ErrInvalidValue.WithDetail("%s: %q is not an attribute path (RFC 7644 §3.9, §3.10): %s", param, p, detail)
}

// queryValue returns the first value of the query parameter name, matched
// case-insensitively (clients send "startindex" or "Filter").
func queryValue(q url.Values, name string) string {
	if v, ok := q[name]; ok && len(v) > 0 {
		return v[0]
	}
	for k, v := range q {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// queryHas reports whether the query parameter name is present, even
// empty (RFC 9865: "cursor" without a value asks for the first page).
func queryHas(q url.Values, name string) bool {
	if _, ok := q[name]; ok {
		return true
	}
	for k := range q {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// readOptions tells the store what it may leave out: the members of a
// group and the groups of a user when the response will not carry them.
func (ti *typeInfo) readOptions(attrs, excl []string) store.ReadOptions {
	var o store.ReadOptions
	if ti.members {
		o.OmitMembers = !wanted(ti.rt, "members", attrs, excl)
	}
	if ti.groups {
		o.OmitGroups = !wanted(ti.rt, "groups", attrs, excl)
	}
	return o
}

// wanted reports whether the core attribute name will be in a response
// projected with attrs/excl (both returned "default").
func wanted(rt *schema.ResourceType, name string, attrs, excl []string) bool {
	if len(attrs) > 0 {
		return explicitlyWants(rt, name, attrs)
	}
	target := rt.Schema.Attribute(name)
	for _, p := range excl {
		if strings.EqualFold(p, rt.Schema.ID) {
			return false
		}
		if ref, ok := rt.LookupPath(p); ok && ref.Attr == target && ref.Sub == nil {
			return false
		}
	}
	return true
}

// explicitlyWants reports whether attrs names the core attribute name, one
// of its sub-attributes, or the whole core schema.
func explicitlyWants(rt *schema.ResourceType, name string, attrs []string) bool {
	target := rt.Schema.Attribute(name)
	for _, p := range attrs {
		if strings.EqualFold(p, rt.Schema.ID) {
			return true
		}
		if ref, ok := rt.LookupPath(p); ok && ref.Attr == target {
			return true
		}
	}
	return false
}
