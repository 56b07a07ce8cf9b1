package backend

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// WriteTx is the I/O of one write, inside one backend transaction that
// holds the resource exclusively (a row lock, a write lock). The algorithm
// calls Members first, Resolve (once, when the write adds members) and
// Check before any change, the membership methods once per member delta,
// then Put, and Record last (Groups only reads);
// an error aborts the write, and the backend rolls back everything the
// transaction did.
//
// Backends without transactions (the memory store) must make every method
// after Check infallible: Check is the last point at which a write may
// fail.
type WriteTx interface {
	// Members returns the members of the group id in order, as this write
	// has left them so far (called for types with a membership index, when
	// an Update loads or returns members).
	Members(ctx context.Context, id string) ([]schema.Member, error)
	// Groups returns the derived "groups" attribute value of the member id
	// (RFC 7643 §4.1.2), or nil.
	Groups(ctx context.Context, id string) ([]any, error)
	// Resolve returns the resource type name of each of ids (distinct)
	// that names a resource of the write's tenant, of any type; the others
	// are absent from the map. The resources it reports must stay until
	// the write commits (the write lock; a shared row lock), so that a
	// concurrent Delete cannot leave the write adding a member that no
	// longer exists (see refs.go and store/refs.go).
	Resolve(ctx context.Context, ids []string) (map[string]string, error)
	// Check verifies, before anything is written, that d can be stored:
	// its unique values are free in the tenant and type (else an error
	// wrapping ErrConflict, see ConflictError) and its externalId is not
	// reserved by a tombstone. prev is the stored document it replaces,
	// nil for a create. Backends that enforce these in Put may do nothing.
	Check(ctx context.Context, d *Doc, prev *Doc) error
	// Put stores a resource: inserts it (w.Op == OpCreate) or rewrites its
	// row (OpUpdate; w.Doc nil when only the version and lastModified
	// change, as after a member-only change).
	Put(ctx context.Context, w *Written) error
	// AddMembers adds to group id the members of ms not present yet, in
	// order, and returns those it added. Each member of ms carries the
	// type its value resolved to (Resolve), which is the type to store
	// and the one its change reports: AddMembers looks nothing up.
	AddMembers(ctx context.Context, id string, ms []schema.Member) ([]schema.Member, error)
	// RemoveMembers removes from group id the listed values that are
	// present and returns the members it removed, each with its stored
	// type (MemberType) and display: it looks nothing up.
	RemoveMembers(ctx context.Context, id string, values []string) ([]schema.Member, error)
	// ClearMembers removes every member of group id and returns them, each
	// with its stored type (MemberType) and display.
	ClearMembers(ctx context.Context, id string) ([]schema.Member, error)
	// EditMembers rewrites the type and display of members of group id
	// that are present.
	EditMembers(ctx context.Context, id string, ms []schema.Member) error
	// Remove deletes the resource r (a Delete): its own members first
	// (returned with their types, for a group, as ClearMembers), then its
	// memberships in other groups (the groups it left, in joining order),
	// its row and unique values.
	Remove(ctx context.Context, r *schema.Resource, version int64) (members []schema.Member, groupsLeft []string, err error)
	// Record records the events of the write in the outbox. It is called
	// last, once, and only when the write changed something.
	Record(ctx context.Context, evs []store.Event) error
}

// MemberType is the rule for the type a membership change reports for a
// member (it decides which members get user.groups_changed events): the
// type stored with the membership, which is the type its value resolved
// to when it was added (Resolve; SQLite migration 0015 and PostgreSQL
// 0031 set it on memberships stored before), else "User".
func MemberType(stored string) string {
	if stored != "" {
		return stored
	}
	return "User"
}

// Written is what Put stores.
type Written struct {
	// Op is OpCreate or OpUpdate.
	Op Op
	// ID is the resource's id.
	ID string
	// Doc is the stored form of the resource; nil on an update that
	// changed only the membership (version and lastModified still move).
	Doc *Doc
	// Prev is the stored form the update replaces (nil for OpCreate).
	Prev *Doc
	// Version is the resource's new version (1 for a create).
	Version int64
	// Created and LastModified are the resource's meta times, already at
	// the stored precision (Timestamp).
	Created, LastModified time.Time
}

