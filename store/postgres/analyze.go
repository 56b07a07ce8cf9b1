package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// AnalyzeMode says whether the store keeps the planner statistics of its
// tables fresh itself (Config.Analyze).
type AnalyzeMode string

// Values of Config.Analyze.
const (
	// AnalyzeAuto, the default (also the zero value ""), analyzes only
	// when the server's autovacuum will not: autovacuum is off, or
	// disabled on one of the store's tables (reloptions).
	AnalyzeAuto AnalyzeMode = "auto"
	// AnalyzeAlways analyzes whatever autovacuum does.
	AnalyzeAlways AnalyzeMode = "always"
	// AnalyzeNever leaves statistics to the server or the operator.
	AnalyzeNever AnalyzeMode = "never"
)

const (
	// analyzeEvery is how many committed write transactions of one Store
	// start one check of the tables' statistics.
	analyzeEvery = 256
	// analyzeTimeout bounds one check with the ANALYZE statements it runs.
	analyzeTimeout = 5 * time.Minute
	// analyzeQuiet is how long after the last write one more check runs,
	// so that the last writes of a burst (fewer than analyzeEvery) are
	// analyzed too; the server's statistics view lags writes by about a
	// second.
	analyzeQuiet = 2 * time.Second
	// analyzeGap is the least time between two checks started by the
	// count of writes: a check's query (pg_stat_user_tables, which reads
	// every relation of the database) took 3 to 4 ms (psql's timing)
	// with 753 relations, and 2,000 creates a second started eight.
	analyzeGap = time.Second
	// analyzeInterval is the least time between two analyses of a table
	// whose size has not doubled. Autovacuum visits a table at most once
	// per autovacuum_naptime (a minute); without a bound, the store
	// analyzed (and vacuumed) a group's hot tables several times a second
	// under a stream of membership changes, 6% of a 2-core machine's CPU.
	analyzeInterval = 10 * time.Second
)

// staleTables lists the store's tables whose statistics autovacuum's
// default analyze threshold (50 rows + 10% of the live rows changed since
// the last analyze) calls stale, or that have rows but were never
// analyzed, and whether each is due: never analyzed, analyzed over $2
// seconds ago, or grown to twice the rows its statistics count (a tenant's first
// sync is planned with its size).
const staleTables = `SELECT s.relname,
	    coalesce(greatest(s.last_analyze, s.last_autoanalyze) < now() - make_interval(secs => $2), true)
	    OR s.n_live_tup > 2 * greatest(c.reltuples, 0) + 50
	FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
	WHERE s.schemaname = $1
	  AND (s.n_mod_since_analyze > 50 + 0.1 * s.n_live_tup
	       OR (s.n_live_tup > 0 AND s.last_analyze IS NULL AND s.last_autoanalyze IS NULL))
	ORDER BY s.relname`

// autovacuumAnalyzes reports whether the server's autovacuum analyzes
// every table of the store's schema: autovacuum is on and no table's
// reloptions switch it off.
func (s *Store) autovacuumAnalyzes(ctx context.Context) (bool, error) {
	var on bool
	err := s.pool.QueryRow(ctx, `SELECT current_setting('autovacuum')::boolean
		AND NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
			  AND EXISTS (SELECT 1 FROM unnest(c.reloptions) o WHERE lower(o) IN ('autovacuum_enabled=false', 'autovacuum_enabled=off', 'autovacuum_enabled=0', 'autovacuum_enabled=no')))`,
		s.cfg.Schema).Scan(&on)
	return on, err
}

// startAnalyzer decides at Open whether the store analyzes its own tables,
// and whether it vacuums them too (when autovacuum will not), and if so
// analyzes the stale ones once before Open returns (an existing database
// that never had statistics gets them before the first request). A
// failing check leaves the store working, analyzing and vacuuming as if
// autovacuum were off; a failing ANALYZE is ignored.
func (s *Store) startAnalyzer(ctx context.Context) {
	if s.cfg.Analyze == AnalyzeNever {
		return
	}
	on, err := s.autovacuumAnalyzes(ctx)
	if s.cfg.Analyze == AnalyzeAuto && err == nil && on {
		return
	}
	s.vacuum = err != nil || !on
	s.bg, s.bgCancel = context.WithCancel(context.Background())
	ctx, cancel := context.WithTimeout(ctx, analyzeTimeout)
	defer cancel()
	s.analyzeStale(ctx)
}

// wrote counts one committed write transaction; every analyzeEvery-th
// starts a check of the statistics in the background, at most one per
// analyzeGap, and a few more run after the last write (quietCheck).
func (s *Store) wrote() {
	if s.bg == nil {
		return
	}
	s.lastWrite.Store(time.Now().UnixNano())
	if s.quietSet.CompareAndSwap(false, true) {
		s.quietCheck(analyzeQuiet)
	}
	if s.writes.Add(1)%analyzeEvery == 0 {
		now := time.Now().UnixNano()
		if last := s.lastCheck.Load(); now-last >= int64(analyzeGap) && s.lastCheck.CompareAndSwap(last, now) {
			s.check()
		}
	}
}

