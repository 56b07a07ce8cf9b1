package memory

import (
	"context"
	"maps"
	"slices"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// writer is the I/O of one write (backend.WriteTx) under the store's write
// lock; the algorithm itself is backend.RunCreate, RunUpdate and RunDelete.
// The memory store has no rollback, so every check that can fail happens
// in Check, and the methods after it cannot fail.
type writer struct {
	st  *state
	td  *tenantData
	t   *table
	ti  *typeInfo
	rec *record // nil until Put inserts it (create)
	// oldAttrs and oldKeys are what rec is indexed under (updates).
	oldAttrs map[string]any
	oldKeys  []uniqueKey
	// doc and keys are the encoding and unique keys Check computed for Put.
	doc  string
	keys []uniqueKey
	evs  []store.Event
}

var _ backend.WriteTx = (*writer)(nil)

func (w *writer) set(id string) *memberSet { return w.td.groups[id] }

func (w *writer) Members(_ context.Context, id string) ([]schema.Member, error) {
	ms := w.set(id)
	if ms == nil {
		return nil, nil
	}
	list := ms.list()
	out := make([]schema.Member, len(list))
	for i, m := range list {
		out[i] = m.Member
	}
	return out, nil
}

func (w *writer) Groups(_ context.Context, id string) ([]any, error) { return w.td.groupsAttr(id), nil }

// Resolve looks ids up in every table of the tenant; the store's write
// lock keeps what it finds until the write ends.
func (w *writer) Resolve(_ context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	for _, id := range ids {
		if t := w.resourceType(id); t != "" {
			out[id] = t
		}
	}
	return out, nil
}

// resourceType returns the type name of the resource id of the tenant, or
// "".
func (w *writer) resourceType(id string) string {
	if ms := w.td.groups[id]; ms != nil {
		return ms.typ
	}
	for name, t := range w.td.tables {
		if t.get(id) != nil {
			return name
		}
	}
	return ""
}

// Check verifies uniqueness and reserved externalIds and encodes the
// document, so that Put cannot fail.
func (w *writer) Check(_ context.Context, d *backend.Doc, prev *backend.Doc) error {
	r := d.Resource
	keys := w.ti.uniqueKeys(nil, r.Attrs)
	if err := w.t.checkUnique(&w.st.dict, keys, w.rec); err != nil {
		return err
	}
	old := ""
	if prev != nil {
		old = prev.Resource.ExternalID
	}
	if err := w.t.tombs.checkExt(w.ti.rt, old, r.ExternalID); err != nil {
		return err
	}
	doc, err := w.st.encode(w.ti.schemaMask(r), r.Attrs)
	if err != nil {
		return err
	}
	w.doc, w.keys = doc, keys
	return nil
}

func (w *writer) Put(_ context.Context, wr *backend.Written) error {
	if wr.Op == backend.OpCreate {
		u, _ := parseUUID(wr.ID)
		w.st.seq++
		w.rec = &record{id: u, ext: wr.Doc.Resource.ExternalID, seq: w.st.seq, version: 1,
			created: wr.Created.UnixMicro(), modified: wr.LastModified.UnixMicro(), doc: w.doc}
		w.t.insert(w.rec, wr.Doc.Resource.Attrs, w.keys)
		if w.ti.members != "" {
			w.td.groups[wr.ID] = newMemberSet(w.ti.rt.Name, nameOf(wr.Doc.Resource.Attrs, w.ti))
		}
		return nil
	}
	rec := w.rec
	if wr.Doc != nil {
		w.t.unindex(rec, w.oldAttrs, w.oldKeys)
		rec.doc, rec.ext = w.doc, wr.Doc.Resource.ExternalID
		w.t.index(rec, wr.Doc.Resource.Attrs, w.keys)
		if ms := w.set(wr.ID); ms != nil {
			ms.name = nameOf(wr.Doc.Resource.Attrs, w.ti)
		}
	}
	rec.version = wr.Version
	rec.modified = wr.LastModified.UnixMicro()
	return nil
}

func (w *writer) AddMembers(_ context.Context, id string, ms []schema.Member) ([]schema.Member, error) {
	set := w.set(id)
	var added []schema.Member
	for _, m := range ms {
		if w.td.addMember(w.st, id, set, m) {
			added = append(added, m) // m.Type is its resolved type (backend.WriteTx)
		}
	}
	return added, nil
}

func (w *writer) RemoveMembers(_ context.Context, id string, values []string) ([]schema.Member, error) {
	set := w.set(id)
	var removed []schema.Member
	for _, v := range values {
		i, ok := set.byValue[v]
		if !ok {
			continue
		}
		m := w.typed(set.order[i].Member)
		w.td.removeMember(id, set, v)
		removed = append(removed, m)
	}
	return removed, nil
}

func (w *writer) ClearMembers(_ context.Context, id string) ([]schema.Member, error) {
	set := w.set(id)
	var removed []schema.Member
	for _, m := range set.list() {
		removed = append(removed, w.typed(m.Member))
		w.td.removeMember(id, set, m.Value)
	}
	return removed, nil
}

func (w *writer) EditMembers(_ context.Context, id string, ms []schema.Member) error {
	set := w.set(id)
	for _, m := range ms {
		if i, ok := set.byValue[m.Value]; ok {
			set.order[i].Member = m
		}
	}
	return nil
}

// typed returns m with the type its membership change reports
// (backend.MemberType of its stored type).
func (w *writer) typed(m schema.Member) schema.Member {
	m.Type = backend.MemberType(m.Type)
	return m
}

func (w *writer) Remove(ctx context.Context, r *schema.Resource, _ int64) (members []schema.Member, left []string, err error) {
	id := r.ID
	if w.set(id) != nil {
		members, _ = w.ClearMembers(ctx, id) // typed while the group exists
		delete(w.td.groups, id)
	}
	rec := w.rec
	w.t.unindex(rec, w.oldAttrs, w.oldKeys)
	delete(w.t.byID, rec.id)
	w.t.order.remove(rec)
	for _, m := range slices.Clone(w.td.memberOf[id]) {
		if g := w.td.groups[m.group]; g != nil {
			w.td.removeMember(m.group, g, id)
			left = append(left, m.group)
		}
	}
	delete(w.td.memberOf, id)
	return members, left, nil
}

func (w *writer) Record(_ context.Context, evs []store.Event) error { w.evs = evs; return nil }

// load returns the writer and stored state of an existing resource.
func (st *state) load(tenant string, rt *schema.ResourceType, id string) (*writer, backend.Stored, error) {
	td, t := st.table(tenant, rt, false)
	rec := t.get(id)
	if rec == nil {
		return nil, backend.Stored{}, store.ErrNotFound
	}
	ti := t.info.Load()
	attrs, err := st.dict.decodeAttrs(rec.doc)
	if err != nil {
		return nil, backend.Stored{}, err
	}
	w := &writer{st: st, td: td, t: t, ti: ti, rec: rec, oldAttrs: attrs, oldKeys: ti.uniqueKeys(nil, attrs)}
	cur := st.resource(td, t, rec, maps.Clone(attrs), store.ReadOptions{OmitMembers: true, OmitGroups: true})
	return w, backend.Stored{Resource: cur, Version: rec.version}, nil
}

// Create implements store.Store (backend.RunCreate).
func (s *Store) Create(ctx context.Context, tenant string, rt *schema.ResourceType, r *schema.Resource) (*schema.Resource, error) {
	// Shaped, copied and given an id before the write lock is taken.
	p, err := backend.PrepareCreate(rt, r, false)
	if err != nil {
		return nil, err
	}
	drawn := store.NewID()
	var out *schema.Resource
	err = s.txOn(ctx, true, opName("create", rt, ""), func(st *state) ([]store.Event, error) {
		td, t := st.table(tenant, rt, true)
		w := &writer{st: st, td: td, t: t, ti: t.info.Load()}
		_, id := newID(t, drawn)
		var err error
		if out, err = backend.RunPrepared(ctx, w, tenant, p, id, st.now()); err != nil {
			return nil, err
		}
		return w.evs, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Update implements store.Store (backend.RunUpdate). Apply runs under the
// store's write lock, exactly once per call.
func (s *Store) Update(ctx context.Context, tenant string, rt *schema.ResourceType, id string, u store.Update) (*schema.Resource, *store.Change, error) {
	var out *schema.Resource
	var change *store.Change
	err := s.txOn(ctx, true, opName("update", rt, id), func(st *state) ([]store.Event, error) {
		w, cur, err := st.load(tenant, rt, id)
		if err != nil {
			return nil, err
		}
		if out, change, err = backend.RunUpdate(ctx, w, tenant, rt, cur, u, st.now()); err != nil {
			return nil, err
		}
		return w.evs, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, change, nil
}

// Delete implements store.Store (backend.RunDelete).
func (s *Store) Delete(ctx context.Context, tenant string, rt *schema.ResourceType, id string, ifMatch string) error {
	return s.delete(ctx, tenant, rt, id, ifMatch, false)
}

// delete is Delete, and DeleteWithTombstone when tomb is set.
func (s *Store) delete(ctx context.Context, tenant string, rt *schema.ResourceType, id, ifMatch string, tomb bool) error {
	return s.txOn(ctx, true, opName("delete", rt, id), func(st *state) ([]store.Event, error) {
		w, cur, err := st.load(tenant, rt, id)
		if err != nil {
			return nil, err
		}
		now := st.now()
		if err := backend.RunDelete(ctx, w, tenant, rt, cur, ifMatch, now); err != nil {
			return nil, err
		}
		if tomb {
			w.t.bury(rt, cur.Resource, backend.Timestamp(now))
		}
		return w.evs, nil
	})
}
