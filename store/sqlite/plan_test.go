package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// explain returns SQLite's query plan for the page query of q.
func explain(t *testing.T, s *Store, rt *schema.ResourceType, q store.Query) (string, bool) {
	t.Helper()
	p := newPlan("t", rt, q)
	query := "EXPLAIN QUERY PLAN SELECT " + rowCols + " FROM resources r WHERE " + p.where.sql + orderBy(p.key, p.desc) + " LIMIT 10"
	rows, err := s.read.QueryContext(t.Context(), query, p.where.args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	return strings.Join(lines, "\n"), p.where.exact
}

func bound(t *testing.T, rt *schema.ResourceType, text string) filter.Expr {
	t.Helper()
	e, err := filter.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	if e, err = filter.Bind(rt, e); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestQueryPlans checks that the lookups IdPs make on every sync use an
// index and never scan the resources table.
func TestQueryPlans(t *testing.T) {
	s, err := Open(context.Background(), Config{Path: filepath.Join(t.TempDir(), "plan.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	users, groups := schema.UserResourceType(), schema.GroupResourceType()
	tests := []struct {
		rt     *schema.ResourceType
		filter string
		want   string
	}{
		{users, `userName eq "BJensen@example.com"`, "resources_user_name"},
		{users, `externalId eq "00u1"`, "resources_external_id"},
		{users, `id eq "2819c223"`, "resources_id"},
		{groups, `displayName eq "Admins"`, "resources_display_name"},
		{users, `userName eq "a" and active eq true`, "resources_user_name"},
		{groups, `members[value eq "2819c223"]`, "members_member"},
		{groups, `members.value eq "2819c223"`, "members_member"},
		{users, `groups[value eq "e9e30dba"]`, "members_pk"},
		{users, `groups.value eq "E9E30DBA"`, "members_pk"},
		{users, `userName eq "a" or externalId eq "b"`, "resources_user_name"},
		{groups, `displayName eq "Admins" and externalId eq "x"`, "resources_"},
	}
	t.Run("no filter", func(t *testing.T) {
		plan, _ := explain(t, s, users, store.Query{})
		if !strings.Contains(plan, "resources_order") || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("listing in creation order does not walk resources_order:\n%s", plan)
		}
	})
	for _, tc := range tests {
		t.Run(tc.filter, func(t *testing.T) {
			plan, exact := explain(t, s, tc.rt, store.Query{Filter: bound(t, tc.rt, tc.filter)})
			t.Logf("plan:\n%s", plan)
			if !exact {
				t.Errorf("filter not translated exactly")
			}
			if !strings.Contains(plan, "USING INDEX "+tc.want) && !strings.Contains(plan, "USING COVERING INDEX "+tc.want) {
				t.Errorf("plan does not use index %s", tc.want)
			}
			if strings.Contains(plan, "SCAN r") || strings.Contains(plan, "SCAN resources") {
				t.Errorf("plan scans the resources table")
			}
		})
	}
}

// TestMemberQueryPlans checks the membership statements: cost independent
// of group size.
func TestMemberQueryPlans(t *testing.T) {
	s, err := Open(context.Background(), Config{Path: filepath.Join(t.TempDir(), "plan.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, q := range []string{
		"INSERT INTO members (tenant, group_type, group_id, member_id, type, display, ref) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING member_id",
		"DELETE FROM members WHERE tenant = ? AND group_id = ? AND member_id = ? RETURNING member_id",
		"DELETE FROM members WHERE tenant = ? AND member_id = ? RETURNING group_id",
		"SELECT member_id, type, display, ref FROM members WHERE tenant = ? AND group_id = ? ORDER BY ord",
		`SELECT m.group_id, json_extract(g.data, '$.displayName')
		FROM members m JOIN resources g ON g.tenant = m.tenant AND g.type = m.group_type AND g.id = m.group_id
		WHERE m.tenant = ? AND m.member_id = ? ORDER BY m.ord`,
	} {
		rows, err := s.read.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q, "t", "Group", "g", "m", "", "", "")
		if err != nil {
			rows, err = s.read.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q, "t", "g", "m")
		}
		if err != nil {
			rows, err = s.read.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q, "t", "g")
		}
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			rows.Scan(&id, &parent, &unused, &detail)
			plan = append(plan, detail)
		}
		rows.Close()
		text := strings.Join(plan, "\n")
		t.Logf("%s\n→ %s", strings.Fields(q)[0], text)
		if strings.Contains(text, "SCAN") && !strings.Contains(text, "SCAN CONSTANT ROW") {
			t.Errorf("%s: plan scans:\n%s", q, text)
		}
	}
}

// TestPagePlan checks that an unfiltered page finds its first row through
// the page blocks of its tenant and type (a range of their primary key),
// seeks into the narrow (tenant, type, seq) index from there and reads
// only the page's rows (never a SCAN of a table), and
// that the groups of a page's members (read by the page's statement or by
// one of their own) come from the membership index.
func TestPagePlan(t *testing.T) {
	s, err := Open(context.Background(), Config{Path: filepath.Join(t.TempDir(), "plan.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := newPlan("t", schema.UserResourceType(), store.Query{})
	for _, tc := range []struct {
		query string
		args  []any
		want  []string
		avoid string // not in the plan, when set
	}{
		{pageQuery(p, p.where, false, false, false), []any{"t", "User", 10, 0}, []string{"USING COVERING INDEX resources_order", "USING INTEGER PRIMARY KEY"}, ""},
		{pageQuery(p, p.where, false, true, false), []any{"t", "User", 10, 0}, []string{"USING COVERING INDEX resources_order", "USING INTEGER PRIMARY KEY",
			"SEARCH m USING INDEX members_member (tenant=? AND member_id=?)", "SEARCH g USING INDEX resources_id"}, "TEMP B-TREE"},
		{pageQuery(p, p.where, true, false, false), []any{"t", "User", 600, 600, 600, "t", "User", 10}, []string{"SEARCH page_blocks USING PRIMARY KEY (tenant=? AND type=?)",
			"USING COVERING INDEX resources_order (tenant=? AND type=? AND seq>?)", "USING INTEGER PRIMARY KEY"}, ""},
		{pageQuery(p, p.where, true, true, true), []any{"t", "User", 600, 600, 600, "t", "User", 10}, []string{"SEARCH page_blocks USING PRIMARY KEY (tenant=? AND type=?)",
			"USING COVERING INDEX resources_order (tenant=? AND type=? AND seq>?)", "USING INTEGER PRIMARY KEY",
			"SEARCH m USING INDEX members_member (tenant=? AND member_id=?)"}, "TEMP B-TREE"},
		{missesQuery(3), []any{"t", "User", 1, 2, 3}, []string{"USING INTEGER PRIMARY KEY (rowid=?)"}, "SCAN"},
		{groupsOfQuery, []any{"t", `["a"]`}, []string{"USING INDEX members_member", "USING INDEX resources_id"}, ""},
		{membersOfQuery, []any{"t", `["a"]`}, []string{"USING INDEX members_group_order"}, ""},
	} {
		rows, err := s.read.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+tc.query, tc.args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var a, b, c int
			var d string
			if err := rows.Scan(&a, &b, &c, &d); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, d)
		}
		rows.Close()
		got := strings.Join(plan, "\n")
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("plan of %s\n%s\nlacks %q", tc.query, got, w)
			}
		}
		if tc.avoid != "" && strings.Contains(got, tc.avoid) {
			t.Errorf("plan of %s\n%s\nhas %q", tc.query, got, tc.avoid)
		}
		t.Logf("%s\n→ %s", tc.query, got)
		if strings.Contains(got, "SCAN r") || strings.Contains(got, "SCAN m") || strings.Contains(got, "SCAN page_blocks") {
			t.Errorf("plan of %s scans a table:\n%s", tc.query, got)
		}
	}
}
