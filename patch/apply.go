package patch

import (
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/scimkit/scimkit/schema"
)

// Apply applies p's operations in order (RFC 7644 §3.5.2) to a copy of r
// and validates the result with ResourceType.Validate(ModePatch, r, …).
// It is pure and atomic: r is never modified, and on any error it returns
// no resource, so a store can run it inside its update transaction and
// simply discard a failure. Errors are *schema.Error: noTarget,
// mutability, invalidValue, and whatever Validate reports.
//
// The returned resource is new, but the values of a large multi-valued
// attribute (such as the members of a big group) that the patch did not
// change are shared with r rather than copied, so that adding one member
// to a group of 100,000 stays cheap: treat both resources as read-only, or
// Clone before modifying. Its id, meta and
// the schemas of extensions it does not touch are those of r; "schemas"
// gains an extension URN when the patch adds the first attribute of that
// extension and loses it when the patch removes the last one.
func (p *Patch) Apply(r *schema.Resource) (*schema.Resource, *Summary, error) {
	if r == nil {
		return nil, nil, schema.ErrInternal.WithDetail("patch: Apply needs a resource")
	}
	s := newState(p, r)
	for _, o := range p.ops {
		if err := s.apply(o); err != nil {
			return nil, nil, err
		}
	}
	if err := s.syncSchemas(); err != nil {
		return nil, nil, err
	}
	out, err := s.validate()
	if err != nil {
		var se *schema.Error
		if !errors.As(err, &se) {
			err = schema.ErrInvalidValue.WithDetail("%v", err).WithCause(err)
		}
		return nil, nil, err
	}
	return out, s.summary(out), nil
}

// state is one Apply in progress. next starts as a shallow copy of prior;
// every write replaces a top-level value (or an extension container) with
// a new one, so nothing reachable from prior is ever modified.
type state struct {
	p       *Patch
	rt      *schema.ResourceType
	prior   *schema.Resource
	next    *schema.Resource
	owned   map[string]bool // extension containers already copied
	touched []schema.AttrRef
	members memberLog
	// fresh holds the complex values this Apply created in multi-valued
	// attributes; validate checks only those of big lists.
	fresh map[*schema.Attribute]*freshSet
	// appending is set while addValues writes: it only appends values or
	// changes them in place.
	appending bool
}

func newState(p *Patch, r *schema.Resource) *state {
	next := *r
	next.Schemas = slices.Clone(r.Schemas)
	next.Attrs = maps.Clone(r.Attrs)
	if next.Attrs == nil {
		next.Attrs = map[string]any{}
	}
	return &state{p: p, rt: p.rt, prior: r, next: &next, members: memberLog{attr: p.membersAttr()}}
}

func (s *state) apply(o *operation) error {
	switch {
	case o.clear:
		return s.remove(o, true)
	case o.kind == opAdd:
		return s.add(o)
	case o.kind == opReplace:
		return s.replace(o)
	}
	return s.remove(o, false)
}

// top returns ref without its sub-attribute.
func top(ref schema.AttrRef) schema.AttrRef {
	ref.Sub = nil
	return ref
}

// get returns the current value of ref's top-level attribute.
func (s *state) get(ref schema.AttrRef) (any, bool) {
	return s.next.Get(s.rt, top(ref))
}

// write sets ref's top-level attribute from old to nv (nil unassigns),
// enforcing mutability (RFC 7644 §3.5.2, RFC 7643 §7) and required
// attributes (RFC 7644 §3.5.2.2). Writing the value already there is a
// no-op, also for readOnly attributes.
func (s *state) write(o *operation, ref schema.AttrRef, old any, present bool, nv any) error {
	ref = top(ref)
	if l, ok := nv.([]any); ok && len(l) == 0 {
		nv = nil
	}
	if m, ok := nv.(map[string]any); ok && len(m) == 0 {
		nv = nil
	}
	if !present {
		old = nil
	}
	if equalExact(old, nv) {
		return nil
	}
	if err := checkMutability(o, ref, old, nv); err != nil {
		return err
	}
	if ref.IsExtension(s.rt) && !s.owned[ref.Schema.ID] {
		if m, ok := s.next.Attrs[ref.Schema.ID].(map[string]any); ok {
			s.next.Attrs[ref.Schema.ID] = maps.Clone(m)
		}
		if s.owned == nil {
			s.owned = map[string]bool{}
		}
		s.owned[ref.Schema.ID] = true
	}
	s.next.Set(s.rt, ref, nv)
	s.touch(ref)
	if f := s.fresh[ref.Attr]; f != nil && !s.appending {
		f.appendOnly = false // values may have been removed or replaced
	}
	return nil
}

