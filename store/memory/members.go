package memory

import (
	"slices"

	"github.com/scimkit/scimkit/schema"
)

// memberSet is the membership of one group: a set keyed by member value
// with insertion order. Removal leaves a hole in the order slice that is
// compacted away once holes outnumber members, so adding and removing a
// member costs O(1) amortised whatever the group's size.
type memberSet struct {
	typ     string // the group's resource type name
	name    string // the group's displayName, for the groups of its members
	byValue map[string]int
	order   []*member
	holes   int
}

type member struct {
	schema.Member
	seq uint64
}

// membership is one entry of the reverse index member → groups.
type membership struct {
	group string
	seq   uint64
}

func newMemberSet(typ, name string) *memberSet {
	return &memberSet{typ: typ, name: name, byValue: map[string]int{}}
}

func (ms *memberSet) has(v string) bool { _, ok := ms.byValue[v]; return ok }

// list returns the members in insertion order.
func (ms *memberSet) list() []*member {
	out := make([]*member, 0, len(ms.byValue))
	for _, m := range ms.order {
		if m != nil {
			out = append(out, m)
		}
	}
	return out
}

// add inserts m unless a member with its value is present; it updates the
// reverse index of td and reports whether m was added.
func (td *tenantData) addMember(st *state, gid string, ms *memberSet, m schema.Member) bool {
	if m.Value == "" || ms.has(m.Value) {
		return false
	}
	st.seq++
	ms.byValue[m.Value] = len(ms.order)
	ms.order = append(ms.order, &member{Member: m, seq: st.seq})
	td.memberOf[m.Value] = append(td.memberOf[m.Value], membership{group: gid, seq: st.seq})
	return true
}

// removeMember removes the member with value v, reporting whether it was
// present.
func (td *tenantData) removeMember(gid string, ms *memberSet, v string) bool {
	i, ok := ms.byValue[v]
	if !ok {
		return false
	}
	delete(ms.byValue, v)
	ms.order[i] = nil
	ms.holes++
	if ms.holes > 32 && ms.holes > len(ms.byValue) {
		ms.compact()
	}
	groups := slices.DeleteFunc(td.memberOf[v], func(x membership) bool { return x.group == gid })
	if len(groups) == 0 {
		delete(td.memberOf, v)
	} else {
		td.memberOf[v] = groups
	}
	return true
}

func (ms *memberSet) compact() {
	live := ms.list()
	ms.order = live
	ms.holes = 0
	for i, m := range live {
		ms.byValue[m.Value] = i
	}
}

// netChange tracks the net effect of a sequence of membership changes.
type netChange struct {
	before map[string]bool // value → present before the first change
	order  []string        // values in the order first touched
}

func (nc *netChange) touch(v string, present bool) {
	if nc.before == nil {
		nc.before = map[string]bool{}
	}
	if _, ok := nc.before[v]; !ok {
		nc.before[v] = present
		nc.order = append(nc.order, v)
	}
}

// result returns the values added and removed overall.
func (nc *netChange) result(ms *memberSet) (added, removed []string) {
	for _, v := range nc.order {
		was, is := nc.before[v], ms.has(v)
		switch {
		case !was && is:
			added = append(added, v)
		case was && !is:
			removed = append(removed, v)
		}
	}
	return added, removed
}

// applyDeltas applies membership deltas in order to the group gid.
func (td *tenantData) applyDeltas(st *state, gid string, ms *memberSet, ds []schema.MemberDelta, nc *netChange) {
	for _, d := range ds {
		switch d.Kind {
		case schema.DeltaAdd:
			for _, m := range d.Members {
				if m.Value != "" && !ms.has(m.Value) {
					nc.touch(m.Value, false)
					td.addMember(st, gid, ms, m)
				}
			}
		case schema.DeltaRemove:
			for _, m := range d.Members {
				if ms.has(m.Value) {
					nc.touch(m.Value, true)
					td.removeMember(gid, ms, m.Value)
				}
			}
		case schema.DeltaClear:
			for _, m := range ms.list() {
				nc.touch(m.Value, true)
				td.removeMember(gid, ms, m.Value)
			}
		}
	}
}

// membersAttr renders members as the "members" attribute value, nil when
// there are none.
func membersAttr(ms []*member) []any {
	if len(ms) == 0 {
		return nil
	}
	out := make([]any, len(ms))
	for i, m := range ms {
		e := make(map[string]any, 4)
		e["value"] = m.Value
		if m.Type != "" {
			e["type"] = m.Type
		}
		if m.Display != "" {
			e["display"] = m.Display
		}
		out[i] = e
	}
	return out
}

// parseMembers reads a members attribute value into distinct members, in
// order (the first occurrence of a value wins).
func parseMembers(v any) []schema.Member {
	list, _ := v.([]any)
	out := make([]schema.Member, 0, len(list))
	seen := make(map[string]bool, len(list))
	for _, e := range list {
		m, _ := e.(map[string]any)
		var pm schema.Member
		pm.Value, _ = m["value"].(string)
		pm.Type, _ = m["type"].(string)
		pm.Display, _ = m["display"].(string)
		if pm.Value == "" || seen[pm.Value] {
			continue
		}
		seen[pm.Value] = true
		out = append(out, pm)
	}
	return out
}

// groupsAttr renders the groups of member id as the derived "groups"
// attribute value, nil when there are none.
func (td *tenantData) groupsAttr(id string) []any {
	ms := td.memberOf[id]
	if len(ms) == 0 {
		return nil
	}
	ms = slices.Clone(ms)
	slices.SortFunc(ms, func(a, b membership) int { return cmpUint(a.seq, b.seq) })
	out := make([]any, 0, len(ms))
	for _, m := range ms {
		g := td.groups[m.group]
		if g == nil {
			continue
		}
		e := map[string]any{"value": m.group, "type": "direct"}
		if g.name != "" {
			e["display"] = g.name
		}
		out = append(out, e)
	}
	return out
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// memberTypes returns the resource type of each member value: its "type"
// when "User" or "Group", else "Group" when the value is the id of a group
// of the tenant, else "User".
func (td *tenantData) memberTypes(values []string, given map[string]string) map[string]string {
	if len(values) == 0 {
		return nil
	}
	out := make(map[string]string, len(values))
	for _, v := range values {
		switch t := given[v]; {
		case t == "User" || t == "Group":
			out[v] = t
		case td.groups[v] != nil:
			out[v] = "Group"
		default:
			out[v] = "User"
		}
	}
	return out
}
