package patch

import (
	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
)

// Members splits p for stores that keep the members of a group as rows
// and never load the whole list. attr names the member attribute
// ("members"). It returns the operations on attr as ordered deltas, to be
// applied after rest.Apply, and rest, a Patch with the other operations;
// rest is p itself when p has no member operation.
//
// Operations become deltas as follows (values are compared by "value",
// exactly, as members.value is caseExact):
//   - add "members" with a value list: schema.DeltaAdd of those members;
//   - replace "members": schema.DeltaClear, then schema.DeltaAdd of the new list;
//   - remove "members": schema.DeltaClear; with a value list (Entra): schema.DeltaRemove;
//   - remove members[value eq "x"] or members[value eq "x" or value eq "y"]:
//     schema.DeltaRemove (lenient dialects only: in DialectStrict a filter that
//     matches nothing must fail with noTarget, which needs the list);
//   - null or "" values that mean "remove" in lenient dialects: schema.DeltaClear.
//
// Any other member operation (a filter on display or type, a path such as
// members[value eq "x"].display, add or replace through a filter) needs
// the member list: Members then returns p, nil, false and the store must
// load the members and call Apply. ok is also false when attr is not a
// multi-valued complex attribute with "value" and "$ref".
//
// Deltas are idempotent: adding a present member or removing an absent
// one changes nothing, exactly as Apply does. Members never reads a
// resource, so its cost does not depend on the size of the group.
func (p *Patch) Members(attr string) (rest *Patch, deltas []schema.MemberDelta, ok bool) {
	ref, found := p.rt.LookupPath(attr)
	if !found || ref.Sub != nil || !ref.Attr.MultiValued || !refList(ref.Attr) {
		return p, nil, false
	}
	a := ref.Attr
	var others []*operation
	for _, o := range p.ops {
		if o.tgt.whole != nil || o.tgt.ref.Attr != a {
			others = append(others, o)
			continue
		}
		d, ok := p.delta(a, o)
		if !ok {
			return p, nil, false
		}
		deltas = append(deltas, d...)
	}
	if len(others) == len(p.ops) {
		return p, nil, true
	}
	r := *p
	r.ops = others
	return &r, deltas, true
}

// delta converts one operation on the member attribute a.
func (p *Patch) delta(a *schema.Attribute, o *operation) ([]schema.MemberDelta, bool) {
	t := o.tgt
	if t.ref.Sub != nil {
		return nil, false
	}
	vals, _ := o.value.([]any)
	switch {
	case t.filtered:
		if o.kind != opRemove || !p.f.idempotentRemove {
			return nil, false
		}
		ids, ok := valueIDs(a, t.filter)
		if !ok {
			return nil, false
		}
		ms := make([]schema.Member, len(ids))
		for i, id := range ids {
			ms[i] = schema.Member{Value: id}
		}
		return []schema.MemberDelta{{Kind: schema.DeltaRemove, Members: ms}}, true
	case o.clear, o.kind == opRemove && !o.hasValue:
		return []schema.MemberDelta{{Kind: schema.DeltaClear}}, true
	case o.kind == opRemove:
		return nonEmpty(schema.DeltaRemove, toMembers(vals)), true
	case o.kind == opAdd:
		return nonEmpty(schema.DeltaAdd, toMembers(vals)), true
	}
	return append([]schema.MemberDelta{{Kind: schema.DeltaClear}}, nonEmpty(schema.DeltaAdd, toMembers(vals))...), true
}

func nonEmpty(k schema.DeltaKind, ms []schema.Member) []schema.MemberDelta {
	if len(ms) == 0 {
		return nil
	}
	return []schema.MemberDelta{{Kind: k, Members: ms}}
}

// toMembers converts decoded member values, dropping later duplicates of
// a value (Apply keeps the first too).
func toMembers(vals []any) []schema.Member { return schema.MembersOf(vals) }

// valueIDs returns the ids of a filter `value eq "x"` or an "or" of such
// comparisons on the caseExact "value" sub-attribute of a.
func valueIDs(a *schema.Attribute, e filter.Expr) ([]string, bool) {
	switch e := e.(type) {
	case *filter.Compare:
		sub := compareSub(a, e)
		id, isStr := e.Value.(string)
		if e.Op != filter.Eq || !isStr || sub == nil || sub.Name != "value" || !sub.CaseExact {
			return nil, false
		}
		return []string{id}, true
	case *filter.Logical:
		if e.Op != "or" {
			return nil, false
		}
		l, ok1 := valueIDs(a, e.Left)
		r, ok2 := valueIDs(a, e.Right)
		return append(l, r...), ok1 && ok2
	}
	return nil, false
}
