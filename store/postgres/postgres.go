package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/scimkit/scimkit/internal/periodic"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// Defaults applied by Open to zero Config fields.
const (
	DefaultSchema           = "scimkit"
	DefaultStatementTimeout = 30 * time.Second
	DefaultConnectTimeout   = 5 * time.Second
	DefaultMaxRetries       = 5
	// DefaultMaxConns is the least default size of the connection pool.
	DefaultMaxConns = 16
)

// Config configures Open. Only DSN is required; every other zero field
// takes a documented default.
type Config struct {
	// DSN is a PostgreSQL connection string, URL
	// ("postgres://user@host:5432/db?sslmode=disable") or key=value form.
	DSN string
	// Schema is the PostgreSQL schema that holds every table of the store;
	// it is created if missing. It must be a lower-case SQL identifier
	// (letters, digits, '_', at most 63 bytes). Default DefaultSchema.
	Schema string
	// MaxConns is the size of the connection pool. Default: the greater
	// of DefaultMaxConns, the number of CPUs and MinConns. A write holds
	// its connection until its commit is durable, so concurrent writes
	// share a WAL flush only as far as the pool lets them in: a pool as
	// small as the CPU count caps group commit (measured on 2 cores, 32
	// clients creating users: about 920 creates/s with 4 connections,
	// 1,320 with 16).
	MaxConns int32
	// MinConns is the number of connections kept open while idle.
	MinConns int32
	// StatementTimeout bounds every statement on the server
	// (statement_timeout); an expired statement returns
	// store.ErrUnavailable. The client waits at most two seconds longer
	// for an answer, so a server or network that stops answering also
	// returns store.ErrUnavailable instead of blocking. Default
	// DefaultStatementTimeout; negative disables both bounds.
	StatementTimeout time.Duration
	// ConnectTimeout bounds establishing one connection. Default
	// DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// MaxRetries bounds how often a transaction that failed with a
	// deadlock or serialization failure is retried. Default
	// DefaultMaxRetries; negative disables retries.
	MaxRetries int
	// SkipMigrations leaves the schema as it is; Open then fails unless the
	// migrations were applied before (by another Open or by an operator).
	SkipMigrations bool
	// ApplicationName is reported to the server (pg_stat_activity).
	// Default "scimkit".
	ApplicationName string
	// Analyze says whether the store keeps the planner statistics of its
	// tables fresh itself, for servers whose autovacuum will not (without
	// statistics PostgreSQL plans lookups of large tenants as scans).
	// When on, Open analyzes tables that have rows but no statistics, and
	// every 256 committed writes of this Store, and 2 seconds after a
	// write (at most one such check pending), a background check runs
	// ANALYZE on each table changed beyond autovacuum's default threshold
	// (50 rows + 10% of its rows) since its last analyze; Close cancels a
	// running check. When autovacuum is off on the server or disabled on
	// one of the store's tables, the checks run VACUUM (ANALYZE) instead,
	// so that dead rows are reclaimed and index-only scans stay index-only.
	// Default AnalyzeAuto: on only when autovacuum is off on the server or
	// disabled on one of the store's tables.
	Analyze AnalyzeMode
	// Retention says how long outbox events are kept (store.Retention; the
	// zero value keeps them 7 days). Every Store prunes every
	// Retention.Interval in the background (Open starts it, Close stops
	// it), in batches of Retention.Batch events per transaction; replicas
	// sharing a schema take turns on one row lock.
	Retention store.Retention
	// Now is the clock retention is judged by: an event is older than
	// Retention.Window by its time (the writer's clock), and a consumer is
	// abandoned when its lease (the server's clock) expired more than
	// Retention.AbandonAfter before Now. nil means time.Now.
	Now func() time.Time
	// Logger receives the errors of background work that has no caller to
	// return them to (outbox pruning, planner statistics), at Warn. nil
	// means slog.Default().
	Logger *slog.Logger
	// RenderCacheSize bounds, in bytes, the renderings of resources that
	// ListEncoded keeps in this process, so that a resource listed again
	// is copied instead of rendered (see store.EncodedLister). Each is
	// checked against the version the page's statement reads, so none is
	// ever served stale, whichever replica wrote. Zero means
	// DefaultRenderCacheSize; negative keeps none.
	RenderCacheSize int64

	// tracer, set by tests only, replaces the statement deadline tracer
	// (to count round trips).
	tracer pgx.QueryTracer
}

