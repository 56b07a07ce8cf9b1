package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
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

// leanCols are what a page statement reads of a row when a render cache
// may hold the rest (scanLean).
const leanCols = "r.seq, r.version"

type scanner interface{ Scan(dest ...any) error }

func scanRow(sc scanner, rt *schema.ResourceType) (*row, error) {
	return scanRowEnc(sc, rt, nil)
}

// scanRowEnc is scanRow that, with enc, renders the attributes into enc
// when the default projection keeps them all, leaving Attrs empty
// (ListEncoded).
func scanRowEnc(sc scanner, rt *schema.ResourceType, enc *backend.EncodedPageBuilder) (*row, error) {
	rw, dataJSON, err := scanFull(sc, rt)
	if err != nil {
		return nil, err
	}
	if enc == nil {
		return &rw, rw.fill(rt, dataJSON, nil, -1)
	}
	if _, ok := enc.Cached(rw.seq, rt, rw.version, false); ok {
		rw.res.Attrs, rw.data = map[string]any{}, dataJSON // the derived attributes go in Attrs
		return &rw, nil
	}
	return &rw, rw.fill(rt, dataJSON, enc, enc.Skip())
}

// scanFull scans a row of rowCols: the row with its resource built
// without attributes, and its document.
func scanFull(sc scanner, rt *schema.ResourceType) (row, string, error) {
	var (
		rw                    row
		id, created, modified string
		ext                   sql.NullString
		schemasJSON, dataJSON string
	)
	if err := sc.Scan(&rw.seq, &id, &rw.version, &created, &modified, &ext, &schemasJSON, &dataJSON); err != nil {
		return rw, "", err
	}
	return rw, dataJSON, rw.build(rt, id, created, modified, ext, schemasJSON, nil)
}

// fill gives rw, scanned by scanFull, its document dataJSON: with enc, its
// attributes rendered into slot of enc when the default projection keeps
// them all (the cache, when it admits the row, keeping a copy of the
// resource as the head scanLean needs), Attrs then left empty for the
// derived ones; else decoded.
func (rw *row) fill(rt *schema.ResourceType, dataJSON string, enc *backend.EncodedPageBuilder, slot int) error {
	rw.data = dataJSON
	if enc != nil {
		var head *schema.Resource
		keep := enc.Admits(rw.seq)
		if keep {
			h := *rw.res
			h.Schemas = slices.Clone(h.Schemas)
			head = &h
		}
		if _, ok := enc.RenderAt(slot, rw.seq, rt, rw.version, keep, head, func(dst []byte) ([]byte, []string, bool) {
			out, ok := rt.AppendDefaultMembers(dst, []byte(dataJSON), nil)
			return out, nil, ok
		}); ok {
			rw.res.Attrs = map[string]any{}
			return nil
		}
	}
	var err error
	if rw.res.Attrs, err = decodeAttrs(rt, dataJSON); err != nil {
		return fmt.Errorf("corrupt data of %s %s: %w", rt.Name, rw.res.ID, err)
	}
	return nil
}

// scanLean scans a row of leanCols and takes the resource from enc's
// cache: its Head, with the derived attributes to be added to Attrs, and
// its rendering. On a miss, res is nil and the row's slot is enc.Skip()'s.
func scanLean(sc scanner, rt *schema.ResourceType, enc *backend.EncodedPageBuilder) (*row, int, error) {
	var rw row
	if err := sc.Scan(&rw.seq, &rw.version); err != nil {
		return nil, -1, err
	}
	if c, ok := enc.Cached(rw.seq, rt, rw.version, true); ok {
		res := *c.Head
		res.Schemas, res.Attrs = slices.Clone(res.Schemas), map[string]any{}
		rw.res = &res
		return &rw, -1, nil
	}
	return &rw, enc.Skip(), nil
}

// scanMiss scans a row of rowCols for the lean row of missed with its
// seq (readMisses): it renders the attributes into the row's slot of enc
// (the cache keeping them with the resource's head) or decodes them, and
// completes the row. ok is false when the row is not one of missed or has
// another version.
func scanMiss(sc scanner, rt *schema.ResourceType, enc *backend.EncodedPageBuilder, missed map[int64]*keyed) (ok bool, err error) {
	rw, dataJSON, err := scanFull(sc, rt)
	if err != nil {
		return false, err
	}
	k := missed[rw.seq]
	if k == nil || k.version != rw.version {
		return false, nil
	}
	if err := rw.fill(rt, dataJSON, enc, k.slot); err != nil {
		return false, err
	}
	*k.row = rw
	return true, nil
}

// build sets rw.res from the scanned columns and attrs.
func (rw *row) build(rt *schema.ResourceType, id, created, modified string, ext sql.NullString, schemasJSON string, attrs map[string]any) error {
	r := &schema.Resource{ID: id, ExternalID: ext.String, Attrs: attrs}
	var err error
	if r.Schemas, err = decodeSchemas(schemasJSON); err != nil {
		return fmt.Errorf("corrupt schemas of %s %s: %w", rt.Name, id, err)
	}
	r.Meta = schema.Meta{ResourceType: rt.Name, Created: parseTime(created), LastModified: parseTime(modified),
		Version: backend.FormatVersion(rw.version)}
	rw.res, rw.schemas = r, schemasJSON
	return nil
}

// load reads one resource row, or sql.ErrNoRows.
func load(ctx context.Context, q querier, tenant string, rt *schema.ResourceType, id string) (*row, error) {
	return scanRow(q.QueryRowContext(ctx, "SELECT "+rowCols+" FROM resources r WHERE r.tenant = ? AND r.type = ? AND r.id = ?",
		tenant, rt.Name, id), rt)
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
