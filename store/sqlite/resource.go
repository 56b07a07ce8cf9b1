package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// row is a stored resource as read from the resources table.
type row struct {
	seq     int64
	version int64
	res     *schema.Resource
	// data and schemas are the stored JSON, to detect an unchanged update.
	data, schemas string
}

const rowCols = "r.seq, r.id, r.version, r.created, r.last_modified, r.external_id, r.schemas, r.data"

type scanner interface{ Scan(dest ...any) error }

func scanRow(sc scanner, rt *schema.ResourceType) (*row, error) {
	return scanRowEnc(sc, rt, nil)
}

// scanRowEnc is scanRow that, with enc, renders the attributes into enc
// when the default projection keeps them all, leaving Attrs empty
// (ListEncoded).
func scanRowEnc(sc scanner, rt *schema.ResourceType, enc *store.EncodedPageBuilder) (*row, error) {
	var (
		rw                    row
		id, created, modified string
		ext                   sql.NullString
		schemasJSON, dataJSON string
	)
	if err := sc.Scan(&rw.seq, &id, &rw.version, &created, &modified, &ext, &schemasJSON, &dataJSON); err != nil {
		return nil, err
	}
	var attrs map[string]any
	if enc == nil || !enc.Render(func(dst []byte) ([]byte, bool) { return rt.AppendDefaultMembers(dst, []byte(dataJSON), nil) }) {
		var err error
		if attrs, err = decodeAttrs(rt, dataJSON); err != nil {
			return nil, fmt.Errorf("corrupt data of %s %s: %w", rt.Name, id, err)
		}
	} else {
		attrs = map[string]any{} // the derived attributes go here
	}
	r := &schema.Resource{ID: id, ExternalID: ext.String, Attrs: attrs}
	if err := json.Unmarshal([]byte(schemasJSON), &r.Schemas); err != nil {
		return nil, fmt.Errorf("corrupt schemas of %s %s: %w", rt.Name, id, err)
	}
	r.Meta = schema.Meta{ResourceType: rt.Name, Created: parseTime(created), LastModified: parseTime(modified),
		Version: store.FormatVersion(rw.version)}
	rw.res, rw.data, rw.schemas = r, dataJSON, schemasJSON
	return &rw, nil
}

// load reads one resource row, or sql.ErrNoRows.
func load(ctx context.Context, q querier, tenant string, rt *schema.ResourceType, id string) (*row, error) {
	return scanRow(q.QueryRowContext(ctx, "SELECT "+rowCols+" FROM resources r WHERE r.tenant = ? AND r.type = ? AND r.id = ?",
		tenant, rt.Name, id), rt)
}

