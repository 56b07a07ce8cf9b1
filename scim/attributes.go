package scim

import (
	"net/url"
	"strings"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// projection reads the attributes and excludedAttributes query parameters
// (RFC 7644 §3.9, §3.4.2.5): comma-separated attribute paths. Giving both
// is refused with 400 invalidValue, since the RFC defines no meaning for
// the combination.
func projection(q url.Values) (attrs, excl []string, err error) {
	attrs = splitList(queryValue(q, "attributes"))
	excl = splitList(queryValue(q, "excludedAttributes"))
	if len(attrs) > 0 && len(excl) > 0 {
		return nil, nil, ErrInvalidValue.WithDetail("attributes and excludedAttributes cannot be used together (RFC 7644 §3.9); give one of them.")
	}
	return attrs, excl, nil
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
