package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/scimkit/scimkit/internal/periodic"
	"github.com/scimkit/scimkit/internal/wake"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// Config configures Open. The zero value is not usable: Path is required.
type Config struct {
	// Path is the database file, created if missing, or ":memory:" for a
	// private in-memory database that lives until Close.
	Path string
	// BusyTimeout is how long a connection waits for a lock held by
	// another process before the operation fails with store.ErrUnavailable.
	// Zero means DefaultBusyTimeout.
	BusyTimeout time.Duration
	// MaxReaders is the size of the read connection pool. Zero means
	// DefaultMaxReaders. An in-memory database uses one connection for
	// reads and writes.
	MaxReaders int
	// CacheSize is SQLite's page cache of each connection, in KiB
	// (PRAGMA cache_size); pages are only held once read. Zero means
	// DefaultCacheSize; SQLite's own default, 2 MiB, makes lookups and
	// writes slow down as a database grows past it.
	CacheSize int
	// MaxBatchWrites bounds how many concurrent requests' writes share one
	// transaction (group commit, see the package doc). Zero means
	// DefaultMaxBatchWrites; 1 commits every write alone.
	MaxBatchWrites int
	// MaxBatchTime bounds how long a transaction keeps taking writes that
	// were queued while it ran, measured from its BEGIN; a transaction
	// never sleeps waiting for writes to arrive. It bounds the latency a
	// write adds to the others of its batch. Zero means
	// DefaultMaxBatchTime.
	MaxBatchTime time.Duration
	// Now returns the current time for meta.created, meta.lastModified and
	// event times; nil means time.Now. Tests set it for deterministic output.
	Now func() time.Time
	// Retention says how long outbox events are kept (store.Retention; the
	// zero value keeps them 7 days, pruned every minute in batches of 1000
	// by a goroutine that Open starts and Close stops). Leases, event
	// times and retention are all judged by Now.
	Retention store.Retention
	// Logger receives the errors of background work that has no caller to
	// return them to (outbox pruning), at Warn. nil means slog.Default().
	Logger *slog.Logger
	// RenderCacheSize bounds, in bytes, the renderings of resources that
	// ListEncoded keeps, so that a resource listed again is copied instead
	// of rendered (see store.EncodedLister). Each is checked against the
	// version the page's statement reads, so none is ever served stale.
	// Zero means DefaultRenderCacheSize; negative keeps none.
	RenderCacheSize int64

	// migrateTo, when positive, stops migrations after that version: tests
	// build the schema of an older release with it (OpenAt).
	migrateTo int
	// checkpointPages, when positive, replaces DefaultCheckpointPages,
	// noCheckpointer keeps the background checkpointer from running, and
	// checkpointed receives the outcome of each background checkpoint:
	// tests bound the WAL with them (checkpoint.go).
	checkpointPages int
	noCheckpointer  bool
	checkpointed    func(copied int, err error)
}

// Defaults applied by Open for zero Config fields.
const (
	DefaultBusyTimeout = 5 * time.Second
	DefaultMaxReaders  = 4
	DefaultCacheSize   = 32 << 10 // KiB: 32 MiB per connection
	// DefaultMaxBatchWrites and DefaultMaxBatchTime bound a group
	// transaction: past about 32 writes the COMMIT's share of a write's
	// cost is small, and 10ms is about 30 typical creates.
	DefaultMaxBatchWrites = 32
	DefaultMaxBatchTime   = 10 * time.Millisecond
	// DefaultRenderCacheSize is the RenderCacheSize of a zero Config:
	// 32 MiB, about 27,000 typical users (1.2 KiB each, as counted).
	DefaultRenderCacheSize = backend.DefaultRenderCacheSize
)