// Create implements store.Store (RFC 7644 §3.3).
func (s *Store) Create(ctx context.Context, tenant string, rt *schema.ResourceType, r *schema.Resource) (*schema.Resource, error) {
	op := "create " + rt.Name
	if err := checkTenant(tenant); err != nil {
		return nil, fmt.Errorf("store: %s: %w", op, err)
	}
	ti := infoOf(rt)
	res := r.Clone()
	if res.Attrs == nil {
		res.Attrs = map[string]any{}
	}
	res.ID = store.NewID()
	var members []member
	if ti.members != nil {
		members = membersOf(res.Attrs[ti.members.Name])
		delete(res.Attrs, ti.members.Name)
	}
	if ti.groups != nil {
		delete(res.Attrs, ti.groups.Name)
	}
	var out *schema.Resource
	err := s.writeTx(ctx, op, func(tx *txn) error {
		now := s.clock()
		res.Meta = schema.Meta{ResourceType: rt.Name, Created: parseTime(formatTime(now)), Version: store.FormatVersion(1)}
		res.Meta.LastModified = res.Meta.Created
		if err := tx.insertResource(ctx, tenant, rt, res); err != nil {
			return err
		}
		if err := tx.putUniques(ctx, tenant, rt, res); err != nil {
			return err
		}
		ch, err := tx.addMembers(ctx, tenant, rt, res.ID, members)
		if err != nil {
			return err
		}
		out = res.Clone()
		if ti.members != nil && len(members) > 0 {
			out.Attrs[ti.members.Name] = memberValues(members)
		}
		eff := store.Effect{Op: store.OpCreate, After: out, Version: 1, MembersAdded: ch.added, MemberOf: ch.memberOf}
		return tx.record(ctx, rt, eff, tenant, now)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (tx *txn) insertResource(ctx context.Context, tenant string, rt *schema.ResourceType, r *schema.Resource) error {
	data, foldJSON, schemasJSON, err := encodeResource(rt, r)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO resources (tenant, type, id, version, created, last_modified, external_id, schemas, data, fold)
		VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?)`,
		tenant, rt.Name, r.ID, formatTime(r.Meta.Created), formatTime(r.Meta.LastModified), nullable(r.ExternalID), schemasJSON, data, foldJSON)
	return err
}

func encodeResource(rt *schema.ResourceType, r *schema.Resource) (data, folded, schemas string, err error) {
	if data, err = marshal(r.Attrs); err != nil {
		return
	}
	if folded, err = marshal(foldAttrs(rt, r.Attrs)); err != nil {
		return
	}
	sc := r.Schemas
	if sc == nil {
		sc = []string{}
	}
	schemas, err = marshal(sc)
	return
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func checkTenant(tenant string) error {
	if tenant == "" {
		return errors.New("empty tenant")
	}
	return nil
}

// putUniques records r's unique attribute values; a value already held by
// another resource of the tenant and type is store.ErrConflict naming the
// attribute.
func (tx *txn) putUniques(ctx context.Context, tenant string, rt *schema.ResourceType, r *schema.Resource) error {
	for _, ref := range infoOf(rt).uniques {
		v, ok := r.Get(rt, ref)
		if !ok {
			continue
		}
		key, ok := uniqueKey(ref.Attr, v)
		if !ok {
			continue
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO uniques (tenant, type, attr, value, id) VALUES (?, ?, ?, ?, ?)",
			tenant, rt.Name, ref.String(), key, r.ID)
		if err != nil {
			if errors.Is(tx.s.wrap("", err), store.ErrConflict) {
				return fmt.Errorf("%s %q is already in use: %w", ref.String(), v, store.ErrConflict)
			}
			return err
		}
	}
	return nil
}

// Get implements store.Store (RFC 7644 §3.4.1).
func (s *Store) Get(ctx context.Context, tenant string, rt *schema.ResourceType, id string, opts store.ReadOptions) (*schema.Resource, error) {
	op := "get " + rt.Name + " " + id
	rw, err := load(ctx, s.read, tenant, rt, id)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	if err := s.complete(ctx, s.read, tenant, rt, rw.res, opts); err != nil {
		return nil, s.wrap(op, err)
	}
	return rw.res, nil
}

// complete adds the attributes kept in the membership index: members of a
// group and groups of a member, unless opts leaves them out.
func (s *Store) complete(ctx context.Context, q querier, tenant string, rt *schema.ResourceType, r *schema.Resource, opts store.ReadOptions) error {
	ti := infoOf(rt)
	if ti.members != nil && !opts.OmitMembers {
		ms, err := readMembers(ctx, q, tenant, r.ID)
		if err != nil {
			return err
		}
		if len(ms) > 0 {
			r.Attrs[ti.members.Name] = memberValues(ms)
		}
	}
	if ti.groups != nil && !opts.OmitGroups {
		gs, err := readGroups(ctx, q, tenant, r.ID)
		if err != nil {
			return err
		}
		if len(gs) > 0 {
			r.Attrs[ti.groups.Name] = gs
		}
	}
	return nil
}

// completeAll is complete for a page of resources, with one query for the
// members and one for the groups of the whole page.
func (s *Store) completeAll(ctx context.Context, q querier, tenant string, rt *schema.ResourceType, rs []*schema.Resource, opts store.ReadOptions) error {
	ti := infoOf(rt)
	wantMembers, wantGroups := ti.members != nil && !opts.OmitMembers, ti.groups != nil && !opts.OmitGroups
	if len(rs) == 0 || !wantMembers && !wantGroups {
		return nil
	}
	list := make([]string, len(rs))
	for i, r := range rs {
		list[i] = r.ID
	}
	ids, err := marshal(list)
	if err != nil {
		return err
	}
	if wantMembers {
		ms, err := readMembersOf(ctx, q, tenant, ids)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if m := ms[r.ID]; len(m) > 0 {
				r.Attrs[ti.members.Name] = memberValues(m)
			}
		}
	}
	if wantGroups {
		gs, err := readGroupsOf(ctx, q, tenant, ids)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if g := gs[r.ID]; len(g) > 0 {
				r.Attrs[ti.groups.Name] = g
			}
		}
	}
	return nil
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
		if err := checkVersion(ifMatch, rw.version); err != nil {
			return err
		}
		now := s.clock()
		removed, err := tx.deleteColumn(ctx, "DELETE FROM members WHERE tenant = ? AND group_id = ? RETURNING member_id", tenant, id)
		if err != nil {
			return err
		}
		memberOf, err := tx.memberTypes(ctx, tenant, rt, removed, nil)
		if err != nil {
			return err
		}
		left, err := tx.deleteColumn(ctx, "DELETE FROM members WHERE tenant = ? AND member_id = ? RETURNING group_id", tenant, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM uniques WHERE tenant = ? AND type = ? AND id = ?", tenant, rt.Name, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM resources WHERE seq = ?", rw.seq); err != nil {
			return err
		}
		if tomb {
			if err := tx.bury(ctx, tenant, rt, rw.res, now.UnixMicro()); err != nil {
				return err
			}
		}
		eff := store.Effect{Op: store.OpDelete, Before: rw.res, Version: rw.version,
			MembersRemoved: removed, MemberOf: memberOf, GroupsLeft: left}
		return tx.record(ctx, rt, eff, tenant, now)
	})
}

// deleteColumn runs a DELETE ... RETURNING of one text column.
func (tx *txn) deleteColumn(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// checkVersion compares an If-Match value with the stored version
// (RFC 7644 §3.14): "" and "*" match any existing resource.
func checkVersion(ifMatch string, version int64) error {
	if ifMatch == "" || ifMatch == "*" {
		return nil
	}
	if v, ok := store.ParseVersion(ifMatch); ok && v == version {
		return nil
	}
	return fmt.Errorf("If-Match %s, stored version %s: %w", ifMatch, store.FormatVersion(version), store.ErrPrecondition)
}
