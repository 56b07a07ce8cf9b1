package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

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
// [group id, displayName] pairs in membership order (setGroups decodes it).
const groupsCol = `(SELECT json_group_array(json_array(m.group_id, json_extract(g.data, '$.displayName')) ORDER BY m.ord)
		FROM members m JOIN resources g ON g.tenant = m.tenant AND g.type = m.group_type AND g.id = m.group_id
		WHERE m.tenant = r.tenant AND m.member_id = r.id)`

// setGroups sets the groups attribute of r from the groupsCol value
// pairs, as complete does from readGroups.
func setGroups(rt *schema.ResourceType, r *schema.Resource, pairs string) error {
	if pairs == "" || pairs == "[]" {
		return nil
	}
	var ps [][2]*string
	if err := json.Unmarshal([]byte(pairs), &ps); err != nil {
		return fmt.Errorf("groups of %s %s: %w", rt.Name, r.ID, err)
	}
	gs := make([]any, 0, len(ps))
	for _, p := range ps {
		if p[0] == nil {
			return fmt.Errorf("groups of %s %s: a group without an id", rt.Name, r.ID)
		}
		g := map[string]any{"value": *p[0], "type": "direct"}
		if p[1] != nil && *p[1] != "" {
			g["display"] = *p[1]
		}
		gs = append(gs, g)
	}
	r.Attrs[infoOf(rt).groups.Name] = gs
	return nil
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