// validate checks c once and fills in defaults.
func (c Config) validate() (Config, error) {
	if strings.TrimSpace(c.Path) == "" {
		return c, errors.New("sqlite: Config.Path is required (a file path or \":memory:\")")
	}
	if strings.ContainsAny(c.Path, "?#") && !strings.HasPrefix(c.Path, "file:") {
		return c, fmt.Errorf("sqlite: Config.Path %q must be a plain file path (no '?' or '#')", c.Path)
	}
	if strings.HasPrefix(c.Path, "file:") {
		return c, fmt.Errorf("sqlite: Config.Path %q: give a plain file path, not a URI; options are Config fields", c.Path)
	}
	if c.BusyTimeout < 0 || c.MaxReaders < 0 || c.CacheSize < 0 || c.MaxBatchWrites < 0 || c.MaxBatchTime < 0 {
		return c, errors.New("sqlite: Config.BusyTimeout, Config.MaxReaders, Config.CacheSize, Config.MaxBatchWrites and Config.MaxBatchTime must not be negative")
	}
	if c.MaxBatchWrites == 0 {
		c.MaxBatchWrites = DefaultMaxBatchWrites
	}
	if c.MaxBatchTime == 0 {
		c.MaxBatchTime = DefaultMaxBatchTime
	}
	if c.CacheSize == 0 {
		c.CacheSize = DefaultCacheSize
	}
	if c.checkpointPages <= 0 {
		c.checkpointPages = DefaultCheckpointPages
	}
	if c.BusyTimeout == 0 {
		c.BusyTimeout = DefaultBusyTimeout
	}
	if c.MaxReaders == 0 {
		c.MaxReaders = DefaultMaxReaders
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	var err error
	if c.Retention, err = c.Retention.WithDefaults(); err != nil {
		return c, fmt.Errorf("sqlite: Config.Retention: %w", err)
	}
	return c, nil
}

// Store is a store.Store and store.Outbox on SQLite. It is safe for
// concurrent use by multiple goroutines; use one Store per database file
// in a process.
type Store struct {
	write  *pool // one connection, BEGIN IMMEDIATE transactions
	group  group // queues writes for the write connection (group.go)
	read   *pool // read-only pool (the same pool as write for :memory:)
	now    func() time.Time
	hub    wake.Hub // store.Notifier: fired after each commit (delivery.go)
	ret    store.Retention
	log    *slog.Logger
	pruner periodic.Runner // background pruning of the outbox (prune.go)
	ckpt   *checkpointer   // background WAL checkpoints (checkpoint.go); nil for :memory:
	// renders caches ListEncoded's renderings (nil: none).
	renders *backend.RenderCache
	// beforeMisses, set by tests only, runs before readMisses reads.
	beforeMisses func()
}

var (
	_ store.Store  = (*Store)(nil)
	_ store.Outbox = (*Store)(nil)
)

// Open opens (creating if needed) the database at cfg.Path and applies
// any pending migrations. Errors opening or migrating the database wrap
// store.ErrUnavailable.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	cfg, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	s := &Store{now: cfg.Now, ret: cfg.Retention, log: cfg.Logger, group: group{maxWrites: cfg.MaxBatchWrites, maxTime: cfg.MaxBatchTime},
		renders: backend.NewRenderCache(backend.RenderCacheSize(cfg.RenderCacheSize))}
	busy := strconv.FormatInt(cfg.BusyTimeout.Milliseconds(), 10)
	var base string // the DSN of a file database's connections
	if cfg.Path == ":memory:" {
		// One connection serves reads and writes: every connection to a
		// named in-memory database would otherwise need shared-cache
		// locking, which does not honour busy_timeout.
		dsn := "file:/scimkit-" + randomName() + "?vfs=memdb&_txlock=immediate&_pragma=temp_store(2)&_pragma=busy_timeout(" + busy + ")&_pragma=foreign_keys(1)"
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, fmt.Errorf("sqlite: open: %w: %w", store.ErrUnavailable, err)
		}
		s.write = newPool(db)
		s.write.SetMaxOpenConns(1)
		s.write.SetConnMaxIdleTime(0)
		s.write.SetConnMaxLifetime(0)
		s.read = s.write
	} else {
		// The write connection keeps temporary files in memory
		// (temp_store=MEMORY): in WAL mode, a savepoint (group.go) copies
		// every page its write changes to the statement journal, a temp
		// file otherwise; so do statements that fire triggers. It never
		// checkpoints in a COMMIT (wal_autocheckpoint=0): the
		// checkpointer does (checkpoint.go), and journal_size_limit
		// truncates a WAL it restarts to the WAL's bound.
		base = "file:" + (&url.URL{Path: cfg.Path}).EscapedPath() + "?_pragma=busy_timeout(" + busy + ")&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
			"&_pragma=cache_size(-" + strconv.Itoa(cfg.CacheSize) + ")"
		walLimit := strconv.Itoa(4 * cfg.checkpointPages * (4096 + 24))
		w, err := sql.Open("sqlite", base+"&_txlock=immediate&_pragma=temp_store(2)&_pragma=wal_autocheckpoint(0)&_pragma=journal_size_limit("+walLimit+")")
		if err != nil {
			return nil, fmt.Errorf("sqlite: open %s: %w: %w", cfg.Path, store.ErrUnavailable, err)
		}
		s.write = newPool(w)
		s.write.SetMaxOpenConns(1)
		r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
		if err != nil {
			s.write.Close()
			return nil, fmt.Errorf("sqlite: open %s: %w: %w", cfg.Path, store.ErrUnavailable, err)
		}
		s.read = newPool(r)
		s.read.SetMaxOpenConns(cfg.MaxReaders)
	}
	if err := s.migrate(ctx, cfg.migrateTo); err != nil {
		s.Close()
		return nil, err
	}
	if cfg.Path != ":memory:" {
		// After migrate: the WAL index (-shm) exists once a connection is open.
		if err := s.startCheckpointer(base, cfg.Path, cfg.checkpointPages, busy, !cfg.noCheckpointer, cfg.checkpointed); err != nil {
			s.Close()
			return nil, fmt.Errorf("sqlite: open %s: checkpointer: %w: %w", cfg.Path, store.ErrUnavailable, err)
		}
	}
	s.startPruner()
	return s, nil
}

// Close stops the background pruning (waiting for a running batch) and
// checkpoints, copies the WAL into the database file and truncates it
// (TRUNCATE checkpoint), and closes the database. Operations after Close
// fail with an error wrapping store.ErrClosed and store.ErrUnavailable.
func (s *Store) Close() error {
	s.stopPruner()
	var err error
	if s.ckpt != nil {
		err = s.ckpt.close(func() error {
			_, err := s.write.ExecContext(context.Background(), "PRAGMA wal_checkpoint(TRUNCATE)")
			return s.wrap("checkpoint", err)
		})
	}
	err = errors.Join(err, s.write.Close())
	if s.read != s.write {
		err = errors.Join(err, s.read.Close())
	}
	return err
}

// clock returns the time of a write at the stored precision
// (backend.Timestamp), so that what a write returns equals what Get returns.
func (s *Store) clock() time.Time { return backend.Timestamp(s.now()) }

func randomName() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
