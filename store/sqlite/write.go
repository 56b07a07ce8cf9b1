package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// writer is the I/O of one write (backend.WriteTx) in a write transaction:
// the algorithm itself is backend.RunCreate, RunUpdate and RunDelete.
type writer struct {
	tx     *txn
	tenant string
	rt     *schema.ResourceType
	seq    int64 // the row's creation sequence, for updates and deletes
}

var _ backend.WriteTx = (*writer)(nil)

func (w *writer) Members(ctx context.Context, id string) ([]schema.Member, error) {
	return readMembers(ctx, w.tx, w.tenant, id)
}

func (w *writer) Groups(ctx context.Context, id string) ([]any, error) {
	return readGroups(ctx, w.tx, w.tenant, id)
}

// Resolve reads the types of ids in the write transaction, which holds
// the database's write lock until it commits: no Delete runs meanwhile.
// One id (a PATCH adding one member) is looked up without encoding and
// decoding a JSON list.
func (w *writer) Resolve(ctx context.Context, ids []string) (map[string]string, error) {
	var rows *sql.Rows
	var err error
	if len(ids) == 1 {
		rows, err = w.tx.QueryContext(ctx, resolveOneSQL, w.tenant, ids[0])
	} else {
		var list string
		if list, err = marshal(ids); err != nil {
			return nil, err
		}
		rows, err = w.tx.QueryContext(ctx, resolveSQL, w.tenant, list)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]string, len(ids))
	for rows.Next() {
		var id, typ string
		if err := rows.Scan(&id, &typ); err != nil {
			return nil, err
		}
		out[id] = typ
	}
	return out, rows.Err()
}

// Queries of Resolve: each a seek of resources_tenant_id per id
// (TestMemberLookupPlan).
const (
	resolveSQL    = "SELECT id, type FROM resources WHERE tenant = ? AND id IN (SELECT value FROM json_each(?))"
	resolveOneSQL = "SELECT id, type FROM resources WHERE tenant = ? AND id = ?"
)

// Check does nothing: Put claims the unique values and the tombstone
// triggers refuse a reserved externalId, and a failure rolls back.
func (w *writer) Check(context.Context, *backend.Doc, *backend.Doc) error { return nil }

func (w *writer) Put(ctx context.Context, wr *backend.Written) error {
	if wr.Op == backend.OpUpdate && wr.Doc == nil {
		_, err := w.tx.ExecContext(ctx, "UPDATE resources SET version = ?, last_modified = ? WHERE seq = ?",
			wr.Version, formatTime(wr.LastModified), w.seq)
		return err
	}
	r := wr.Doc.Resource
	data, err := wr.Doc.Data()
	if err != nil {
		return err
	}
	fold, err := wr.Doc.Fold()
	if err != nil {
		return err
	}
	schemas, err := marshal(r.Schemas)
	if err != nil {
		return err
	}
	if wr.Op == backend.OpCreate {
		_, err = w.tx.ExecContext(ctx, `INSERT INTO resources (tenant, type, id, version, created, last_modified, external_id, schemas, data, fold)
			VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?)`,
			w.tenant, w.rt.Name, wr.ID, formatTime(wr.Created), formatTime(wr.LastModified), nullable(r.ExternalID), schemas, string(data), string(fold))
	} else {
		if _, err := w.tx.ExecContext(ctx, "DELETE FROM uniques WHERE tenant = ? AND type = ? AND id = ?", w.tenant, w.rt.Name, wr.ID); err != nil {
			return err
		}
		_, err = w.tx.ExecContext(ctx, `UPDATE resources SET version = ?, last_modified = ?, external_id = ?, schemas = ?, data = ?, fold = ?
			WHERE seq = ?`, wr.Version, formatTime(wr.LastModified), nullable(r.ExternalID), schemas, string(data), string(fold), w.seq)
	}
	if err != nil {
		return err
	}
	return w.claim(ctx, wr.ID, wr.Doc.Uniques())
}

// claim records the unique values of resource id; a value another resource
// of the tenant and type holds is a *store.ConflictError.
func (w *writer) claim(ctx context.Context, id string, keys []backend.UniqueKey) error {
	for _, k := range keys {
		_, err := w.tx.ExecContext(ctx, "INSERT INTO uniques (tenant, type, attr, value, id) VALUES (?, ?, ?, ?, ?)",
			w.tenant, w.rt.Name, k.Attr, k.Value, id)
		if err != nil {
			if errors.Is(w.tx.s.wrap("", err), store.ErrConflict) {
				return &store.ConflictError{Attr: k.Attr}
			}
			return err
		}
	}
	return nil
}

