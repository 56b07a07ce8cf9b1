package postgres_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scimkit/internal/pgtest"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/storetest"
)

// createUsers creates n users in tenant "t" from 8 goroutines.
func createUsers(t *testing.T, s *postgres.Store, from, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := from + w; i < from+n; i += 8 {
				if _, err := s.Create(t.Context(), "t", storetest.UserType(), storetest.TypicalUser(i)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// analyzed reports whether the server recorded an ANALYZE of the store's
// resources table (by this package: autovacuum is not counted).
func analyzed(t *testing.T, s *postgres.Store) bool {
	t.Helper()
	n, err := s.QueryInt(t.Context(), `SELECT count(*) FROM pg_stat_user_tables
		WHERE schemaname = $1 AND relname = 'resources' AND last_analyze IS NOT NULL`, s.Schema())
	if err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// waitUntil polls cond until it holds, failing the test with msg after
// within.
func waitUntil(t *testing.T, within time.Duration, msg string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
	}
}

func TestAnalyzeAfterWrites(t *testing.T) {
	s := open(t, postgres.Config{Analyze: postgres.AnalyzeAlways, MaxConns: 8})
	if analyzed(t, s) {
		t.Fatal("empty resources analyzed at Open")
	}
	createUsers(t, s, 0, 2000)
	waitUntil(t, 5*time.Second, "resources not analyzed 5s after 2000 creates", func() bool { return analyzed(t, s) })
}

func TestAnalyzeNeverAndAtOpen(t *testing.T) {
	dsn := pgtest.DSN(t)
	schema := pgtest.Schema(t, dsn)
	s := open(t, postgres.Config{DSN: dsn, Schema: schema, Analyze: postgres.AnalyzeNever, MaxConns: 8})
	createUsers(t, s, 0, 600)
	time.Sleep(1500 * time.Millisecond) // give a wrongly started check time to finish
	if analyzed(t, s) {
		t.Fatal("Analyze never: resources analyzed")
	}
	// A store opened on tables that have rows but no statistics analyzes
	// them before Open returns.
	s2 := open(t, postgres.Config{DSN: dsn, Schema: schema, Analyze: postgres.AnalyzeAlways})
	if !analyzed(t, s2) {
		t.Fatal("Analyze always: resources with rows and no statistics not analyzed at Open")
	}
}

func TestAnalyzeConfig(t *testing.T) {
	_, err := postgres.Open(context.Background(), postgres.Config{DSN: pgtest.DefaultDSN, Analyze: "sometimes"})
	if err == nil || !strings.Contains(err.Error(), "Config.Analyze") {
		t.Fatalf("Open with Analyze %q: %v, want an error naming Config.Analyze", "sometimes", err)
	}
}

// TestAnalyzeAfterShortBurst: fewer writes than one periodic check needs
// are analyzed by the check that follows a quiet period.
func TestAnalyzeAfterShortBurst(t *testing.T) {
	s := open(t, postgres.Config{Analyze: postgres.AnalyzeAlways, MaxConns: 8})
	createUsers(t, s, 0, 100)
	waitUntil(t, 10*time.Second, "resources not analyzed 10s after a burst of 100 creates", func() bool { return analyzed(t, s) })
}

// TestVacuumWithoutAutovacuum: when autovacuum is off, the store's checks
// vacuum the tables they analyze, in the same statement, so that dead
// rows are reclaimed and the visibility map that index-only page scans
// rely on is set: once resources is analyzed, it is vacuumed.
func TestVacuumWithoutAutovacuum(t *testing.T) {
	s := open(t, postgres.Config{MaxConns: 8})
	if on, err := s.QueryInt(t.Context(), `SELECT current_setting('autovacuum')::boolean::int`); err != nil {
		t.Fatal(err)
	} else if on == 1 {
		t.Skip("autovacuum is on: the store leaves vacuuming to it")
	}
	createUsers(t, s, 0, 300)
	waitUntil(t, 10*time.Second, "resources not analyzed 10s after 300 creates", func() bool { return analyzed(t, s) })
	n, err := s.QueryInt(t.Context(), `SELECT count(*) FROM pg_stat_user_tables
		WHERE schemaname = $1 AND relname = 'resources' AND last_vacuum IS NOT NULL`, s.Schema())
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("autovacuum off: resources analyzed by the store but not vacuumed")
	}
}

// TestAnalyzeInterval: a table analyzed less than analyzeInterval ago is
// not analyzed again for more changes, unless it has doubled in size.
func TestAnalyzeInterval(t *testing.T) {
	s := open(t, postgres.Config{Analyze: postgres.AnalyzeAlways, MaxConns: 8})
	analyses := func() int64 {
		t.Helper()
		n, err := s.QueryInt(t.Context(), `SELECT analyze_count FROM pg_stat_user_tables
			WHERE schemaname = $1 AND relname = 'resources'`, s.Schema())
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitMore := func(than int64, what string) {
		t.Helper()
		waitUntil(t, 10*time.Second, "resources not analyzed again 10s after "+what, func() bool { return analyses() > than })
	}
	createUsers(t, s, 0, 300)
	waitMore(0, "300 creates")
	time.Sleep(3 * time.Second) // past analyzeQuiet and the statistics' lag
	first := analyses()
	rows, err := s.QueryInt(t.Context(), `SELECT reltuples::bigint FROM pg_class WHERE oid = $1::regclass`, s.Schema()+".resources")
	if err != nil {
		t.Fatal(err)
	}
	createUsers(t, s, 300, int(rows)/2) // stale, not doubled
	time.Sleep(3 * time.Second)
	if n := analyses(); n != first {
		t.Fatalf("resources analyzed %d times within seconds of %d more creates, want %d", n, rows/2, first)
	}
	createUsers(t, s, 1000, 2*int(rows)+100) // doubled
	waitMore(first, "doubling")
}