// quietCheck starts checks analyzeQuiet after the last write (in d or
// later), then twice as long after it each time while that is under 7
// times analyzeQuiet: at about 2, 6 and 18 s. The writes of a burst reach
// the server's statistics views about a second after they commit, later
// on a loaded server, whose backends put off publishing their counts: one
// check analyzeQuiet after the burst's first write missed its last ones
// (TestAnalyzeAfterShortBurst, in a full test run).
func (s *Store) quietCheck(d time.Duration) {
	time.AfterFunc(d, func() {
		since := time.Duration(time.Now().UnixNano() - s.lastWrite.Load())
		if since < analyzeQuiet {
			s.quietCheck(analyzeQuiet - since)
			return
		}
		s.check()
		if since < 7*analyzeQuiet {
			s.quietCheck(2 * since)
			return
		}
		s.quietSet.Store(false)
	})
}

// check starts a check of the statistics in the background unless the
// store is closed; when one runs, that one checks again once done (a
// table it found not yet due may be due by now).
func (s *Store) check() {
	if !s.analyzing.CompareAndSwap(false, true) {
		s.recheck.Store(true)
		return
	}
	s.bgMu.Lock()
	defer s.bgMu.Unlock()
	if s.closed.Load() {
		s.analyzing.Store(false)
		return
	}
	s.wg.Add(1)
	go s.analyze()
}

// analyze runs ANALYZE on each of the store's tables whose statistics are
// stale (staleTables), on the store's background context, never a
// request's: Close cancels it. Errors are logged (analyzeStale).
func (s *Store) analyze() {
	defer s.wg.Done()
	ctx, cancel := context.WithTimeout(s.bg, analyzeTimeout)
	defer cancel()
	for {
		s.recheck.Store(false)
		s.analyzeStale(ctx)
		s.analyzing.Store(false)
		// A check asked for meanwhile runs here, unless a new one started.
		if !s.recheck.Load() || ctx.Err() != nil || !s.analyzing.CompareAndSwap(false, true) {
			return
		}
	}
}

// analyzeStale runs ANALYZE on each stale table (staleTables) until ctx
// ends, VACUUM (ANALYZE) when autovacuum will not vacuum (s.vacuum): a
// table nothing vacuums keeps its dead rows, and its visibility map is
// never set, so an index-only scan (a page's sequence numbers, the
// membership test of its groups) reads the table for every entry (a page
// at offset 900 of a tenant: 1,000 heap fetches, 0.47 ms; vacuumed, none,
// 0.29 ms). VACUUM reads only the pages changed since the last one, on
// the same schedule as ANALYZE, in the background. A failure is logged,
// not returned: statistics only steer plans, and the next check tries
// again.
func (s *Store) analyzeStale(ctx context.Context) {
	fail := func(err error) {
		if ctx.Err() == nil {
			s.cfg.Logger.Warn("store: refreshing planner statistics failed; retrying at the next check", "err", err)
		}
	}
	rows, err := s.pool.Query(ctx, staleTables, s.cfg.Schema, analyzeInterval.Seconds())
	if err != nil {
		fail(err)
		return
	}
	var tables []string
	var table string
	var due, later bool
	_, err = pgx.ForEachRow(rows, []any{&table, &due}, func() error {
		if due {
			tables = append(tables, table)
		} else {
			later = true
		}
		return nil
	})
	if err != nil {
		fail(err)
		return
	}
	if later && s.laterSet.CompareAndSwap(false, true) {
		// A table analyzed too recently: check again once it is due,
		// should no write come to start a check.
		time.AfterFunc(analyzeInterval, func() {
			s.laterSet.Store(false)
			s.check()
		})
	}
	stmt := `ANALYZE `
	if s.vacuum {
		stmt = `VACUUM (ANALYZE) `
	}
	for _, t := range tables {
		if _, err := s.pool.Exec(ctx, stmt+pgx.Identifier{s.cfg.Schema, t}.Sanitize()); err != nil {
			fail(err)
			return
		}
	}
}

// stopAnalyzer cancels a running check and waits for it; Close calls it
// after marking the store closed, so no new check starts.
func (s *Store) stopAnalyzer() {
	if s.bg == nil {
		return
	}
	// A barrier: a write that saw the store open has added to wg by the
	// time the lock is free.
	s.bgMu.Lock()
	s.bgMu.Unlock() //lint:ignore SA2001 the empty section is the barrier

	s.bgCancel()
	s.wg.Wait()
}

func (m AnalyzeMode) valid() error {
	switch m {
	case AnalyzeAuto, AnalyzeAlways, AnalyzeNever:
		return nil
	}
	return fmt.Errorf("postgres: Config.Analyze %q must be %q, %q or %q", m, AnalyzeAuto, AnalyzeAlways, AnalyzeNever)
}
