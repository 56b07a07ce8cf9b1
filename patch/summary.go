package patch

import (
	"github.com/scimkit/scimkit/schema"
)

// ActiveChange is the transition of a User's "active" attribute caused by
// a patch.
type ActiveChange int

const (
	// ActiveUnchanged: "active" did not change (or the type has none).
	ActiveUnchanged ActiveChange = iota
	// Deactivated: "active" went from true (or absent) to false.
	Deactivated
	// Reactivated: "active" went from false to true (or absent).
	Reactivated
)

// String returns "unchanged", "deactivated" or "reactivated".
func (c ActiveChange) String() string {
	switch c {
	case Deactivated:
		return "deactivated"
	case Reactivated:
		return "reactivated"
	}
	return "unchanged"
}

// Summary describes what an applied patch really changed, for hooks and
// audit logs. It compares the resource before and after, so operations
// that change nothing (adding a present member, replacing a value by an
// equal one, removing an absent member) do not appear.
type Summary struct {
	// Paths are the canonical attribute paths whose value changed, sorted
	// and without duplicates: "name.givenName" for a sub-attribute of a
	// single-valued complex attribute, "emails" or "members" for a
	// multi-valued attribute (whatever value of it changed), the
	// URN-qualified form for extension attributes
	// ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"),
	// and "externalId" for the common attribute.
	Paths []string
	// Active is the transition of "active"; an absent "active" counts as
	// true, as a user created without it is active in practice.
	Active ActiveChange
	// MembersAdded and MembersRemoved are the "value"s of Group members
	// actually added and removed, in request order; a member added and
	// removed by the same patch appears in neither.
	MembersAdded, MembersRemoved []string
	// MembersReplaced is true when the patch replaced the whole member
	// list (replace of "members" without filter).
	MembersReplaced bool
}

// Changed reports whether the patch changed anything.
func (s *Summary) Changed() bool {
	return len(s.Paths) > 0 || s.Active != ActiveUnchanged || len(s.MembersAdded) > 0 || len(s.MembersRemoved) > 0
}

// summary compares the touched attributes of s.prior and out.
func (s *state) summary(out *schema.Resource) *Summary {
	sum := &Summary{MembersReplaced: s.members.replaced}
	sum.Paths = schema.ChangedPaths(s.prior, out) // what stores derive events from too
	sum.Active = activeChange(s.rt, s.prior, out)
	sum.MembersAdded, sum.MembersRemoved = s.members.result()
	return sum
}

// activeChange computes Summary.Active; absent "active" is true.
func activeChange(rt *schema.ResourceType, before, after *schema.Resource) ActiveChange {
	ref, ok := rt.Lookup("", "active", "")
	if !ok || ref.Attr.Type != schema.Boolean || ref.Attr.MultiValued {
		return ActiveUnchanged
	}
	active := func(r *schema.Resource) bool {
		v, ok := r.Get(rt, ref)
		b, isBool := v.(bool)
		return !ok || !isBool || b
	}
	switch b, a := active(before), active(after); {
	case b && !a:
		return Deactivated
	case !b && a:
		return Reactivated
	}
	return ActiveUnchanged
}

// memberLog accumulates the net member changes of one Apply: +1 per
// value added, -1 per value removed.
type memberLog struct {
	attr     *schema.Attribute
	net      map[string]int
	order    []string
	replaced bool
}

func (l *memberLog) bump(a *schema.Attribute, v any, d int) {
	if a != l.attr || l.attr == nil {
		return
	}
	m, _ := v.(map[string]any)
	id, ok := m["value"].(string)
	if !ok {
		return
	}
	if l.net == nil {
		l.net = map[string]int{}
	}
	if _, seen := l.net[id]; !seen {
		l.order = append(l.order, id)
	}
	l.net[id] += d
}

func (l *memberLog) add(a *schema.Attribute, v any)    { l.bump(a, v, +1) }
func (l *memberLog) remove(a *schema.Attribute, v any) { l.bump(a, v, -1) }

// diff records a replacement of the member list old by nv.
func (l *memberLog) diff(a *schema.Attribute, old, nv []any) {
	in := func(list []any) map[string]bool {
		set := make(map[string]bool, len(list))
		for _, e := range list {
			if k, ok := elemKey(a, e); ok {
				set[k] = true
			}
		}
		return set
	}
	was, is := in(old), in(nv)
	for _, e := range old {
		if k, ok := elemKey(a, e); ok && !is[k] {
			l.remove(a, e)
		}
	}
	for _, e := range nv {
		if k, ok := elemKey(a, e); ok && !was[k] {
			l.add(a, e)
		}
	}
}

func (l *memberLog) result() (added, removed []string) {
	for _, id := range l.order {
		switch n := l.net[id]; {
		case n > 0:
			added = append(added, id)
		case n < 0:
			removed = append(removed, id)
		}
	}
	return added, removed
}
