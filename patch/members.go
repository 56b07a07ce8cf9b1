package patch

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

// MemberDelta is one membership change a store can apply without reading
// the member list: add these members, remove these, or remove all.
type MemberDelta struct {
	Kind DeltaKind
	// Members are the members to add, or to remove (only Value matters).
	Members []Member
}

// Member is one value of a group's "members" attribute (RFC 7643 §4.2).
type Member struct {
	Value, Type, Ref, Display string
}