// Stored is the state of a resource as a backend loaded it for a write.
type Stored struct {
	// Resource holds id, externalId, schemas, meta and the stored
	// attributes, without the members and groups kept in the membership
	// index.
	Resource *schema.Resource
	// Version is the stored version number.
	Version int64
}

// Timestamp returns t at the precision scimkit stores and reports times:
// UTC, whole milliseconds, exactly what schema.FormatDateTime writes, so a
// client that filters on a meta time it was given finds the resource.
func Timestamp(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// checkIfMatch compares an If-Match value (RFC 7644 §3.14) with the stored
// version: "" and "*" match any existing resource; anything else must name
// the version (W/"n", "n" or n). A mismatch wraps ErrPrecondition.
func checkIfMatch(ifMatch string, version int64) error {
	if ifMatch == "" || ifMatch == "*" {
		return nil
	}
	if v, ok := ParseVersion(ifMatch); ok && v == version {
		return nil
	}
	return fmt.Errorf("If-Match %s, stored version %s: %w", ifMatch, FormatVersion(version), store.ErrPrecondition)
}

// ApplyError carries an error returned by Update.Apply through a backend
// untouched: backends return it (wrapped with the operation) instead of
// mapping it as a driver error or retrying.
type ApplyError struct{ Err error }

func (e *ApplyError) Error() string { return e.Err.Error() }

// Unwrap returns the error Apply returned.
func (e *ApplyError) Unwrap() error { return e.Err }

// RunCreate is the create algorithm (RFC 7644 §3.3): it assigns the id and
// meta, stores the resource and its initial members through tx, and
// records the events. now is the backend's clock. It returns the resource
// as a Get with default ReadOptions would, the members it was given
// included.
func RunCreate(ctx context.Context, tx WriteTx, tenant string, rt *schema.ResourceType, r *schema.Resource, id string, now time.Time) (*schema.Resource, error) {
	p, err := PrepareCreate(rt, r, false)
	if err != nil {
		return nil, err
	}
	return RunPrepared(ctx, tx, tenant, p, id, now)
}

// Prepared is the stored form of a resource to create (PrepareCreate):
// what RunCreate computes before it needs the transaction.
type Prepared struct {
	rt      *schema.ResourceType
	res     *schema.Resource
	members []schema.Member
	doc     *Doc
	out     *schema.Resource // the result: a deep copy of res, made in advance
}

// PrepareCreate computes the stored form of r as RunCreate stores it,
// without store state (r is not modified) and, with encode, its JSON
// encodings (Doc.Data, Doc.Fold) too: a backend whose writes wait in one
// line (SQLite's one writer, the memory store's lock) calls it before it
// takes its place, so that concurrent creates copy and encode in parallel,
// and then runs RunPrepared in the transaction. A Prepared may be run
// again if its transaction did not commit, not concurrently.
func PrepareCreate(rt *schema.ResourceType, r *schema.Resource, encode bool) (*Prepared, error) {
	res, members := ShapeOf(rt).split(rt, r, nil)
	p := &Prepared{rt: rt, res: res, members: members, doc: newDoc(rt, res), out: res.Clone()}
	if encode {
		if _, err := p.doc.Data(); err != nil {
			return nil, err
		}
		if _, err := p.doc.Fold(); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// RunPrepared is RunCreate of a resource PrepareCreate prepared.
func RunPrepared(ctx context.Context, tx WriteTx, tenant string, p *Prepared, id string, now time.Time) (*schema.Resource, error) {
	rt, res, members, doc := p.rt, p.res, p.members, p.doc
	shape := ShapeOf(rt)
	res.ID = id
	now = Timestamp(now)
	res.Meta = schema.Meta{ResourceType: rt.Name, Created: now, LastModified: now, Version: FormatVersion(1)}
	if shape.Members != nil {
		var err error
		if members, err = resolveMembers(ctx, tx, shape.Members, id, members); err != nil {
			return nil, err
		}
	}
	if err := tx.Check(ctx, doc, nil); err != nil {
		return nil, err
	}
	if err := tx.Put(ctx, &Written{Op: OpCreate, ID: id, Doc: doc, Version: 1, Created: now, LastModified: now}); err != nil {
		return nil, err
	}
	var added []schema.Member
	if len(members) > 0 {
		var err error
		if added, err = tx.AddMembers(ctx, id, members); err != nil {
			return nil, err
		}
	}
	ids, memberOf := memberIDs(added)
	evs := DeriveEvents(ctx, rt, Effect{Op: OpCreate, After: res, Version: 1, MembersAdded: ids, MemberOf: memberOf}, tenant, now)
	if err := tx.Record(ctx, evs); err != nil {
		return nil, err
	}
	// The result was copied by PrepareCreate, outside the backend's line.
	out := p.out
	out.ID, out.Meta = res.ID, res.Meta
	if shape.Members != nil {
		delete(out.Attrs, shape.Members.Name) // a run before this one may have set it
		if len(members) > 0 {
			out.Attrs[shape.Members.Name] = schema.MemberValues(members)
		}
	}
	return out, nil
}

// RunUpdate is the read-modify-write of Store.Update (RFC 7644 §3.5.1,
// §3.5.2) on the state cur a backend loaded and locked: If-Match, Apply,
// member deltas or a member list replacement, change detection on the
// stored form (Doc), version and lastModified, events. An update that
// changes nothing keeps the version and lastModified and records no
// events. now is the backend's clock.
func RunUpdate(ctx context.Context, tx WriteTx, tenant string, rt *schema.ResourceType, cur Stored, u store.Update, now time.Time) (*schema.Resource, *store.Change, error) {
	if u.Apply == nil {
		return nil, nil, errors.New("Update.Apply is nil")
	}
	if u.LoadMembers && len(u.MemberDeltas) > 0 {
		return nil, nil, errors.New("MemberDeltas must be empty when LoadMembers is set")
	}
	if err := checkIfMatch(u.IfMatch, cur.Version); err != nil {
		return nil, nil, err
	}
	shape := ShapeOf(rt)
	before := cur.Resource
	id := before.ID
	in := before.Clone()
	var had []schema.Member
	loaded := shape.Members != nil && u.LoadMembers
	if loaded {
		var err error
		if had, err = tx.Members(ctx, id); err != nil {
			return nil, nil, err
		}
		if len(had) > 0 {
			in.Attrs[shape.Members.Name] = schema.MemberValues(had)
		}
	}
	applied, err := u.Apply(in)
	if err != nil {
		return nil, nil, &ApplyError{err}
	}
	if applied == nil {
		return nil, nil, &ApplyError{errors.New("Update.Apply returned no resource")}
	}
	next, want := shape.split(rt, applied, before.Schemas)
	next.ID, next.Meta = id, before.Meta
	deltas := u.MemberDeltas
	if shape.Members != nil {
		if loaded {
			want, err = resolveNew(ctx, tx, shape.Members, id, had, want)
		} else {
			deltas, err = resolveDeltas(ctx, tx, shape.Members, id, deltas)
		}
		if err != nil {
			return nil, nil, err
		}
	}
	prev, doc := newDoc(rt, before), newDoc(rt, next)
	docChanged, err := doc.differs(prev)
	if err != nil {
		return nil, nil, err
	}
	if docChanged {
		if err := tx.Check(ctx, doc, prev); err != nil {
			return nil, nil, err
		}
	}
	var net netMembers
	var final []schema.Member
	edited := false
	if shape.Members != nil {
		if loaded {
			final, edited, err = replaceMembers(ctx, tx, id, had, want, &net)
		} else {
			err = applyDeltas(ctx, tx, id, deltas, &net)
		}
		if err != nil {
			return nil, nil, err
		}
	}
	if shape.Members != nil && !loaded && u.ReturnMembers {
		// Read here, before Put and Record: nothing changes the membership
		// after this point, and Record stays the write's last statement.
		if final, err = tx.Members(ctx, id); err != nil {
			return nil, nil, err
		}
	}
	added, removed := net.result()
	change := &store.Change{Before: before, MembersAdded: added, MembersRemoved: removed}
	if len(had) > 0 {
		change.Before = before.Clone()
		change.Before.Attrs[shape.Members.Name] = schema.MemberValues(had)
	}
	if docChanged || edited || net.redisplayed() || len(added)+len(removed) > 0 {
		version := cur.Version + 1
		lm := Timestamp(now)
		if lm.Before(before.Meta.LastModified) {
			lm = before.Meta.LastModified // a clock that went back never makes lastModified go back
		}
		next.Meta = schema.Meta{ResourceType: rt.Name, Created: before.Meta.Created, LastModified: lm, Version: FormatVersion(version)}
		w := &Written{Op: OpUpdate, ID: id, Prev: prev, Version: version, Created: before.Meta.Created, LastModified: lm}
		if docChanged {
			w.Doc = doc
		}
		if err := tx.Put(ctx, w); err != nil {
			return nil, nil, err
		}
		evs := DeriveEvents(ctx, rt, Effect{Op: OpUpdate, Before: before, After: next, Version: version,
			MembersAdded: added, MembersRemoved: removed, MemberOf: net.types}, tenant, lm)
		if err := tx.Record(ctx, evs); err != nil {
			return nil, nil, err
		}
	}
	out := next.Clone()
	if shape.Groups != nil {
		groups, err := tx.Groups(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		if len(groups) > 0 {
			out.Attrs[shape.Groups.Name] = groups
		}
	}
	if len(final) > 0 {
		out.Attrs[shape.Members.Name] = schema.MemberValues(final)
	}
	return out, change, nil
}

// RunDelete is the delete algorithm (RFC 7644 §3.6) on the state cur a
// backend loaded and locked: If-Match, removal through tx, events.
func RunDelete(ctx context.Context, tx WriteTx, tenant string, rt *schema.ResourceType, cur Stored, ifMatch string, now time.Time) error {
	if err := checkIfMatch(ifMatch, cur.Version); err != nil {
		return err
	}
	members, left, err := tx.Remove(ctx, cur.Resource, cur.Version)
	if err != nil {
		return err
	}
	ids, memberOf := memberIDs(members)
	evs := DeriveEvents(ctx, rt, Effect{Op: OpDelete, Before: cur.Resource, Version: cur.Version,
		MembersRemoved: ids, MemberOf: memberOf, GroupsLeft: left}, tenant, Timestamp(now))
	return tx.Record(ctx, evs)
}

// memberIDs returns the values of ms and their types (MemberType applied).
func memberIDs(ms []schema.Member) ([]string, map[string]string) {
	if len(ms) == 0 {
		return nil, nil
	}
	ids := make([]string, len(ms))
	types := make(map[string]string, len(ms))
	for i, m := range ms {
		ids[i], types[m.Value] = m.Value, MemberType(m.Type)
	}
	return ids, types
}

// replaceMembers makes the member list of group id equal to want (an
// Update with LoadMembers): members no longer listed are removed, new ones
// appended in want's order, and kept members whose type or display changed
// are rewritten. It returns the resulting list (kept members in their
// place, new ones appended) and whether a kept member was edited.
func replaceMembers(ctx context.Context, tx WriteTx, id string, had, want []schema.Member, net *netMembers) ([]schema.Member, bool, error) {
	wantBy := make(map[string]schema.Member, len(want))
	for _, m := range want {
		wantBy[m.Value] = m
	}
	hadBy := make(map[string]bool, len(had))
	var remove []string
	var edit, final []schema.Member
	for _, m := range had {
		hadBy[m.Value] = true
		w, ok := wantBy[m.Value]
		switch {
		case !ok:
			remove = append(remove, m.Value)
		case w != m:
			edit = append(edit, w)
			final = append(final, w)
		default:
			final = append(final, m)
		}
	}
	var add []schema.Member
	for _, m := range want {
		if !hadBy[m.Value] {
			add = append(add, m)
		}
	}
	if err := net.remove(ctx, tx, id, remove); err != nil {
		return nil, false, err
	}
	if err := net.add(ctx, tx, id, add); err != nil {
		return nil, false, err
	}
	if len(edit) > 0 {
		if err := tx.EditMembers(ctx, id, edit); err != nil {
			return nil, false, err
		}
	}
	return append(final, add...), len(edit) > 0, nil
}

// applyDeltas applies member deltas to group id in order.
func applyDeltas(ctx context.Context, tx WriteTx, id string, ds []schema.MemberDelta, net *netMembers) error {
	for _, d := range ds {
		var err error
		switch d.Kind {
		case schema.DeltaAdd:
			err = net.add(ctx, tx, id, distinct(d.Members))
		case schema.DeltaRemove:
			values := make([]string, 0, len(d.Members))
			for _, m := range distinct(d.Members) {
				values = append(values, m.Value)
			}
			err = net.remove(ctx, tx, id, values)
		case schema.DeltaClear:
			var gone []schema.Member
			if gone, err = tx.ClearMembers(ctx, id); err == nil {
				for _, m := range gone {
					net.note(m, true, false)
				}
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// distinct returns ms without empty values and later duplicates.
func distinct(ms []schema.Member) []schema.Member {
	seen := make(map[string]bool, len(ms))
	out := make([]schema.Member, 0, len(ms))
	for _, m := range ms {
		if m.Value != "" && !seen[m.Value] {
			seen[m.Value] = true
			out = append(out, m)
		}
	}
	return out
}

// netMembers is the one place the net effect of a write's membership
// changes is computed: a member present before the first change and
// absent after the last was removed, the reverse was added, and one added
// then removed (or the reverse) in the same write is in neither list.
type netMembers struct {
	before map[string]bool // value → present before the first change
	after  map[string]bool
	order  []string          // values in the order first touched
	types  map[string]string // value → type, as the backend reported it
	gone   map[string]string // value → stored display, of members this write removed
	shown  map[string]string // value → display, as this write last added it
}

// redisplayed reports whether a member present before the write was
// removed and added back by it with another display than it had. The
// membership is unchanged (no event), but the representation is not, so
// the version changes. (Its position may change too; the weak ETag
// ignores order, as SCIM multi-valued attributes have none.)
func (n *netMembers) redisplayed() bool {
	for v, display := range n.gone {
		if n.before[v] && n.after[v] && n.shown[v] != display {
			return true
		}
	}
	return false
}

// add adds ms (distinct values) through tx and notes which were present.
func (n *netMembers) add(ctx context.Context, tx WriteTx, id string, ms []schema.Member) error {
	if len(ms) == 0 {
		return nil
	}
	added, err := tx.AddMembers(ctx, id, ms)
	if err != nil {
		return err
	}
	got := make(map[string]schema.Member, len(added))
	for _, m := range added {
		got[m.Value] = m
	}
	for _, m := range ms {
		a, ok := got[m.Value]
		if !ok {
			a = m
		}
		a.Display = m.Display // as stored
		n.note(a, !ok, true)
	}
	return nil
}

// remove removes values (distinct) through tx and notes which were absent.
func (n *netMembers) remove(ctx context.Context, tx WriteTx, id string, values []string) error {
	if len(values) == 0 {
		return nil
	}
	removed, err := tx.RemoveMembers(ctx, id, values)
	if err != nil {
		return err
	}
	got := make(map[string]schema.Member, len(removed))
	for _, m := range removed {
		got[m.Value] = m
	}
	for _, v := range values {
		m, ok := got[v]
		if !ok {
			m = schema.Member{Value: v}
		}
		n.note(m, ok, false)
	}
	return nil
}

// note records that m was or was not present before a change and is or
// is not after it, keeping the first "was" and the last known type.
func (n *netMembers) note(m schema.Member, was, is bool) {
	v := m.Value
	if n.before == nil {
		n.before, n.after, n.types = map[string]bool{}, map[string]bool{}, map[string]string{}
	}
	if m.Type != "" || n.types[v] == "" {
		n.types[v] = MemberType(m.Type)
	}
	if _, ok := n.before[v]; !ok {
		n.before[v] = was
		n.order = append(n.order, v)
	}
	switch {
	case was && !is:
		if n.gone == nil {
			n.gone, n.shown = map[string]string{}, map[string]string{}
		}
		if _, ok := n.gone[v]; !ok {
			n.gone[v] = m.Display // as stored before the write
		}
	case !was && is && n.shown != nil:
		n.shown[v] = m.Display
	}
	n.after[v] = is
}

// result returns the values added and removed overall, in the order they
// were first touched.
func (n *netMembers) result() (added, removed []string) {
	for _, v := range n.order {
		switch was, is := n.before[v], n.after[v]; {
		case !was && is:
			added = append(added, v)
		case was && !is:
			removed = append(removed, v)
		}
	}
	return added, removed
}

// differs reports whether d stores something other than prev: another
// externalId, other schemas or other attributes (compared on their
// canonical JSON).
func (d *Doc) differs(prev *Doc) (bool, error) {
	if d.Resource.ExternalID != prev.Resource.ExternalID || !slices.Equal(d.Resource.Schemas, prev.Resource.Schemas) {
		return true, nil
	}
	a, err := d.Data()
	if err != nil {
		return false, err
	}
	b, err := prev.Data()
	if err != nil {
		return false, err
	}
	return !bytes.Equal(a, b), nil
}
