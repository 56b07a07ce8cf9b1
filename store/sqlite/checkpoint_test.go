package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/sqlite"
	"github.com/scimkit/scimkit/store/storetest"
)

// openCheckpointing opens a store in a temporary file with the WAL
// checkpointer's threshold at pages (sqlite.OpenCheckpointing).
func openCheckpointing(t *testing.T, pages int, background bool, done func(int, error)) (*sqlite.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "scim.db")
	s, err := sqlite.OpenCheckpointing(t.Context(), sqlite.Config{Path: path}, pages, background, done)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func walIndex(t *testing.T, s *sqlite.Store) (frames, backfilled int) {
	t.Helper()
	frames, backfilled, ok := sqlite.WALIndex(s)
	if !ok {
		t.Fatal("the WAL index header cannot be read")
	}
	return frames, backfilled
}

// TestCheckpointOffWritePath: a COMMIT never checkpoints, however long the
// WAL grows below its bound (SQLite's wal_autocheckpoint would copy the
// WAL in the COMMIT that takes it past 1000 pages).
func TestCheckpointOffWritePath(t *testing.T) {
	s, _ := openCheckpointing(t, sqlite.DefaultCheckpointPages, false, nil)
	ctx := t.Context()
	for i := 0; ; i++ {
		if _, err := s.Create(ctx, "t", users, storetest.TypicalUser(i)); err != nil {
			t.Fatal(err)
		}
		frames, backfilled := walIndex(t, s)
		if backfilled != 0 {
			t.Fatalf("after %d creates the WAL (%d frames) was checkpointed up to frame %d by a write", i+1, frames, backfilled)
		}
		if frames > sqlite.DefaultCheckpointPages+200 {
			return
		}
		if i == 5000 {
			t.Fatalf("5000 creates left a WAL of %d frames: it was restarted", frames)
		}
	}
}

// TestCheckpointInBackground: the background checkpointer copies the WAL
// into the database file once it holds the threshold's pages (20 creates
// write far more than 16 pages).
func TestCheckpointInBackground(t *testing.T) {
	copied := make(chan int, 1)
	errs := make(chan error, 1)
	s, _ := openCheckpointing(t, 16, true, func(n int, err error) {
		if err != nil {
			select {
			case errs <- err:
			default:
			}
		} else if n > 0 {
			select {
			case copied <- n:
			default:
			}
		}
	})
	ctx := t.Context()
	for i := range 20 {
		if _, err := s.Create(ctx, "t", users, storetest.TypicalUser(i)); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-copied: // a background checkpoint copied frames
	case err := <-errs:
		t.Fatalf("background checkpoint: %v", err)
	}
}

// TestWALBounded: under sustained writes the WAL file stays within its
// bound (four times the checkpoint threshold, plus the frames of one
// transaction) even when the background checkpointer does not run: the
// writer then restarts the WAL itself.
func TestWALBounded(t *testing.T) {
	const pages = 16
	s, path := openCheckpointing(t, pages, false, nil)
	ctx := t.Context()
	const frameSize = 4096 + 24
	const slack = 64 // frames one create's transaction may write
	maxSize := int64(32 + (4*pages+slack)*frameSize)
	for i := range 600 {
		u := storetest.TypicalUser(i)
		u.Attrs["nickName"] = fmt.Sprintf("%0500d", i) // bigger rows: more pages
		if _, err := s.Create(ctx, "t", users, u); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() > maxSize {
			frames, backfilled := walIndex(t, s)
			t.Fatalf("after %d creates the WAL is %d bytes (%d frames, %d copied), want at most %d", i+1, fi.Size(), frames, backfilled, maxSize)
		}
	}
}

// TestCloseTruncatesWAL: Close copies the WAL into the database file and
// leaves it empty, and the data is in the file, even while another
// connection has the database open (SQLite's own checkpoint at close runs
// only in the last connection to close).
func TestCloseTruncatesWAL(t *testing.T) {
	s, path := openCheckpointing(t, sqlite.DefaultCheckpointPages, false, nil)
	ctx := t.Context()
	other, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.PingContext(ctx); err != nil {
		t.Fatal(err)
	}
	u, err := s.Create(ctx, "t", users, user("bjensen"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if _, err := s.Create(ctx, "t", users, storetest.TypicalUser(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path + "-wal"); err != nil {
		t.Fatal(err)
	} else if fi.Size() != 0 {
		t.Errorf("after Close the WAL is %d bytes, want empty", fi.Size())
	}
	s2, err := sqlite.Open(ctx, sqlite.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	var n int
	if err := sqlite.QueryInt(ctx, s2, "SELECT count(*) FROM resources", &n); err != nil || n != 51 {
		t.Fatalf("reopened: %d resources (%v), want 51", n, err)
	}
	if _, err := s2.Get(ctx, "t", users, u.ID, store.ReadOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestLongReaderDoesNotHoldWrites: a reader holding a snapshot (a long
// export, a backup, another process) keeps the WAL from starting over.
// The writer's RESTART checkpoint at the WAL's bound must not wait for it
// (busy_timeout here is an hour): writes go on, and the WAL grows until
// the reader leaves, as with SQLite's own checkpoints; then the bound
// holds again.
func TestLongReaderDoesNotHoldWrites(t *testing.T) {
	const pages = 16
	path := filepath.Join(t.TempDir(), "scim.db")
	s, err := sqlite.OpenCheckpointing(t.Context(), sqlite.Config{Path: path, BusyTimeout: time.Hour}, pages, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	// A liveness bound, not a timing target: a RESTART waiting for the
	// reader would hold the first write past the bound for an hour.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	if _, err := s.Create(ctx, "t", users, storetest.TypicalUser(0)); err != nil {
		t.Fatal(err)
	}
	reader, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	tx, err := reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM resources").Scan(&n); err != nil {
		t.Fatal(err)
	}
	create := func(i int) {
		t.Helper()
		u := storetest.TypicalUser(i)
		u.Attrs["nickName"] = fmt.Sprintf("%0500d", i)
		if _, err := s.Create(ctx, "t", users, u); err != nil {
			t.Fatalf("create %d with a reader holding a snapshot: %v", i, err)
		}
	}
	for i := 1; i < 300; i++ {
		create(i)
	}
	if frames, _ := walIndex(t, s); frames < 4*pages {
		t.Fatalf("the WAL holds %d frames with a reader holding a snapshot: the test did not reach the bound", frames)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	for i := 300; i < 600; i++ {
		create(i)
	}
	if frames, _ := walIndex(t, s); frames > 4*pages+64 {
		t.Errorf("the WAL holds %d frames after the reader left, want at most %d", frames, 4*pages+64)
	}
}
