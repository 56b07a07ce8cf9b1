package sqlite

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/scimkit/scimkit/schema"
)

// member is one row of the membership index.
type member = schema.Member

// memberValues is the inverse of membersOf.
func memberValues(ms []member) []any { return schema.MemberValues(ms) }

func readMembers(ctx context.Context, q querier, tenant, groupID string) ([]member, error) {
	rows, err := q.QueryContext(ctx, "SELECT member_id, type, display FROM members WHERE tenant = ? AND group_id = ? ORDER BY ord", tenant, groupID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []member
	for rows.Next() {
		var m member
		if err := rows.Scan(&m.Value, &m.Type, &m.Display); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// readGroups returns the "groups" attribute of a member (RFC 7643 §4.1.2):
// the direct groups with their current displayName, in joining order.
func readGroups(ctx context.Context, q querier, tenant, memberID string) ([]any, error) {
	rows, err := q.QueryContext(ctx, `SELECT m.group_id, json_extract(g.data, '$.displayName')
		FROM members m JOIN resources g ON g.tenant = m.tenant AND g.type = m.group_type AND g.id = m.group_id
		WHERE m.tenant = ? AND m.member_id = ? ORDER BY m.ord`, tenant, memberID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []any
	for rows.Next() {
		var id string
		var display *string
		if err := rows.Scan(&id, &display); err != nil {
			return nil, err
		}
		g := map[string]any{"value": id, "type": "direct"}
		if display != nil && *display != "" {
			g["display"] = *display
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// groupsCol is a column of a statement over resources r: the groups r is a
// direct member of, as readGroups reads them, as a JSON array of
// [ord, group id, displayName] triples (setGroups decodes them and puts
// them in membership order: an ORDER BY inside the aggregate would open a
// temporary B-tree for every row).
const groupsCol = `(SELECT json_group_array(json_array(m.ord, m.group_id, json_extract(g.data, '$.displayName')))
		FROM members m JOIN resources g ON g.tenant = m.tenant AND g.type = m.group_type AND g.id = m.group_id
		WHERE m.tenant = r.tenant AND m.member_id = r.id)`

// setGroups sets the groups attribute of r from a groupsCol value, as
// complete does from readGroups.
func setGroups(rt *schema.ResourceType, r *schema.Resource, triples string) error {
	if triples == "" || triples == "[]" {
		return nil
	}
	var ts []groupTriple
	if err := json.Unmarshal([]byte(triples), &ts); err != nil {
		return fmt.Errorf("groups of %s %s: %w", rt.Name, r.ID, err)
	}
	slices.SortFunc(ts, func(a, b groupTriple) int { return cmp.Compare(a.ord, b.ord) })
	gs := make([]any, 0, len(ts))
	for _, t := range ts {
		g := map[string]any{"value": t.id, "type": "direct"}
		if t.display != nil && *t.display != "" {
			g["display"] = *t.display
		}
		gs = append(gs, g)
	}
	r.Attrs[infoOf(rt).groups.Name] = gs
	return nil
}

// groupTriple is one [ord, group id, displayName] of a groupsCol value.
type groupTriple struct {
	ord     int64
	id      string
	display *string
}

func (g *groupTriple) UnmarshalJSON(b []byte) error {
	var t [3]json.RawMessage
	if err := json.Unmarshal(b, &t); err != nil {
		return err
	}
	if err := json.Unmarshal(t[0], &g.ord); err != nil {
		return err
	}
	if err := json.Unmarshal(t[1], &g.id); err != nil {
		return err
	}
	return json.Unmarshal(t[2], &g.display)
}

// Queries of readMembersOf and readGroupsOf; ids is a JSON array.
const (
	membersOfQuery = `SELECT group_id, member_id, type, display FROM members
		WHERE tenant = ? AND group_id IN (SELECT value FROM json_each(?)) ORDER BY ord`
	groupsOfQuery = `SELECT m.member_id, m.group_id, json_extract(g.data, '$.displayName')
		FROM members m JOIN resources g ON g.tenant = m.tenant AND g.type = m.group_type AND g.id = m.group_id
		WHERE m.tenant = ? AND m.member_id IN (SELECT value FROM json_each(?)) ORDER BY m.ord`
)

// readMembersOf returns the members of each of the groups ids in one
// query (a page of groups), in insertion order.
func readMembersOf(ctx context.Context, q querier, tenant string, ids string) (map[string][]member, error) {
	rows, err := q.QueryContext(ctx, membersOfQuery, tenant, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]member{}
	for rows.Next() {
		var g string
		var m member
		if err := rows.Scan(&g, &m.Value, &m.Type, &m.Display); err != nil {
			return nil, err
		}
		out[g] = append(out[g], m)
	}
	return out, rows.Err()
}

// readGroupsOf returns the "groups" attribute of each of the members ids
// in one query (a page of users) instead of one query per user.
func readGroupsOf(ctx context.Context, q querier, tenant string, ids string) (map[string][]any, error) {
	rows, err := q.QueryContext(ctx, groupsOfQuery, tenant, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]any{}
	for rows.Next() {
		var member, id string
		var display *string
		if err := rows.Scan(&member, &id, &display); err != nil {
			return nil, err
		}
		g := map[string]any{"value": id, "type": "direct"}
		if display != nil && *display != "" {
			g["display"] = *display
		}
		out[member] = append(out[member], g)
	}
	return out, rows.Err()
}
