package sqlite

import "testing"

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
