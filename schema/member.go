package schema

// Membership values and changes (RFC 7643 §4.2 "members"): stores keep the
// members of a group in an index and change it by deltas, package patch
// turns PATCH operations into deltas, and both speak these types.

// Member is one value of a group's "members" attribute (RFC 7643 §4.2):
// the member's id and the "type" and "display" sub-attributes a client
// gave. "$ref" is not part of it: it is derived from the member's type and
// id when a resource is rendered, never stored.
type Member struct {
	// Value is the member's id ("value").
	Value string
	// Type is the "type" sub-attribute ("User", "Group"), or "".
	Type string
	// Display is the "display" sub-attribute, or "".
	Display string
}

// AttrValue returns m as a value of a "members" attribute: "value", and
// "type" and "display" when set.
func (m Member) AttrValue() map[string]any {
	v := map[string]any{"value": m.Value}
	if m.Type != "" {
		v["type"] = m.Type
	}
	if m.Display != "" {
		v["display"] = m.Display
	}
	return v
}

// MembersOf converts a "members" attribute value (a list of complex
// values) to members, in order, dropping values without a "value" and
// later duplicates of a value (values are compared exactly:
// members.value is caseExact). "$ref" and unknown sub-attributes are
// ignored.
func MembersOf(v any) []Member {
	list, _ := v.([]any)
	out := make([]Member, 0, len(list))
	seen := make(map[string]bool, len(list))
	for _, e := range list {
		m, _ := e.(map[string]any)
		val, _ := m["value"].(string)
		if val == "" || seen[val] {
			continue
		}
		seen[val] = true
		mb := Member{Value: val}
		mb.Type, _ = m["type"].(string)
		mb.Display, _ = m["display"].(string)
		out = append(out, mb)
	}
	return out
}

// MemberValues is the inverse of MembersOf: the "members" attribute value
// of ms, or nil when ms is empty.
func MemberValues(ms []Member) []any {
	if len(ms) == 0 {
		return nil
	}
	out := make([]any, len(ms))
	for i, m := range ms {
		out[i] = m.AttrValue()
	}
	return out
}

// DeltaKind is the kind of a membership delta.
type DeltaKind int

// Membership delta kinds.
const (
	// DeltaAdd adds members that are not present yet.
	DeltaAdd DeltaKind = iota
	// DeltaRemove removes the listed members that are present.
	DeltaRemove
	// DeltaClear removes every member.
	DeltaClear
)

// String returns "add", "remove" or "clear".
func (k DeltaKind) String() string {
	switch k {
	case DeltaAdd:
		return "add"
	case DeltaRemove:
		return "remove"
	case DeltaClear:
		return "clear"
	}
	return "unknown"
}

// MemberDelta is one membership change a store can apply without reading
// the member list: add these members, remove these, or remove all.
type MemberDelta struct {
	// Kind says whether Members are added or removed, or every member is removed.
	Kind DeltaKind
	// Members are the members to add, or to remove (only Value matters).
	Members []Member
}
