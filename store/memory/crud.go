package memory

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// Create implements store.Store.
func (s *Store) Create(ctx context.Context, tenant string, rt *schema.ResourceType, r *schema.Resource) (*schema.Resource, error) {
	var out *schema.Resource
	err := s.tx(ctx, true, opName("create", rt, ""), func(st *state) ([]store.Event, error) {
		td, t := st.table(tenant, rt, true)
		ti := t.info.Load()
		attrs, members := splitAttrs(ti, r.Attrs)
		var buf [4]uniqueKey
		keys := ti.uniqueKeys(buf[:0], attrs)
		if err := t.checkUnique(&st.dict, keys, nil); err != nil {
			return nil, err
		}
		if err := t.tombs.checkExt(rt, "", r.ExternalID); err != nil {
			return nil, err
		}
		doc, err := st.encode(ti.schemaMask(r), attrs)
		if err != nil {
			return nil, err
		}
		now := st.nowMicro()
		st.seq++
		uid, id := newID(t)
		rec := &record{id: uid, ext: r.ExternalID, seq: st.seq, version: 1,
			created: now.UnixMicro(), modified: now.UnixMicro(), doc: doc}
		t.insert(rec, attrs, keys)
		var added []string
		var given map[string]string
		if ti.members != "" {
			given = map[string]string{}
			ms := newMemberSet(rt.Name, nameOf(attrs, ti))
			td.groups[id] = ms
			for _, m := range members {
				if td.addMember(st, id, ms, m) {
					added = append(added, m.Value)
					given[m.Value] = m.Type
				}
			}
		}
		out = st.resource(td, t, rec, attrs, store.ReadOptions{})
		after := withoutDerived(out, ti)
		return store.DeriveEvents(ctx, rt, store.Effect{Op: store.OpCreate, After: after, Version: 1,
			MembersAdded: added, MemberOf: td.memberTypes(added, given)}, tenant, now), nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// newID returns a fresh random id not used in t (collisions of random
// UUIDs do not happen, but ids are never reused, so check).
func newID(t *table) (uuid, string) {
	for {
		id := store.NewID()
		u, ok := parseUUID(id)
		if _, taken := t.byID[u]; ok && !taken && !t.tombs.has(id) {
			return u, id
		}
	}
}

// splitAttrs returns the attributes to encode (without members and the
// derived groups) and, for member types, the members.
func splitAttrs(ti *typeInfo, in map[string]any) (map[string]any, []schema.Member) {
	if (ti.members == "" || in[ti.members] == nil) && (ti.groups == "" || in[ti.groups] == nil) {
		return in, nil
	}
	attrs := maps.Clone(in)
	var members []schema.Member
	if ti.members != "" {
		members = parseMembers(attrs[ti.members])
		delete(attrs, ti.members)
	}
	if ti.groups != "" {
		delete(attrs, ti.groups)
	}
	return attrs, members
}

func nameOf(attrs map[string]any, ti *typeInfo) string {
	if ti.displayName.Attr == nil {
		return ""
	}
	s, _ := attrs[ti.displayName.Attr.Name].(string)
	return s
}

// withoutDerived returns r without members and groups, for events.
func withoutDerived(r *schema.Resource, ti *typeInfo) *schema.Resource {
	if r.Attrs[ti.members] == nil && r.Attrs[ti.groups] == nil {
		return r
	}
	c := *r
	c.Attrs = maps.Clone(r.Attrs)
	delete(c.Attrs, ti.members)
	delete(c.Attrs, ti.groups)
	return &c
}

// checkUnique returns ErrConflict when a key is taken by a record other
// than self.
func (t *table) checkUnique(d *dict, keys []uniqueKey, self *record) error {
	for _, u := range keys {
		m := t.unique[u.path]
		if m == nil {
			continue
		}
		for _, other := range m.get(keyHash(u.key)) {
			if other == self {
				continue
			}
			taken, err := t.hasKey(d, other, u)
			if err != nil {
				return err
			}
			if taken {
				return fmt.Errorf("%s %q is already in use: %w", u.path, u.key, store.ErrConflict)
			}
		}
	}
	return nil
}

// hasKey reports whether rec's key for u.path is u.key (and not just of
// the same hash).
func (t *table) hasKey(d *dict, rec *record, u uniqueKey) (bool, error) {
	attrs, err := d.decodeAttrs(rec.doc)
	if err != nil {
		return false, err
	}
	var buf [4]uniqueKey
	for _, k := range t.info.Load().uniqueKeys(buf[:0], attrs) {
		if k.path == u.path {
			return k.key == u.key, nil
		}
	}
	return false, nil
}

func (t *table) insert(rec *record, attrs map[string]any, keys []uniqueKey) {
	t.byID[rec.id] = rec
	t.index(rec, attrs, keys)
	t.order.push(rec)
}

func (t *table) index(rec *record, attrs map[string]any, keys []uniqueKey) {
	for _, u := range keys {
		m := t.unique[u.path]
		if m == nil {
			m = &multiIndex{}
			t.unique[u.path] = m
		}
		m.add(keyHash(u.key), rec)
	}
	if rec.ext != "" {
		t.byExt.add(keyHash(rec.ext), rec)
	}
	if k, ok := t.info.Load().nameKey(attrs); ok {
		t.byName.add(keyHash(k), rec)
	}
}

func (t *table) unindex(rec *record, attrs map[string]any, keys []uniqueKey) {
	for _, u := range keys {
		if m := t.unique[u.path]; m != nil {
			m.remove(keyHash(u.key), rec)
		}
	}
	if rec.ext != "" {
		t.byExt.remove(keyHash(rec.ext), rec)
	}
	if k, ok := t.info.Load().nameKey(attrs); ok {
		t.byName.remove(keyHash(k), rec)
	}
}

// Get implements store.Store.
func (s *Store) Get(ctx context.Context, tenant string, rt *schema.ResourceType, id string, opts store.ReadOptions) (*schema.Resource, error) {
	var out *schema.Resource
	err := s.tx(ctx, false, opName("get", rt, id), func(st *state) ([]store.Event, error) {
		td, t := st.table(tenant, rt, false)
		rec := t.get(id)
		if rec == nil {
			return nil, store.ErrNotFound
		}
		attrs, err := st.dict.decodeAttrs(rec.doc)
		if err != nil {
			return nil, err
		}
		out = st.resource(td, t, rec, attrs, opts)
		return nil, nil
	})
	return out, err
}

func (t *table) get(id string) *record {
	if t == nil {
		return nil
	}
	u, ok := parseUUID(id)
	if !ok {
		return nil
	}
	return t.byID[u]
}

// resource builds the representation of rec from its decoded attrs (which
// it takes ownership of), adding members and groups per opts. attrs may be
// nil (a resource of ListEncoded): Attrs then holds only what is added.
func (st *state) resource(td *tenantData, t *table, rec *record, attrs map[string]any, opts store.ReadOptions) *schema.Resource {
	ti := t.info.Load()
	id := rec.id.String()
	if ti.members != "" && !opts.OmitMembers {
		if ms := td.groups[id]; ms != nil {
			if v := membersAttr(ms.list()); v != nil {
				attrs = put(attrs, ti.members, v)
			}
		}
	}
	if ti.groups != "" && !opts.OmitGroups {
		if v := td.groupsAttr(id); v != nil {
			attrs = put(attrs, ti.groups, v)
		}
	}
	return &schema.Resource{ID: id, ExternalID: rec.ext, Schemas: ti.schemas(docMask(rec.doc)), Attrs: attrs,
		Meta: schema.Meta{ResourceType: ti.rt.Name, Created: rec.createdTime(), LastModified: rec.modifiedTime(), Version: store.FormatVersion(rec.version)}}
}

// put sets attrs[k] = v, making attrs when it is nil.
func put(attrs map[string]any, k string, v any) map[string]any {
	if attrs == nil {
		attrs = map[string]any{}
	}
	attrs[k] = v
	return attrs
}

// checkVersion implements If-Match (RFC 7644 §3.14).
func checkVersion(rec *record, ifMatch string) error {
	if ifMatch == "" || ifMatch == "*" {
		return nil
	}
	if v, ok := store.ParseVersion(ifMatch); !ok || v != rec.version {
		return fmt.Errorf("If-Match %s, current version %s: %w", ifMatch, store.FormatVersion(rec.version), store.ErrPrecondition)
	}
	return nil
}

// Delete implements store.Store.
func (s *Store) Delete(ctx context.Context, tenant string, rt *schema.ResourceType, id string, ifMatch string) error {
	return s.delete(ctx, tenant, rt, id, ifMatch, false)
}

// delete is Delete, and DeleteWithTombstone when tomb is set.
func (s *Store) delete(ctx context.Context, tenant string, rt *schema.ResourceType, id, ifMatch string, tomb bool) error {
	return s.tx(ctx, true, opName("delete", rt, id), func(st *state) ([]store.Event, error) {
		td, t := st.table(tenant, rt, false)
		rec := t.get(id)
		if rec == nil {
			return nil, store.ErrNotFound
		}
		if err := checkVersion(rec, ifMatch); err != nil {
			return nil, err
		}
		attrs, err := st.dict.decodeAttrs(rec.doc)
		if err != nil {
			return nil, err
		}
		before := st.resource(td, t, rec, maps.Clone(attrs), store.ReadOptions{OmitMembers: true, OmitGroups: true})
		var buf [4]uniqueKey
		t.unindex(rec, attrs, t.info.Load().uniqueKeys(buf[:0], attrs))
		delete(t.byID, rec.id)
		t.order.remove(rec)
		e := store.Effect{Op: store.OpDelete, Before: before, Version: rec.version}
		if ms := td.groups[id]; ms != nil {
			given := map[string]string{}
			for _, m := range ms.list() {
				td.removeMember(id, ms, m.Value)
				e.MembersRemoved = append(e.MembersRemoved, m.Value)
				given[m.Value] = m.Type
			}
			e.MemberOf = td.memberTypes(e.MembersRemoved, given)
			delete(td.groups, id)
		}
		for _, m := range slices.Clone(td.memberOf[id]) {
			if g := td.groups[m.group]; g != nil {
				td.removeMember(m.group, g, id)
				e.GroupsLeft = append(e.GroupsLeft, m.group)
			}
		}
		delete(td.memberOf, id)
		now := st.nowMicro()
		if tomb {
			t.bury(rt, before, now)
		}
		return store.DeriveEvents(ctx, rt, e, tenant, now), nil
	})
}

var errNilResult = errors.New("Update.Apply returned no resource")

// sameDoc reports whether an update leaves the stored state unchanged.
func sameDoc(rec *record, doc, ext string) bool {
	return rec.doc == doc && rec.ext == ext
}
