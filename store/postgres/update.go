package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// Update is the read-modify-write behind PUT and PATCH (RFC 7644 §3.5).
// The row is locked (SELECT ... FOR UPDATE) for the whole transaction, so
// concurrent updates of one resource, from any process, are serialised
// and none is lost; u.Apply runs again when the transaction is retried
// after a deadlock. Member deltas are applied after Apply in the same
// transaction at a cost independent of the group's size.
//
// An update that changes nothing (same stored document, same external id
// and schemas, no membership change) keeps the version and lastModified
// and records no events.
func (s *Store) Update(ctx context.Context, tenant string, rt *schema.ResourceType, id string, u store.Update) (*schema.Resource, *store.Change, error) {
	op := "update " + rt.Name + " " + id
	if u.LoadMembers && len(u.MemberDeltas) > 0 {
		return nil, nil, fmt.Errorf("store: %s: MemberDeltas must be empty when LoadMembers is set", op)
	}
	if u.Apply == nil {
		return nil, nil, fmt.Errorf("store: %s: Update.Apply is nil", op)
	}
	var out *schema.Resource
	var change *store.Change
	err := s.retry(ctx, op, func() error {
		tx, rw, groups, err := s.beginLocked(ctx, tenant, rt, id, store.ReadOptions{OmitMembers: !u.LoadMembers, OmitGroups: true})
		if err != nil {
			return err
		}
		out, change, err = s.update(ctx, tx, op, tenant, rt, id, u, rw, groups)
		if err != nil {
			tx.Rollback(ctx)
			return err
		}
		return tx.Commit(ctx)
	})
	if err != nil {
		return nil, nil, err
	}
	return out, change, nil
}

// beginLocked begins a transaction, locks the resource's row (SELECT ...
// FOR UPDATE) and reads the groups of a member, in one round trip. The
// caller commits or rolls back the transaction.
func (s *Store) beginLocked(ctx context.Context, tenant string, rt *schema.ResourceType, id string, opts store.ReadOptions) (pgx.Tx, *row, []any, error) {
	b := &pgx.Batch{}
	b.BeginTx(pgx.TxOptions{})
	b.Queue(s.q(`SELECT `+s.selectCols(rt, opts)+` FROM {s}.resources r WHERE r.tenant = $1 AND r.id = $2 AND r.type = $3 FOR UPDATE OF r`), tenant, id, rt.Name)
	hasGroups := groupsAttr(rt) != nil
	if hasGroups {
		b.Queue(s.q(groupsOf), tenant, id)
	}
	br := s.pool.SendBatch(ctx, b)
	tx := br.Tx()
	rw, groups, err := readLocked(br, hasGroups)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if tx != nil {
			tx.Rollback(ctx)
		}
		return nil, nil, nil, err
	}
	return tx, rw, groups, nil
}

func readLocked(br pgx.BatchResults, hasGroups bool) (*row, []any, error) {
	if _, err := br.Exec(); err != nil { // BEGIN
		return nil, nil, err
	}
	rw, err := scanRow(br.QueryRow())
	if err != nil || !hasGroups {
		return rw, nil, err
	}
	var raw []byte
	if err := br.QueryRow().Scan(&raw); err != nil || raw == nil {
		return rw, nil, err
	}
	var groups []any
	return rw, groups, json.Unmarshal(raw, &groups)
}

func (s *Store) update(ctx context.Context, tx pgx.Tx, op, tenant string, rt *schema.ResourceType, id string, u store.Update, rw *row, groups []any) (*schema.Resource, *store.Change, error) {
	if err := checkIfMatch(op, u.IfMatch, rw.version); err != nil {
		return nil, nil, err
	}
	cur, err := rw.resource(rt)
	if err != nil {
		return nil, nil, err
	}
	next, err := u.Apply(cur.Clone())
	if err != nil {
		return nil, nil, applyError{err}
	}
	if next == nil {
		return nil, nil, applyError{errors.New("Update.Apply returned no resource")}
	}
	next = next.Clone()
	next.ID = id
	var set memberSet
	membersChanged := false
	var final []schema.Member
	if membersAttr(rt) != nil {
		if u.LoadMembers {
			final, membersChanged, err = s.replaceMembers(ctx, tx, tenant, rt, id, cur.Attrs["members"], next.Attrs["members"], &set)
		} else {
			err = s.applyDeltas(ctx, tx, tenant, rt, id, u.MemberDeltas, &set)
		}
		if err != nil {
			return nil, nil, err
		}
	}
	curData, _, err := encodeDocs(rt, cur)
	if err != nil {
		return nil, nil, err
	}
	nextData, nextFold, err := encodeDocs(rt, next)
	if err != nil {
		return nil, nil, err
	}
	docChanged := !bytes.Equal(curData, nextData) || cur.ExternalID != next.ExternalID
	out := withDerived(rt, next, groups, u.LoadMembers, final)
	if !docChanged && !membersChanged && len(set.added)+len(set.removed) == 0 {
		out.Meta = cur.Meta
		return out, &store.Change{Before: cur}, nil
	}
	version := rw.version + 1
	now := dbTime(time.Now())
	if now.Before(rw.changed) {
		now = rw.changed.UTC()
	}
	out.Meta = schema.Meta{ResourceType: rt.Name, Created: cur.Meta.Created, LastModified: now, Version: store.FormatVersion(version)}
	evs := store.DeriveEvents(ctx, rt, store.Effect{Op: store.OpUpdate, Before: withoutDerived(rt, cur), After: withoutDerived(rt, out),
		Version: version, MembersAdded: set.added, MembersRemoved: set.removed, MemberOf: set.typeOf}, tenant, now)
	var claim []uniqueKey
	if oldKeys, newKeys := uniqueKeys(rt, cur), uniqueKeys(rt, next); !slices.Equal(oldKeys, newKeys) {
		claim = newKeys
		if claim == nil {
			claim = []uniqueKey{}
		}
	}
	if err := s.writeBack(ctx, tx, op, tenant, rt, next, version, now, nextData, nextFold, claim, evs); err != nil {
		return nil, nil, err
	}
	return out, &store.Change{Before: cur, MembersAdded: set.added, MembersRemoved: set.removed}, nil
}

