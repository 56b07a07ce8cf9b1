package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// TestReadPoolKeepsConnections checks that read connections used at once
// stay open when they are returned (with their page cache and prepared
// statements), rather than all but two being closed.
func TestReadPoolKeepsConnections(t *testing.T) {
	s, err := Open(context.Background(), Config{Path: filepath.Join(t.TempDir(), "pool.db"), MaxReaders: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var conns []*sql.Conn
	for range 4 {
		c, err := s.read.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Close()
	}
	st := s.read.Stats()
	if st.Idle != 4 || st.MaxIdleClosed != 0 {
		t.Errorf("after 4 readers at once: %d idle, %d closed as surplus; want 4 idle, none closed", st.Idle, st.MaxIdleClosed)
	}
}
