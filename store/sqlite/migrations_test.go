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
	for _, q := range []string{resolveSQL, resolveOneSQL} {
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

// TestScrubRetried: a scrub that did not finish (a crash or a full disk
// after migration 0011 committed) is run at the next Open, and its
// marker is removed only then.
func TestScrubRetried(t *testing.T) {
	path := t.TempDir() + "/scrub.db"
	s, err := Open(t.Context(), Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	count := func(s *Store) int {
		t.Helper()
		var n int
		if err := s.write.QueryRowContext(t.Context(), `SELECT count(*) FROM scrub_pending`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(s); n != 0 {
		t.Fatalf("scrub_pending after a fresh Open: %d rows, want 0", n)
	}
	// As a crash between 0011's commit and the end of the scrub leaves it.
	if _, err := s.write.ExecContext(t.Context(), `INSERT INTO scrub_pending (reason) VALUES ('test')`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = Open(t.Context(), Config{Path: path}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := count(s); n != 0 {
		t.Errorf("scrub_pending after the next Open: %d rows, want 0 (the scrub ran)", n)
	}
}
