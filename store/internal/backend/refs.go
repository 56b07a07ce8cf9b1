package backend

import (
	"context"
	"slices"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// Membership references (store/refs.go): RunCreate and RunUpdate resolve
// the member values a write adds, once, through WriteTx.Resolve, before
// anything is changed, and apply the write's store.RefPolicy to those that
// do not resolve.

// AllowedMemberTypes returns the resource type names the members
// attribute a allows its values to name: the referenceTypes of its "$ref"
// sub-attribute that are not "uri" or "external", else the canonical
// values of its "type" sub-attribute; nil means any type.
func AllowedMemberTypes(a *schema.Attribute) []string {
	if a == nil {
		return nil
	}
	var out []string
	if ref := a.Sub("$ref"); ref != nil {
		for _, t := range ref.ReferenceTypes {
			if t != "uri" && t != "external" {
				out = append(out, t)
			}
		}
	}
	if len(out) == 0 {
		if typ := a.Sub("type"); typ != nil {
			out = slices.Clone(typ.CanonicalValues)
		}
	}
	return out
}

// refCheck resolves the member values one write adds.
type refCheck struct {
	attr    string            // the members attribute's name
	group   string            // the group's id: never its own member
	allowed []string          // AllowedMemberTypes; nil: any
	types   map[string]string // value → resource type, of the values that resolve (stored type of those held)
	dropped []string
}

func newRefCheck(a *schema.Attribute, group string) *refCheck {
	return &refCheck{attr: a.Name, group: group, allowed: AllowedMemberTypes(a), types: map[string]string{}}
}

// resolve looks up, through tx, the distinct values of ms not yet looked
// up. It is called once per write, before any change.
func (c *refCheck) resolve(ctx context.Context, tx WriteTx, ms []schema.Member) error {
	ids := DistinctValues(ms, c.group)
	if len(ids) == 0 {
		return nil
	}
	types, err := tx.Resolve(ctx, ids)
	if err != nil {
		return err
	}
	for id, t := range types {
		if c.allowed == nil || slices.Contains(c.allowed, t) {
			c.types[id] = t
		}
	}
	return nil
}

// keep returns the members of ms that resolve, each with the type it
// resolved to (the type stored with the membership, whatever "type" the
// client sent), and notes the others.
func (c *refCheck) keep(ms []schema.Member) []schema.Member {
	var out []schema.Member
	for _, m := range ms {
		if t, ok := c.types[m.Value]; ok || m.Value == "" {
			if ok {
				m.Type = t
			}
			out = append(out, m)
		} else if !slices.Contains(c.dropped, m.Value) {
			c.dropped = append(c.dropped, m.Value)
		}
	}
	return out
}

// settle applies the write's RefPolicy to what keep dropped: an
// *UnresolvedError under RejectUnresolved, else a report.
func (c *refCheck) settle(ctx context.Context) error {
	policy, report := store.RefPolicyFrom(ctx)
	if len(c.dropped) > 0 && policy == store.RejectUnresolved {
		return &store.UnresolvedError{Attr: c.attr, Values: c.dropped, Types: c.allowed}
	}
	if report != nil {
		report.Dropped = slices.Clone(c.dropped)
	}
	return nil
}

// resolveMembers returns the members of ms that resolve, for a create of
// group id, or the error of store.RejectUnresolved.
func resolveMembers(ctx context.Context, tx WriteTx, a *schema.Attribute, id string, ms []schema.Member) ([]schema.Member, error) {
	c := newRefCheck(a, id)
	if err := c.resolve(ctx, tx, ms); err != nil {
		return nil, err
	}
	kept := c.keep(ms)
	return kept, c.settle(ctx)
}

// resolveDeltas returns ds with the added members that do not resolve
// left out, or the error of store.RejectUnresolved.
func resolveDeltas(ctx context.Context, tx WriteTx, a *schema.Attribute, id string, ds []schema.MemberDelta) ([]schema.MemberDelta, error) {
	adds := addedMembers(ds)
	c := newRefCheck(a, id)
	if len(adds) == 0 {
		return ds, c.settle(ctx) // reports that nothing was left out
	}
	if err := c.resolve(ctx, tx, adds); err != nil {
		return nil, err
	}
	out := make([]schema.MemberDelta, len(ds))
	for i, d := range ds {
		out[i] = d
		if d.Kind == schema.DeltaAdd {
			out[i].Members = c.keep(d.Members)
		}
	}
	return out, c.settle(ctx)
}

// resolveNew is resolveMembers for a member list replacement (an Update
// with LoadMembers): only the values of want that group id does not hold
// yet (had) are looked up; members it holds were resolved when added, and
// a Delete removes the memberships of what it deletes, so they keep the
// type stored with them (a client cannot change it).
func resolveNew(ctx context.Context, tx WriteTx, a *schema.Attribute, id string, had, want []schema.Member) ([]schema.Member, error) {
	held := make(map[string]string, len(had))
	for _, m := range had {
		held[m.Value] = m.Type
	}
	c := newRefCheck(a, id)
	var fresh []schema.Member
	for _, m := range want {
		if t, ok := held[m.Value]; ok {
			c.types[m.Value] = t
		} else {
			fresh = append(fresh, m)
		}
	}
	if err := c.resolve(ctx, tx, fresh); err != nil {
		return nil, err
	}
	kept := c.keep(want)
	return kept, c.settle(ctx)
}

// addedMembers returns the members the add deltas of ds add, in order.
func addedMembers(ds []schema.MemberDelta) []schema.Member {
	var adds []schema.Member
	for _, d := range ds {
		if d.Kind == schema.DeltaAdd {
			adds = append(adds, d.Members...)
		}
	}
	return adds
}

// DistinctValues returns the distinct values of ms in order, without
// empty values and except (a reference check of a group looks up all
// but the group's own id).
func DistinctValues(ms []schema.Member, except string) []string {
	var ids []string
	seen := make(map[string]bool, len(ms))
	for _, m := range ms {
		if m.Value != "" && m.Value != except && !seen[m.Value] {
			seen[m.Value] = true
			ids = append(ids, m.Value)
		}
	}
	return ids
}

// AddedValues returns the values an update of group with the member
// deltas ds resolves (WriteTx.Resolve), in order: a backend that reads
// them ahead, with its row lock, passes them to Resolve's check.
func AddedValues(ds []schema.MemberDelta, group string) []string {
	return DistinctValues(addedMembers(ds), group)
}