// DefaultRenderCacheSize is the RenderCacheSize of a zero Config: 32 MiB,
// about 27,000 typical users (1.2 KiB each, as counted).
const DefaultRenderCacheSize = backend.DefaultRenderCacheSize

var identRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// withDefaults checks c and fills in defaults; it is called once by Open.
func (c Config) withDefaults() (Config, error) {
	if strings.TrimSpace(c.DSN) == "" {
		return c, errors.New("postgres: Config.DSN is required")
	}
	if c.Schema == "" {
		c.Schema = DefaultSchema
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if !identRE.MatchString(c.Schema) || strings.HasPrefix(c.Schema, "pg_") {
		return c, fmt.Errorf("postgres: Config.Schema %q must be a lower-case identifier (a-z, 0-9, _; at most 63 bytes; not pg_*)", c.Schema)
	}
	if c.MaxConns < 0 || c.MinConns < 0 || (c.MaxConns > 0 && c.MinConns > c.MaxConns) {
		return c, fmt.Errorf("postgres: Config.MinConns (%d) and MaxConns (%d) must be non-negative with MinConns <= MaxConns", c.MinConns, c.MaxConns)
	}
	if c.MaxConns == 0 {
		c.MaxConns = max(DefaultMaxConns, int32(runtime.NumCPU()), c.MinConns)
	}
	if c.StatementTimeout == 0 {
		c.StatementTimeout = DefaultStatementTimeout
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = DefaultMaxRetries
	}
	if c.MaxRetries < 0 {
		c.MaxRetries = 0
	}
	if c.ApplicationName == "" {
		c.ApplicationName = "scimkit"
	}
	if c.Analyze == "" {
		c.Analyze = AnalyzeAuto
	}
	if err := c.Analyze.valid(); err != nil {
		return c, err
	}
	var err error
	if c.Retention, err = c.Retention.WithDefaults(); err != nil {
		return c, fmt.Errorf("postgres: Config.Retention: %w", err)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, nil
}

// Store is a store.Store on PostgreSQL. It is safe for concurrent use, and
// any number of Stores (in any number of processes) may share one schema.
type Store struct {
	pool   *pgxpool.Pool
	cfg    Config
	repl   *strings.Replacer // "{s}." → quoted schema prefix
	closed atomic.Bool

	// Statistics upkeep (analyze.go); bg is nil when it is off.
	bg        context.Context
	bgCancel  context.CancelFunc
	bgMu      sync.Mutex // orders starting a check against Close
	wg        sync.WaitGroup
	writes    atomic.Uint64
	analyzing atomic.Bool
	vacuum    bool         // checks run VACUUM (ANALYZE): autovacuum will not vacuum
	quietSet  atomic.Bool  // a check analyzeQuiet after a write is pending
	laterSet  atomic.Bool  // a check analyzeInterval after a check that deferred a table is pending
	recheck   atomic.Bool  // a check was asked for while one ran
	lastCheck atomic.Int64 // when the count of writes last started a check (Unix ns)
	lastWrite atomic.Int64 // when the last write committed (Unix ns), for quietCheck

	pruner periodic.Runner // background pruning of the outbox (prune.go)
	// Outbox notifications and background numbering (sequencer.go).
	seqr sequencer
	// renders caches ListEncoded's renderings (nil: none).
	renders *backend.RenderCache
	// beforeMisses, set by tests only, runs before fillMisses reads.
	beforeMisses func()
	// Group appends of the provisioning log (provlog_append.go), and the
	// statements they sent (for tests).
	appends      grouper[*appendReq]
	appendGroups atomic.Int64
	// Shared implicit transactions (shared.go), and the pipelines they
	// sent (for tests).
	shared       grouper[*sharedReq]
	sharedGroups atomic.Int64
}

var (
	_ store.Store  = (*Store)(nil)
	_ store.Outbox = (*Store)(nil)
)

// Open connects to PostgreSQL, applies the embedded migrations to
// cfg.Schema (unless cfg.SkipMigrations) and returns the store. An
// unreachable server returns an error wrapping store.ErrUnavailable; an
// invalid Config returns a plain error naming the field.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	pc, err := pgxpool.ParseConfig(cfg.DSN)
	if err != nil {
		return nil, fmt.Errorf("postgres: Config.DSN: %w", err)
	}
	if cfg.MaxConns > 0 {
		pc.MaxConns = cfg.MaxConns
	}
	if cfg.MinConns > 0 {
		pc.MinConns = cfg.MinConns
	}
	pc.ConnConfig.ConnectTimeout = cfg.ConnectTimeout
	rp := pc.ConnConfig.RuntimeParams
	rp["application_name"] = cfg.ApplicationName
	rp["TimeZone"] = "UTC"
	rp["DateStyle"] = "ISO, YMD"
	if cfg.StatementTimeout > 0 {
		rp["statement_timeout"] = strconv.FormatInt(cfg.StatementTimeout.Milliseconds(), 10)
		// A silent server must not hold a request forever: bound each
		// statement on the client too, and the liveness ping of an idle
		// connection taken from the pool.
		pc.ConnConfig.Tracer = statementDeadline{cfg.StatementTimeout + deadlineGrace}
	}
	if cfg.tracer != nil {
		pc.ConnConfig.Tracer = cfg.tracer
	}
	pc.PingTimeout = cfg.ConnectTimeout
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, mapErr("open", err)
	}
	s := &Store{pool: pool, cfg: cfg, repl: strings.NewReplacer("{s}.", pgx.Identifier{cfg.Schema}.Sanitize()+"."),
		renders: backend.NewRenderCache(backend.RenderCacheSize(cfg.RenderCacheSize))}
	if err := s.ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if !cfg.SkipMigrations {
		err = s.migrate(ctx)
	} else {
		err = s.checkMigrated(ctx)
	}
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.startSequencer()
	s.startAppender()
	s.startShared()
	s.startAnalyzer(ctx)
	s.startPruner()
	return s, nil
}

