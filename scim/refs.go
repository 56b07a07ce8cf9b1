package scim

import (
	"maps"
	"net/http"
	"strings"

	"github.com/scimkit/scimkit/schema"
)

// addRefs sets "$ref" on the values of a user's "groups" (RFC 7643 §4.1.2:
// "the URI of the corresponding 'Group' resource") and of a group's
// "members" (RFC 7643 §4.2: "the URI of the SCIM resource"), built from the
// request's base URL like meta.location, so it is right behind any proxy
// or mount prefix. A group is of the one configured type with members (no
// $ref when several types have members); a member is of the type its
// "type" names ("User", "Group"), and a member without a known type keeps
// what was stored. c.Attrs is replaced, never modified: the store's copy
// shares it.
func (h *Handler) addRefs(r *http.Request, ti *typeInfo, c *schema.Resource) {
	var groups, members []any
	if ti.groups && h.groupType != nil {
		groups, _ = c.Attrs["groups"].([]any)
	}
	if ti.members {
		members, _ = c.Attrs["members"].([]any)
	}
	if len(groups) == 0 && len(members) == 0 {
		return
	}
	attrs := maps.Clone(c.Attrs)
	if len(groups) > 0 {
		attrs["groups"] = h.withRefs(r, groups, func(map[string]any) *typeInfo { return h.groupType })
	}
	if len(members) > 0 {
		attrs["members"] = h.withRefs(r, members, h.memberType)
	}
	c.Attrs = attrs
}

// withRefs returns vals with "$ref" set on each value whose resource type
// typeOf knows; values are copied before they are changed.
func (h *Handler) withRefs(r *http.Request, vals []any, typeOf func(map[string]any) *typeInfo) []any {
	out := make([]any, len(vals))
	for i, v := range vals {
		out[i] = v
		m, _ := v.(map[string]any)
		id, _ := m["value"].(string)
		if id == "" {
			continue
		}
		if ti := typeOf(m); ti != nil {
			m = maps.Clone(m)
			m["$ref"] = h.location(r, ti, id)
			out[i] = m
		}
	}
	return out
}

// memberType returns the configured resource type a member value's "type"
// names (case-insensitively), or nil.
func (h *Handler) memberType(m map[string]any) *typeInfo {
	t, _ := m["type"].(string)
	return h.byName[strings.ToLower(t)]
}

// groupTypeOf returns the only type with members, whose resources a user's
// "groups" name, or nil when there is none or more than one.
func groupTypeOf(types []*typeInfo) *typeInfo {
	var g *typeInfo
	for _, ti := range types {
		if ti.members {
			if g != nil {
				return nil
			}
			g = ti
		}
	}
	return g
}
