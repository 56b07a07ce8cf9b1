package postgres

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/scimkit/scimkit/schema"
)

// memberTypeExpr is the resource type of a member row: the type the client
// gave, else the type of the resource it names (for events, which tell
// users from nested groups).
const memberTypeExpr = `COALESCE(NULLIF(type, ''), (SELECT x.type FROM {s}.resources x WHERE x.tenant = $1 AND x.id = member_id), '')`

// memberSet accumulates the net effect of a sequence of membership changes.
type memberSet struct {
	added, removed []string
	typeOf         map[string]string
}

func (m *memberSet) add(id, typ string) {
	if i := slices.Index(m.removed, id); i >= 0 {
		m.removed = slices.Delete(m.removed, i, i+1) // removed then re-added: no net change
	} else {
		m.added = append(m.added, id)
	}
	m.setType(id, typ)
}

func (m *memberSet) remove(id, typ string) {
	if i := slices.Index(m.added, id); i >= 0 {
		m.added = slices.Delete(m.added, i, i+1)
	} else {
		m.removed = append(m.removed, id)
	}
	m.setType(id, typ)
}

func (m *memberSet) setType(id, typ string) {
	if typ == "" {
		return
	}
	if m.typeOf == nil {
		m.typeOf = map[string]string{}
	}
	m.typeOf[id] = typ
}

// collect reads (member_id, type) rows returned by a membership statement
// and passes them to fn (add or remove) in the order of ids, the order the
// caller listed them (RETURNING has no defined order); nil ids keeps the
// order of the rows.
func collect(rows pgx.Rows, ids []string, fn func(id, typ string)) error {
	var id, typ string
	got := map[string]string{}
	var order []string
	_, err := pgx.ForEachRow(rows, []any{&id, &typ}, func() error {
		got[id] = typ
		order = append(order, id)
		return nil
	})
	if err != nil {
		return err
	}
	if ids == nil {
		ids = order
	}
	for _, id := range ids {
		if typ, ok := got[id]; ok {
			delete(got, id)
			fn(id, typ)
		}
	}
	return nil
}

// addMembers inserts members not yet in the group, in order, at a cost
// independent of the group's size; present ones are left as they are.
func (s *Store) addMembers(ctx context.Context, tx pgx.Tx, tenant string, rt *schema.ResourceType, group string, ms []schema.Member, set *memberSet) error {
	a := membersAttr(rt)
	var ids, types, displays, refs, folds []string
	for _, m := range ms {
		if m.Value == "" {
			continue
		}
		f, err := foldedMember(a, m)
		if err != nil {
			return err
		}
		ids, types, displays, refs = append(ids, m.Value), append(types, m.Type), append(displays, m.Display), append(refs, "")
		folds = append(folds, string(f))
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, s.q(`INSERT INTO {s}.members (tenant, group_id, member_id, type, display, ref, fold)
		SELECT $1, $2, u.v, u.t, u.d, u.r, u.f::jsonb
		FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS u(v, t, d, r, f, n)
		ORDER BY u.n
		ON CONFLICT DO NOTHING
		RETURNING member_id, `+memberTypeExpr), tenant, group, ids, types, displays, refs, folds)
	if err != nil {
		return err
	}
	return collect(rows, ids, set.add)
}

// foldedMember is the fold document of one member (see resources.fold).
func foldedMember(a *schema.Attribute, m schema.Member) (string, error) {
	b, err := json.Marshal(mapAttr(a, memberValue(a, m), foldScalar))
	return string(b), err
}

// memberValue is the member as a value of the members attribute a.
func memberValue(a *schema.Attribute, m schema.Member) map[string]any {
	v := map[string]any{}
	for sub, x := range map[string]string{"value": m.Value, "type": m.Type, "display": m.Display} {
		if x != "" && a.Sub(sub) != nil {
			v[sub] = x
		}
	}
	return v
}

// removeMembers deletes the listed members that are in the group.
func (s *Store) removeMembers(ctx context.Context, tx pgx.Tx, tenant, group string, ids []string, set *memberSet) error {
	if len(ids) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, s.q(`DELETE FROM {s}.members WHERE tenant = $1 AND group_id = $2 AND member_id = ANY($3::text[])
		RETURNING member_id, `+memberTypeExpr), tenant, group, ids)
	if err != nil {
		return err
	}
	return collect(rows, ids, set.remove)
}

// clearMembers deletes every member of the group, reporting them in
// membership order.
func (s *Store) clearMembers(ctx context.Context, tx pgx.Tx, tenant, group string, set *memberSet) error {
	rows, err := tx.Query(ctx, s.q(`WITH d AS (DELETE FROM {s}.members WHERE tenant = $1 AND group_id = $2
		RETURNING member_id, `+memberTypeExpr+` AS t, ord)
		SELECT member_id, t FROM d ORDER BY ord`), tenant, group)
	if err != nil {
		return err
	}
	return collect(rows, nil, set.remove)
}

// applyDeltas applies membership deltas in order (RFC 7644 §3.5.2 member
// operations as split by patch.Patch.Members).
func (s *Store) applyDeltas(ctx context.Context, tx pgx.Tx, tenant string, rt *schema.ResourceType, group string, ds []schema.MemberDelta, set *memberSet) error {
	for _, d := range ds {
		var err error
		switch d.Kind {
		case schema.DeltaAdd:
			err = s.addMembers(ctx, tx, tenant, rt, group, d.Members, set)
		case schema.DeltaRemove:
			ids := make([]string, 0, len(d.Members))
			for _, m := range d.Members {
				ids = append(ids, m.Value)
			}
			err = s.removeMembers(ctx, tx, tenant, group, ids, set)
		case schema.DeltaClear:
			err = s.clearMembers(ctx, tx, tenant, group, set)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// membersOf converts a members attribute value (as in a Resource) into
// patch members, dropping values without "value" and later duplicates.
func membersOf(v any) []schema.Member {
	list, _ := v.([]any)
	var out []schema.Member
	seen := map[string]bool{}
	for _, e := range list {
		m, _ := e.(map[string]any)
		str := func(k string) string { s, _ := m[k].(string); return s }
		pm := schema.Member{Value: str("value"), Type: str("type"), Display: str("display")}
		if pm.Value == "" || seen[pm.Value] {
			continue
		}
		seen[pm.Value] = true
		out = append(out, pm)
	}
	return out
}

// leaveAll removes a deleted resource from every group it belongs to and
// returns those groups.
func (s *Store) leaveAll(ctx context.Context, tx pgx.Tx, tenant, id string) ([]string, error) {
	rows, err := tx.Query(ctx, s.q(`WITH d AS (DELETE FROM {s}.members WHERE tenant = $1 AND member_id = $2 RETURNING group_id, ord)
		SELECT group_id FROM d ORDER BY ord`), tenant, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
