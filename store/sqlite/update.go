package sqlite

import (
	"context"
	"errors"
	"fmt"

	"github.com/scimkit/scimkit/patch"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// Update implements store.Store: the read-modify-write behind PUT and
// PATCH (RFC 7644 §3.5). It runs in one BEGIN IMMEDIATE transaction, so
// concurrent updates of a resource are serialised and Apply runs exactly
// once per call.
func (s *Store) Update(ctx context.Context, tenant string, rt *schema.ResourceType, id string, u store.Update) (*schema.Resource, *store.Change, error) {
	op := "update " + rt.Name + " " + id
	if u.Apply == nil {
		return nil, nil, fmt.Errorf("store: %s: Update.Apply is nil", op)
	}
	if u.LoadMembers && len(u.MemberDeltas) > 0 {
		return nil, nil, fmt.Errorf("store: %s: MemberDeltas must be empty when LoadMembers is set", op)
	}
	var out *schema.Resource
	var change *store.Change
	err := s.writeTx(ctx, op, func(tx *txn) error {
		var err error
		out, change, err = tx.update(ctx, tenant, rt, id, u)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return out, change, nil
}

func (tx *txn) update(ctx context.Context, tenant string, rt *schema.ResourceType, id string, u store.Update) (*schema.Resource, *store.Change, error) {
	rw, err := load(ctx, tx, tenant, rt, id)
	if err != nil {
		return nil, nil, err
	}
	if err := checkVersion(u.IfMatch, rw.version); err != nil {
		return nil, nil, err
	}
	ti := infoOf(rt)
	cur := rw.res
	var before []member
	if ti.members != nil && u.LoadMembers {
		if before, err = readMembers(ctx, tx, tenant, id); err != nil {
			return nil, nil, err
		}
		if len(before) > 0 {
			cur.Attrs[ti.members.Name] = memberValues(before)
		}
	}
	next, err := u.Apply(cur.Clone())
	if err != nil {
		return nil, nil, fmt.Errorf("apply: %w", err)
	}
	if next == nil {
		return nil, nil, errors.New("apply returned no resource")
	}
	next = next.Clone()
	next.ID = id
	if next.Attrs == nil {
		next.Attrs = map[string]any{}
	}
	if len(next.Schemas) == 0 {
		next.Schemas = cur.Schemas
	}
	var ch memberChange
	if ti.members != nil {
		if u.LoadMembers {
			ch, err = tx.replaceMembers(ctx, tenant, rt, id, before, membersOf(next.Attrs[ti.members.Name]))
		} else {
			ch, err = tx.applyDeltas(ctx, tenant, rt, id, u.MemberDeltas)
		}
		if err != nil {
			return nil, nil, err
		}
		delete(next.Attrs, ti.members.Name)
	}
	if ti.groups != nil {
		delete(next.Attrs, ti.groups.Name)
	}
	data, foldJSON, schemasJSON, err := encodeResource(rt, next)
	if err != nil {
		return nil, nil, err
	}
	changed := data != rw.data || schemasJSON != rw.schemas || next.ExternalID != cur.ExternalID
	version, now := rw.version, tx.s.clock()
	next.Meta = cur.Meta
	if changed || len(ch.added) > 0 || len(ch.removed) > 0 {
		version++
		next.Meta.Version, next.Meta.LastModified = store.FormatVersion(version), parseTime(formatTime(now))
		if changed {
			if err := tx.rewrite(ctx, tenant, rt, next, rw.seq, version, data, foldJSON, schemasJSON); err != nil {
				return nil, nil, err
			}
		} else if _, err := tx.ExecContext(ctx, "UPDATE resources SET version = ?, last_modified = ? WHERE seq = ?",
			version, formatTime(now), rw.seq); err != nil {
			return nil, nil, err
		}
	}
	if ti.members != nil && u.LoadMembers {
		ms, err := readMembers(ctx, tx, tenant, id)
		if err != nil {
			return nil, nil, err
		}
		if len(ms) > 0 {
			next.Attrs[ti.members.Name] = memberValues(ms)
		}
	}
	if version != rw.version {
		eff := store.Effect{Op: store.OpUpdate, Before: cur, After: next, Version: version,
			MembersAdded: ch.added, MembersRemoved: ch.removed, MemberOf: ch.memberOf}
		if err := tx.record(ctx, rt, eff, tenant, now); err != nil {
			return nil, nil, err
		}
	}
	out := next.Clone()
	if err := tx.s.complete(ctx, tx, tenant, rt, out, store.ReadOptions{OmitMembers: true}); err != nil {
		return nil, nil, err
	}
	return out, &store.Change{Before: cur, MembersAdded: ch.added, MembersRemoved: ch.removed}, nil
}

// rewrite stores the new attributes of a resource and its unique values.
func (tx *txn) rewrite(ctx context.Context, tenant string, rt *schema.ResourceType, r *schema.Resource, seq, version int64, data, foldJSON, schemasJSON string) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM uniques WHERE tenant = ? AND type = ? AND id = ?", tenant, rt.Name, r.ID); err != nil {
		return err
	}
	if err := tx.putUniques(ctx, tenant, rt, r); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE resources SET version = ?, last_modified = ?, external_id = ?, schemas = ?, data = ?, fold = ?
		WHERE seq = ?`, version, formatTime(r.Meta.LastModified), nullable(r.ExternalID), schemasJSON, data, foldJSON, seq)
	return err
}

// replaceMembers makes the member set equal to next: absent members are
// removed, new ones appended in next's order, and type, display and $ref of
// kept members updated.
func (tx *txn) replaceMembers(ctx context.Context, tenant string, rt *schema.ResourceType, groupID string, before, next []member) (memberChange, error) {
	keep := make(map[string]member, len(next))
	for _, m := range next {
		keep[m.Value] = m
	}
	had := make(map[string]bool, len(before))
	var removed []string
	for _, m := range before {
		had[m.Value] = true
		n, ok := keep[m.Value]
		switch {
		case !ok:
			if _, err := tx.removeMember(ctx, tenant, groupID, m.Value); err != nil {
				return memberChange{}, err
			}
			removed = append(removed, m.Value)
		case n != m:
			if _, err := tx.ExecContext(ctx, "UPDATE members SET type = ?, display = ?, ref = ? WHERE tenant = ? AND group_id = ? AND member_id = ?",
				n.Type, n.Display, n.Ref, tenant, groupID, m.Value); err != nil {
				return memberChange{}, err
			}
		}
	}
	var add []member
	for _, m := range next {
		if !had[m.Value] {
			add = append(add, m)
		}
	}
	ch, err := tx.addMembers(ctx, tenant, rt, groupID, add)
	ch.removed = removed
	return ch, err
}

// applyDeltas applies membership deltas in order and reports the net
// change: members absent before and present after, and the reverse.
func (tx *txn) applyDeltas(ctx context.Context, tenant string, rt *schema.ResourceType, groupID string, deltas []patch.MemberDelta) (memberChange, error) {
	initial := map[string]bool{} // presence before the first delta touching the id
	final := map[string]bool{}
	var order, declared []member
	touch := func(m member, wasPresent, isPresent bool) {
		if _, ok := initial[m.Value]; !ok {
			initial[m.Value] = wasPresent
			order = append(order, m)
		}
		final[m.Value] = isPresent
	}
	for _, d := range deltas {
		switch d.Kind {
		case patch.DeltaAdd:
			for _, m := range d.Members {
				if m.Value == "" {
					continue
				}
				ch, err := tx.addMembers(ctx, tenant, rt, groupID, []member{m})
				if err != nil {
					return memberChange{}, err
				}
				touch(m, len(ch.added) == 0, true)
				declared = append(declared, m)
			}
		case patch.DeltaRemove:
			for _, m := range d.Members {
				ok, err := tx.removeMember(ctx, tenant, groupID, m.Value)
				if err != nil {
					return memberChange{}, err
				}
				touch(member{Value: m.Value}, ok, false)
			}
		case patch.DeltaClear:
			ids, err := tx.deleteColumn(ctx, "DELETE FROM members WHERE tenant = ? AND group_id = ? RETURNING member_id", tenant, groupID)
			if err != nil {
				return memberChange{}, err
			}
			for _, id := range ids {
				touch(member{Value: id}, true, false)
			}
		}
	}
	var ch memberChange
	for _, m := range order {
		switch was, is := initial[m.Value], final[m.Value]; {
		case !was && is:
			ch.added = append(ch.added, m.Value)
		case was && !is:
			ch.removed = append(ch.removed, m.Value)
		}
	}
	var err error
	ch.memberOf, err = tx.memberTypes(ctx, tenant, rt, append(append([]string(nil), ch.added...), ch.removed...), declared)
	return ch, err
}
