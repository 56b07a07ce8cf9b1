package memory

import (
	"context"
	"maps"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// Update implements store.Store. Apply runs under the store's write lock,
// exactly once per call.
func (s *Store) Update(ctx context.Context, tenant string, rt *schema.ResourceType, id string, u store.Update) (*schema.Resource, *store.Change, error) {
	if u.Apply == nil {
		u.Apply = func(cur *schema.Resource) (*schema.Resource, error) { return cur, nil }
	}
	var out *schema.Resource
	var change *store.Change
	err := s.tx(ctx, true, opName("update", rt, id), func(st *state) ([]store.Event, error) {
		td, t := st.table(tenant, rt, false)
		rec := t.get(id)
		if rec == nil {
			return nil, store.ErrNotFound
		}
		if err := checkVersion(rec, u.IfMatch); err != nil {
			return nil, err
		}
		up, err := st.prepare(td, t, rec, u)
		if err != nil {
			return nil, err
		}
		evs := st.commit(ctx, tenant, td, t, rec, up)
		out, change = up.result, &store.Change{Before: up.before, MembersAdded: up.added, MembersRemoved: up.removed}
		return evs, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, change, nil
}

// pending is an update computed but not yet written.
type pending struct {
	u               store.Update
	before, next    *schema.Resource
	oldAttrs, attrs map[string]any
	oldKeys, keys   []uniqueKey
	doc             string
	newMembers      []schema.Member
	result          *schema.Resource
	added, removed  []string
}

// prepare runs Apply and every check that can fail, without writing.
func (st *state) prepare(td *tenantData, t *table, rec *record, u store.Update) (*pending, error) {
	ti := t.info.Load()
	oldAttrs, err := st.dict.decodeAttrs(rec.doc)
	if err != nil {
		return nil, err
	}
	opts := store.ReadOptions{OmitMembers: !u.LoadMembers, OmitGroups: true}
	before := st.resource(td, t, rec, maps.Clone(oldAttrs), opts)
	cur := before.Clone()
	next, err := u.Apply(cur)
	if err != nil {
		return nil, err
	}
	if next == nil {
		return nil, errNilResult
	}
	attrs, members := splitAttrs(ti, next.Attrs)
	if attrs == nil {
		attrs = map[string]any{}
	}
	p := &pending{u: u, before: before, next: next, oldAttrs: oldAttrs, attrs: attrs,
		oldKeys: ti.uniqueKeys(nil, oldAttrs), keys: ti.uniqueKeys(nil, attrs)}
	if err := t.checkUnique(&st.dict, p.keys, rec); err != nil {
		return nil, err
	}
	if err := t.tombs.checkExt(ti.rt, rec.ext, next.ExternalID); err != nil {
		return nil, err
	}
	if p.doc, err = st.encode(ti.schemaMask(next), attrs); err != nil {
		return nil, err
	}
	if u.LoadMembers && ti.members != "" {
		p.newMembers = members
	}
	return p, nil
}

// commit writes a prepared update and returns its events.
func (st *state) commit(ctx context.Context, tenant string, td *tenantData, t *table, rec *record, p *pending) []store.Event {
	ti := t.info.Load()
	id := rec.id.String()
	ms := td.groups[id]
	given := map[string]string{}
	if ms != nil {
		var nc netChange
		if p.u.LoadMembers {
			st.replaceMembers(td, id, ms, p.newMembers, &nc, given)
		} else {
			for _, d := range p.u.MemberDeltas {
				for _, m := range d.Members {
					given[m.Value] = m.Type
				}
			}
			td.applyDeltas(st, id, ms, p.u.MemberDeltas, &nc)
		}
		p.added, p.removed = nc.result(ms)
	}
	changed := !sameDoc(rec, p.doc, p.next.ExternalID) || len(p.added)+len(p.removed) > 0
	now := st.nowMicro()
	if changed {
		t.unindex(rec, p.oldAttrs, p.oldKeys)
		rec.doc, rec.ext = p.doc, p.next.ExternalID
		rec.version++
		rec.modified = now.UnixMicro()
		t.index(rec, p.attrs, p.keys)
		if ms != nil {
			ms.name = nameOf(p.attrs, ti)
		}
	}
	opts := store.ReadOptions{OmitMembers: !p.u.LoadMembers}
	p.result = st.resource(td, t, rec, maps.Clone(p.attrs), opts)
	if !changed {
		return nil
	}
	e := store.Effect{Op: store.OpUpdate, Before: withoutDerived(p.before, ti), After: withoutDerived(p.result, ti),
		Version: rec.version, MembersAdded: p.added, MembersRemoved: p.removed}
	members := append(append([]string(nil), p.added...), p.removed...)
	e.MemberOf = td.memberTypes(members, given)
	return store.DeriveEvents(ctx, ti.rt, e, tenant, now)
}

// replaceMembers makes the membership of gid equal to want: members kept
// keep their position, new ones are appended in want's order.
func (st *state) replaceMembers(td *tenantData, gid string, ms *memberSet, want []schema.Member, nc *netChange, given map[string]string) {
	keep := make(map[string]bool, len(want))
	for _, m := range want {
		keep[m.Value] = true
		given[m.Value] = m.Type
	}
	for _, m := range ms.list() {
		if !keep[m.Value] {
			given[m.Value] = m.Type
			nc.touch(m.Value, true)
			td.removeMember(gid, ms, m.Value)
		}
	}
	for _, m := range want {
		if !ms.has(m.Value) {
			nc.touch(m.Value, false)
			td.addMember(st, gid, ms, m)
		}
	}
}