func (s *state) touch(ref schema.AttrRef) {
	for _, t := range s.touched {
		if t.Attr == ref.Attr {
			return
		}
	}
	s.touched = append(s.touched, ref)
}

// checkMutability rejects a change of the top-level attribute ref from
// old to nv that its characteristics forbid.
func checkMutability(o *operation, ref schema.AttrRef, old, nv any) error {
	a := ref.Attr
	switch a.EffectiveMutability() {
	case schema.ReadOnly:
		return schema.ErrMutability.WithDetail("%s: %s is readOnly (RFC 7643 §7)", o.where(), ref)
	case schema.Immutable:
		if old != nil {
			return schema.ErrMutability.WithDetail("%s: %s is immutable and already has a value (RFC 7644 §3.5.2)", o.where(), ref)
		}
	}
	if nv == nil && a.Required {
		return schema.ErrMutability.WithDetail("%s: %s is required and cannot be removed (RFC 7644 §3.5.2.2)", o.where(), ref)
	}
	nm, ok := nv.(map[string]any)
	if a.MultiValued || !ok {
		return nil
	}
	om, _ := old.(map[string]any)
	return checkSubs(o, ref, om, nm)
}

// checkSubs enforces sub-attribute mutability between two versions of one
// complex value (a single-valued attribute, or one value of a multi-valued
// attribute changed in place).
func checkSubs(o *operation, ref schema.AttrRef, old, nv map[string]any) error {
	for _, sub := range ref.Attr.SubAttributes {
		ov, had := old[sub.Name]
		v, has := nv[sub.Name]
		if had == has && (!had || equalExact(ov, v)) {
			continue
		}
		switch sub.EffectiveMutability() {
		case schema.ReadOnly:
			return schema.ErrMutability.WithDetail("%s: %s.%s is readOnly (RFC 7643 §7)", o.where(), top(ref), sub.Name)
		case schema.Immutable:
			if had {
				return schema.ErrMutability.WithDetail("%s: %s.%s is immutable and already has a value (RFC 7644 §3.5.2)", o.where(), top(ref), sub.Name)
			}
		}
		if !has && sub.Required {
			return schema.ErrMutability.WithDetail("%s: %s.%s is required and cannot be removed", o.where(), top(ref), sub.Name)
		}
	}
	return nil
}

// syncSchemas lists an extension URN in "schemas" when the resource has
// attributes of it, and drops it when the patch removed the last one. A
// patch of "schemas" itself must keep the core schema URN (RFC 7643 §3).
func (s *state) syncSchemas() error {
	for _, e := range s.rt.Extensions {
		id := e.Schema.ID
		_, now := s.next.Attrs[id]
		_, before := s.prior.Attrs[id]
		i := slices.IndexFunc(s.next.Schemas, func(u string) bool { return strings.EqualFold(u, id) })
		switch {
		case now && i < 0:
			s.next.Schemas = append(s.next.Schemas, id)
		case !now && before && i >= 0:
			s.next.Schemas = slices.Delete(s.next.Schemas, i, i+1)
		}
	}
	for _, t := range s.touched {
		if t.Attr == schema.SchemasAttribute && !slices.ContainsFunc(s.next.Schemas, func(u string) bool { return strings.EqualFold(u, s.rt.Schema.ID) }) {
			return schema.ErrInvalidValue.WithDetail(`"schemas" must keep %q (RFC 7643 §3)`, s.rt.Schema.ID)
		}
	}
	return nil
}

// membersAttr returns the resource type's Group-style "members"
// attribute, nil when it has none.
func (p *Patch) membersAttr() *schema.Attribute {
	a := p.rt.Schema.Attribute("members")
	if a == nil || !a.MultiValued || !refList(a) {
		return nil
	}
	return a
}
