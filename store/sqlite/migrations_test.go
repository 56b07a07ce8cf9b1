package sqlite

import (
	"strings"
	"testing"
)

// TestMigrationsNumbered: the embedded migrations are numbered 1..n
// without gaps (a database records only the highest it applied).
func TestMigrationsNumbered(t *testing.T) {
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if m.version != i+1 {
			t.Fatalf("migration %s is number %d at position %d", m.name, m.version, i+1)
		}
	}
}

// TestMemberLookupPlan: a member is looked up by tenant and id with one
// seek of resources_tenant_id, not a scan over every tenant and type
// (which made resolving members cost O(tenants) inside the writer).
func TestMemberLookupPlan(t *testing.T) {
	s, err := Open(t.Context(), Config{Path: t.TempDir() + "/plan.db"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, q := range []string{
		"SELECT id, type FROM resources WHERE tenant = ? AND id IN (SELECT value FROM json_each(?))",
		"SELECT type FROM resources WHERE tenant = ? AND id = ?",
	} {
		rows, err := s.read.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q, "t", "x")
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if !strings.Contains(strings.Join(plan, "; "), "resources_tenant_id (tenant=? AND id=?)") {
			t.Errorf("%s: plan %q, want a seek of resources_tenant_id", q, plan)
		}
	}
}
