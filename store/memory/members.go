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
