package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scimkit/scimkit/patch"
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
	err := s.tx(ctx, op, func(tx pgx.Tx) error {
		var err error
		out, change, err = s.update(ctx, tx, op, tenant, rt, id, u)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return out, change, nil
}

func (s *Store) update(ctx context.Context, tx pgx.Tx, op, tenant string, rt *schema.ResourceType, id string, u store.Update) (*schema.Resource, *store.Change, error) {
	rw, err := s.lockRow(ctx, tx, tenant, rt, id, store.ReadOptions{OmitMembers: !u.LoadMembers, OmitGroups: true})
	if err != nil {
		return nil, nil, err
	}
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
	var final []patch.Member
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
	groups, err := s.loadGroups(ctx, tx, tenant, rt, id)
	if err != nil {
		return nil, nil, err
	}
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
	_, err = tx.Exec(ctx, s.q(`UPDATE {s}.resources SET version = $3, last_modified = $4, external_id = NULLIF($5, ''), data = $6, fold = $7
		WHERE tenant = $1 AND id = $2`), tenant, id, version, now, next.ExternalID, nextData, nextFold)
	if err != nil {
		return nil, nil, err
	}
	if oldKeys, newKeys := uniqueKeys(rt, cur), uniqueKeys(rt, next); !slices.Equal(oldKeys, newKeys) {
		if err := s.releaseUniques(ctx, tx, tenant, id); err != nil {
			return nil, nil, err
		}
		if err := s.claimUniques(ctx, tx, op, tenant, rt, id, newKeys); err != nil {
			return nil, nil, err
		}
	}
	out.Meta = schema.Meta{ResourceType: rt.Name, Created: cur.Meta.Created, LastModified: now, Version: store.FormatVersion(version)}
	evs := store.DeriveEvents(ctx, rt, store.Effect{Op: store.OpUpdate, Before: withoutDerived(rt, cur), After: withoutDerived(rt, out),
		Version: version, MembersAdded: set.added, MembersRemoved: set.removed, MemberOf: set.typeOf}, tenant, now)
	if err := s.insertEvents(ctx, tx, evs); err != nil {
		return nil, nil, err
	}
	return out, &store.Change{Before: cur, MembersAdded: set.added, MembersRemoved: set.removed}, nil
}

// withDerived returns next carrying the derived attributes as they are
// after the update: the groups of a member (unchanged by its own update)
// and, when the update loaded them, the members of a group.
func withDerived(rt *schema.ResourceType, next *schema.Resource, groups []any, loadMembers bool, members []patch.Member) *schema.Resource {
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
func (s *Store) replaceMembers(ctx context.Context, tx pgx.Tx, tenant string, rt *schema.ResourceType, id string, cur, next any, set *memberSet) ([]patch.Member, bool, error) {
	old, want := membersOf(cur), membersOf(next)
	oldBy := make(map[string]patch.Member, len(old))
	for _, m := range old {
		oldBy[m.Value] = m
	}
	wantBy := make(map[string]patch.Member, len(want))
	var add []patch.Member
	var edited []patch.Member
	for _, m := range want {
		wantBy[m.Value] = m
		if o, ok := oldBy[m.Value]; !ok {
			add = append(add, m)
		} else if o != m {
			edited = append(edited, m)
		}
	}
	var remove []string
	var final []patch.Member
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
			WHERE tenant = $1 AND group_id = $2 AND member_id = $3`), tenant, id, m.Value, m.Type, m.Display, m.Ref, f)
		if err != nil {
			return nil, false, err
		}
	}
	return final, len(edited) > 0, nil
}