// writeBack sends the writes of an update as one pipelined batch in tx:
// the new row, the unique values when they changed (claim non-nil), and
// the events, last (eventsStmt).
func (s *Store) writeBack(ctx context.Context, tx pgx.Tx, op, tenant string, rt *schema.ResourceType, next *schema.Resource, version int64, now time.Time,
	data, fold []byte, claim []uniqueKey, evs []store.Event) error {
	b := &pgx.Batch{}
	b.Queue(s.q(`UPDATE {s}.resources SET version = $3, last_modified = $4, external_id = NULLIF($5, ''), data = $6, fold = $7
		WHERE tenant = $1 AND id = $2`), tenant, next.ID, version, now, next.ExternalID, data, fold)
	if claim != nil {
		b.Queue(s.q(`DELETE FROM {s}.uniques WHERE tenant = $1 AND id = $2`), tenant, next.ID)
		if len(claim) > 0 {
			b.Queue(s.q(claimQuery), claimArgs(tenant, rt, next.ID, claim)...)
		}
	}
	if len(evs) > 0 {
		query, args, err := s.eventsStmt(evs)
		if err != nil {
			return err
		}
		b.Queue(query, args...)
	}
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	execs := 1 // UPDATE
	if claim != nil {
		execs++ // DELETE of the old unique values
	}
	for range execs {
		if _, err := br.Exec(); err != nil {
			return err
		}
	}
	if len(claim) > 0 {
		rows, err := br.Query()
		if err != nil {
			return err
		}
		if err := checkClaim(rows, op, rt, claim); err != nil {
			return err
		}
	}
	if len(evs) > 0 {
		if _, err := br.Exec(); err != nil {
			return err
		}
	}
	return br.Close()
}

// withDerived returns next carrying the derived attributes as they are
// after the update: the groups of a member (unchanged by its own update)
// and, when the update loaded them, the members of a group.
func withDerived(rt *schema.ResourceType, next *schema.Resource, groups []any, loadMembers bool, members []schema.Member) *schema.Resource {
	out := next.Clone()
	if a := groupsAttr(rt); a != nil {
		var v any
		if len(groups) > 0 {
			v = groups
		}
		out.Set(rt, schema.AttrRef{Schema: rt.Schema, Attr: a}, v)
	}
	if a := membersAttr(rt); a != nil {
		var v any
		if loadMembers {
			var list []any
			for _, m := range members {
				list = append(list, memberValue(a, m))
			}
			if len(list) > 0 {
				v = list
			}
		}
		out.Set(rt, schema.AttrRef{Schema: rt.Schema, Attr: a}, v)
	}
	return out
}

// withoutDerived returns r without members and groups, as events compare
// resources.
func withoutDerived(rt *schema.ResourceType, r *schema.Resource) *schema.Resource {
	c := *r
	c.Attrs = stored(rt, r)
	return &c
}

// replaceMembers makes the group's members exactly next (an Update with
// LoadMembers): members no longer listed are removed, new ones added in
// order, and kept members whose type, display or $ref changed are
// rewritten. It returns the resulting members in order (kept ones in
// their place, new ones appended) and whether a kept member changed.
func (s *Store) replaceMembers(ctx context.Context, tx pgx.Tx, tenant string, rt *schema.ResourceType, id string, cur, next any, set *memberSet) ([]schema.Member, bool, error) {
	old, want := membersOf(cur), membersOf(next)
	oldBy := make(map[string]schema.Member, len(old))
	for _, m := range old {
		oldBy[m.Value] = m
	}
	wantBy := make(map[string]schema.Member, len(want))
	var add []schema.Member
	var edited []schema.Member
	for _, m := range want {
		wantBy[m.Value] = m
		if o, ok := oldBy[m.Value]; !ok {
			add = append(add, m)
		} else if o != m {
			edited = append(edited, m)
		}
	}
	var remove []string
	var final []schema.Member
	for _, m := range old {
		if w, ok := wantBy[m.Value]; ok {
			final = append(final, w)
		} else {
			remove = append(remove, m.Value)
		}
	}
	final = append(final, add...)
	if err := s.removeMembers(ctx, tx, tenant, id, remove, set); err != nil {
		return nil, false, err
	}
	if err := s.addMembers(ctx, tx, tenant, rt, id, add, set); err != nil {
		return nil, false, err
	}
	for _, m := range edited {
		f, err := foldedMember(membersAttr(rt), m)
		if err != nil {
			return nil, false, err
		}
		_, err = tx.Exec(ctx, s.q(`UPDATE {s}.members SET type = $4, display = $5, ref = $6, fold = $7
			WHERE tenant = $1 AND group_id = $2 AND member_id = $3`), tenant, id, m.Value, m.Type, m.Display, "", f)
		if err != nil {
			return nil, false, err
		}
	}
	return final, len(edited) > 0, nil
}