// AddMembers inserts one member with one statement, and several with
// one statement over a JSON array of them (a PATCH adding 100 members ran
// 100 statements), in order: their ord follows the array.
func (w *writer) AddMembers(ctx context.Context, id string, ms []schema.Member) ([]schema.Member, error) {
	if len(ms) > 1 {
		return w.addMany(ctx, id, ms)
	}
	var added []schema.Member
	for _, m := range ms {
		var got string
		err := w.tx.QueryRowContext(ctx, `INSERT INTO members (tenant, group_type, group_id, member_id, type, display, ref)
			VALUES (?, ?, ?, ?, ?, ?, '') ON CONFLICT DO NOTHING RETURNING member_id`,
			w.tenant, w.rt.Name, id, m.Value, m.Type, m.Display).Scan(&got)
		if isNoRows(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		added = append(added, m) // m.Type is its resolved type (backend.WriteTx)
	}
	return added, nil
}

// addMany is AddMembers of several members.
func (w *writer) addMany(ctx context.Context, id string, ms []schema.Member) ([]schema.Member, error) {
	list := make([][3]string, len(ms))
	for i, m := range ms {
		list[i] = [3]string{m.Value, m.Type, m.Display}
	}
	arg, err := marshal(list)
	if err != nil {
		return nil, err
	}
	rows, err := w.tx.QueryContext(ctx, `INSERT INTO members (tenant, group_type, group_id, member_id, type, display, ref)
		SELECT ?, ?, ?, json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'), json_extract(j.value, '$[2]'), ''
		FROM json_each(?) j WHERE true ORDER BY j.key
		ON CONFLICT DO NOTHING RETURNING member_id`, w.tenant, w.rt.Name, id, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	inserted := make(map[string]bool, len(ms))
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		inserted[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var added []schema.Member
	for _, m := range ms {
		if inserted[m.Value] {
			added = append(added, m) // m.Type is its resolved type (backend.WriteTx)
		}
	}
	return added, nil
}

// RemoveMembers and ClearMembers return the removed members with their
// stored type, the type of the resource each names (it is stored when the
// member is added, migration 0015 set it on older rows, and a resource
// never changes type; a Delete removes its memberships).
func (w *writer) RemoveMembers(ctx context.Context, id string, values []string) ([]schema.Member, error) {
	var removed []schema.Member
	for _, v := range values {
		m := schema.Member{Value: v}
		err := w.tx.QueryRowContext(ctx, "DELETE FROM members WHERE tenant = ? AND group_id = ? AND member_id = ? RETURNING type, display",
			w.tenant, id, v).Scan(&m.Type, &m.Display)
		if isNoRows(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		removed = append(removed, m)
	}
	return removed, nil
}

func (w *writer) ClearMembers(ctx context.Context, id string) ([]schema.Member, error) {
	// RETURNING has no defined order: sort by membership order.
	rows, err := w.tx.QueryContext(ctx, "DELETE FROM members WHERE tenant = ? AND group_id = ? RETURNING member_id, type, display, ord", w.tenant, id)
	if err != nil {
		return nil, err
	}
	var removed []schema.Member
	var ords []int64
	for rows.Next() {
		var m schema.Member
		var ord int64
		if err := rows.Scan(&m.Value, &m.Type, &m.Display, &ord); err != nil {
			rows.Close()
			return nil, err
		}
		removed, ords = append(removed, m), append(ords, ord)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sortByOrd(removed, ords)
	return removed, nil
}

func (w *writer) EditMembers(ctx context.Context, id string, ms []schema.Member) error {
	for _, m := range ms {
		if _, err := w.tx.ExecContext(ctx, "UPDATE members SET type = ?, display = ? WHERE tenant = ? AND group_id = ? AND member_id = ?",
			m.Type, m.Display, w.tenant, id, m.Value); err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) Remove(ctx context.Context, r *schema.Resource, _ int64) (members []schema.Member, left []string, err error) {
	if members, err = w.ClearMembers(ctx, r.ID); err != nil {
		return nil, nil, err
	}
	if left, err = w.groupsLeft(ctx, r.ID); err != nil {
		return nil, nil, err
	}
	if _, err := w.tx.ExecContext(ctx, "DELETE FROM uniques WHERE tenant = ? AND type = ? AND id = ?", w.tenant, w.rt.Name, r.ID); err != nil {
		return nil, nil, err
	}
	if _, err := w.tx.ExecContext(ctx, "DELETE FROM resources WHERE seq = ?", w.seq); err != nil {
		return nil, nil, err
	}
	return members, left, nil
}

func (w *writer) Record(ctx context.Context, evs []store.Event) error { return w.tx.record(ctx, evs) }

// Create implements store.Store (RFC 7644 §3.3).
func (s *Store) Create(ctx context.Context, tenant string, rt *schema.ResourceType, r *schema.Resource) (*schema.Resource, error) {
	op := "create " + rt.Name
	if err := checkTenant(tenant); err != nil {
		return nil, fmt.Errorf("store: %s: %w", op, err)
	}
	id := store.NewID()
	// Copied and encoded before the writer takes it: the one writer runs
	// the batch's writes one after another.
	p, err := backend.PrepareCreate(rt, r, true)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	var out *schema.Resource
	err = s.writeTx(ctx, op, func(tx *txn) error {
		var err error
		out, err = backend.RunPrepared(ctx, &writer{tx: tx, tenant: tenant, rt: rt}, tenant, p, id, s.clock())
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Update implements store.Store: the read-modify-write behind PUT and
// PATCH (RFC 7644 §3.5), backend.RunUpdate in one write transaction, so
// concurrent updates of a resource are serialised and Apply runs exactly
// once per call.
func (s *Store) Update(ctx context.Context, tenant string, rt *schema.ResourceType, id string, u store.Update) (*schema.Resource, *store.Change, error) {
	op := "update " + rt.Name + " " + id
	var out *schema.Resource
	var change *store.Change
	err := s.writeTx(ctx, op, func(tx *txn) error {
		rw, err := load(ctx, tx, tenant, rt, id)
		if err != nil {
			return err
		}
		w := &writer{tx: tx, tenant: tenant, rt: rt, seq: rw.seq}
		out, change, err = backend.RunUpdate(ctx, w, tenant, rt, backend.Stored{Resource: rw.res, Version: rw.version}, u, s.clock())
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return out, change, nil
}

// Delete implements store.Store (RFC 7644 §3.6).
func (s *Store) Delete(ctx context.Context, tenant string, rt *schema.ResourceType, id string, ifMatch string) error {
	return s.delete(ctx, tenant, rt, id, ifMatch, false)
}

// delete is Delete, and DeleteWithTombstone when tomb is set.
func (s *Store) delete(ctx context.Context, tenant string, rt *schema.ResourceType, id, ifMatch string, tomb bool) error {
	op := "delete " + rt.Name + " " + id
	return s.writeTx(ctx, op, func(tx *txn) error {
		rw, err := load(ctx, tx, tenant, rt, id)
		if err != nil {
			return err
		}
		now := s.clock()
		w := &writer{tx: tx, tenant: tenant, rt: rt, seq: rw.seq}
		if err := backend.RunDelete(ctx, w, tenant, rt, backend.Stored{Resource: rw.res, Version: rw.version}, ifMatch, now); err != nil {
			return err
		}
		if tomb {
			return tx.bury(ctx, tenant, rt, rw.res, now.UnixMicro())
		}
		return nil
	})
}

// groupsLeft removes member id from every group and returns the groups in
// the order it joined them (RETURNING has no defined order).
func (w *writer) groupsLeft(ctx context.Context, id string) ([]string, error) {
	rows, err := w.tx.QueryContext(ctx, "DELETE FROM members WHERE tenant = ? AND member_id = ? RETURNING group_id, ord", w.tenant, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var groups []string
	var ords []int64
	for rows.Next() {
		var g string
		var ord int64
		if err := rows.Scan(&g, &ord); err != nil {
			return nil, err
		}
		groups, ords = append(groups, g), append(ords, ord)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sortByOrd(groups, ords)
	return groups, nil
}

// sortByOrd sorts vals by the membership order ords (same length).
func sortByOrd[T any](vals []T, ords []int64) {
	idx := make([]int, len(vals))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(ords[a], ords[b]) })
	sorted := make([]T, len(vals))
	for i, j := range idx {
		sorted[i] = vals[j]
	}
	copy(vals, sorted)
}
