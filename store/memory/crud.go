package memory

import (
	"context"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// newID returns a fresh random id not used in t: id, drawn by the caller
// before it took the write lock, or else a new one (collisions of random
// UUIDs do not happen, but ids are never reused, so check).
func newID(t *table, id string) (uuid, string) {
	for {
		u, ok := parseUUID(id)
		if _, taken := t.byID[u]; ok && !taken && !t.tombs.has(id) {
			return u, id
		}
		id = store.NewID()
	}
}

func nameOf(attrs map[string]any, ti *typeInfo) string {
	if ti.displayName.Attr == nil {
		return ""
	}
	s, _ := attrs[ti.displayName.Attr.Name].(string)
	return s
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
				return &store.ConflictError{Attr: u.path}
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
	err := s.txOn(ctx, false, opName("get", rt, id), func(st *state) ([]store.Event, error) {
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
	attrs = st.derived(td, ti, id, attrs, opts)
	return &schema.Resource{ID: id, ExternalID: rec.ext, Schemas: ti.schemas(docMask(rec.doc)), Attrs: attrs,
		Meta: schema.Meta{ResourceType: ti.rt.Name, Created: rec.createdTime(), LastModified: rec.modifiedTime(), Version: backend.FormatVersion(rec.version)}}
}

// derived adds the members and groups of the resource id to attrs (made
// when nil and something is added), per opts.
func (st *state) derived(td *tenantData, ti *typeInfo, id string, attrs map[string]any, opts store.ReadOptions) map[string]any {
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
	return attrs
}

// put sets attrs[k] = v, making attrs when it is nil.
func put(attrs map[string]any, k string, v any) map[string]any {
	if attrs == nil {
		attrs = map[string]any{}
	}
	attrs[k] = v
	return attrs
}
