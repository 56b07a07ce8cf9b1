package sqlite

import (
	"context"

	"github.com/scimkit/scimkit/schema"
)

// member is one row of the membership index.
type member = schema.Member

// membersOf converts a "members" attribute value to members.
func membersOf(v any) []member { return schema.MembersOf(v) }

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

// memberChange is what a set of membership writes really did.
type memberChange struct {
	added, removed []string
	memberOf       map[string]string
}

// addMembers inserts the members not present yet; cost is independent of
// the group's size.
func (tx *txn) addMembers(ctx context.Context, tenant string, rt *schema.ResourceType, groupID string, ms []member) (memberChange, error) {
	var ch memberChange
	for _, m := range ms {
		var got string
		err := tx.QueryRowContext(ctx, `INSERT INTO members (tenant, group_type, group_id, member_id, type, display, ref)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING member_id`,
			tenant, rt.Name, groupID, m.Value, m.Type, m.Display, "").Scan(&got)
		if isNoRows(err) {
			continue
		}
		if err != nil {
			return ch, err
		}
		ch.added = append(ch.added, m.Value)
	}
	var err error
	ch.memberOf, err = tx.memberTypes(ctx, tenant, rt, ch.added, ms)
	return ch, err
}

// removeMember deletes one membership and reports whether it existed.
func (tx *txn) removeMember(ctx context.Context, tenant, groupID, memberID string) (bool, error) {
	var got string
	err := tx.QueryRowContext(ctx, "DELETE FROM members WHERE tenant = ? AND group_id = ? AND member_id = ? RETURNING member_id",
		tenant, groupID, memberID).Scan(&got)
	if isNoRows(err) {
		return false, nil
	}
	return err == nil, err
}

// memberTypes maps each id to its resource type for event derivation:
// rt.Name when it is a resource of the group type itself (a nested group),
// else the member's declared type, else "User".
func (tx *txn) memberTypes(ctx context.Context, tenant string, rt *schema.ResourceType, ids []string, declared []member) (map[string]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	decl := make(map[string]string, len(declared))
	for _, m := range declared {
		decl[m.Value] = m.Type
	}
	out := make(map[string]string, len(ids))
	for _, id := range ids {
		var one int
		err := tx.QueryRowContext(ctx, "SELECT 1 FROM resources WHERE tenant = ? AND type = ? AND id = ?", tenant, rt.Name, id).Scan(&one)
		switch {
		case err == nil:
			out[id] = rt.Name
		case !isNoRows(err):
			return nil, err
		case decl[id] != "":
			out[id] = decl[id]
		default:
			out[id] = "User"
		}
	}
	return out, nil
}