func (s *Store) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ConnectTimeout)
	defer cancel()
	if err := s.pool.Ping(ctx); err != nil {
		return mapErr("open", err)
	}
	return nil
}

// Close cancels a running statistics check (Config.Analyze) and the
// background pruning (Config.Retention) and the outbox's background work
// (notifications, numbering), waits for them and for the provisioning log
// entries already queued by Append to be written, and closes the
// connection pool; later calls return store.ErrClosed.
func (s *Store) Close() error {
	if s.closed.CompareAndSwap(false, true) {
		s.stopPruner()
		s.stopAnalyzer()
		s.stopSequencer()
		s.stopAppender()
		s.shared.close()
		s.pool.Close()
	}
	return nil
}

// Schema returns the PostgreSQL schema that holds the store's tables.
func (s *Store) Schema() string { return s.cfg.Schema }

// q qualifies the table names of a query ("{s}.resources") with the schema.
func (s *Store) q(query string) string { return s.repl.Replace(query) }

// Ping connects once to the server at dsn and returns nil when it
// answers: a check for tests and health probes that have no Store yet. An
// unreachable server returns an error wrapping store.ErrUnavailable; a
// malformed dsn a plain error.
func Ping(ctx context.Context, dsn string) error {
	cc, err := pgx.ParseConfig(dsn)
	if err != nil {
		return fmt.Errorf("postgres: DSN: %w", err)
	}
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return mapErr("ping", err)
	}
	return conn.Close(ctx)
}

// DropSchema irreversibly drops the PostgreSQL schema named schema, with
// every table of the store in it (DROP SCHEMA ... CASCADE); a missing
// schema is not an error. It is for tests, which give each store a schema
// of its own, and for decommissioning a deployment. Stores open on the
// schema should be closed first: their statements fail afterwards.
func DropSchema(ctx context.Context, dsn, schema string) error {
	if !identRE.MatchString(schema) || strings.HasPrefix(schema, "pg_") || schema == "public" {
		return fmt.Errorf("postgres: DropSchema: %q is not a store schema name (a-z, 0-9, _; not pg_* or public)", schema)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return mapErr("drop schema "+schema, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
		return mapErr("drop schema "+schema, err)
	}
	return nil
}
