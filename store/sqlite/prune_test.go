package sqlite_test

import (
	"bytes"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/sqlite"
)

// TestBackgroundPrune checks that Open starts pruning in the background
// and Close stops it: with Window negative and no consumer, every event
// goes at the next run.
func TestBackgroundPrune(t *testing.T) {
	s, err := sqlite.Open(t.Context(), sqlite.Config{Path: filepath.Join(t.TempDir(), "scim.db"),
		Retention: store.Retention{Window: -1, Interval: 5 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, name := range []string{"a", "b", "c"} {
		if _, err := s.Create(t.Context(), "t", users, user(name)); err != nil {
			t.Fatal(err)
		}
	}
	// Not a timing assertion: the deadline only bounds a hang.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		_, err := s.Events(t.Context(), 0, 10)
		if exp, ok := errors.AsType[*store.ExpiredError](err); ok && exp.Pruned == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Events(0) = %v, want the 3 events pruned in the background", err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestBackgroundPruneLogs checks that a failure of the background pruning,
// which has no caller to return it to, is logged through Config.Logger.
func TestBackgroundPruneLogs(t *testing.T) {
	var buf syncBuffer
	s, err := sqlite.Open(t.Context(), sqlite.Config{Path: filepath.Join(t.TempDir(), "scim.db"),
		Retention: store.Retention{Window: -1, Interval: 5 * time.Millisecond},
		Logger:    slog.New(slog.NewTextHandler(&buf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := sqlite.Exec(t.Context(), s, "ALTER TABLE events RENAME TO events_gone"); err != nil {
		t.Fatal(err)
	}
	// Not a timing assertion: the deadline only bounds a hang.
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(buf.String(), "pruning the outbox failed"); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no pruning failure logged; log: %q", buf.String())
		}
	}
	if !strings.Contains(buf.String(), "level=WARN") || !strings.Contains(buf.String(), "events") {
		t.Errorf("log line %q: want a warning naming the failure", buf.String())
	}
}

// syncBuffer is a bytes.Buffer safe for the logger's goroutine and the
// test's.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
