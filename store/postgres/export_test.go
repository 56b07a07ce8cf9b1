package postgres

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// Translate exposes the filter translation to tests: the SQL condition
// and whether it is exact (no filter.Match fallback).
func Translate(s *Store, rt *schema.ResourceType, e filter.Expr) (string, bool) {
	w := &where{s: s, rt: rt, args: []any{"", rt.Name}}
	return w.node(e, nil)
}

// ExplainList returns the EXPLAIN (FORMAT JSON) plan of the statement
// List runs for q (which must translate exactly), with sequential scans
// disabled so that any usable index is chosen.
func ExplainList(ctx context.Context, s *Store, tenant string, rt *schema.ResourceType, q store.Query) (string, error) {
	w, p, exact, err := s.plan(tenant, rt, q)
	if err != nil {
		return "", err
	}
	if !exact {
		return "", fmt.Errorf("filter not translated exactly")
	}
	return s.Explain(ctx, s.pageQuery(w, rt, p, max(p.count, 1)), w.args...)
}

// FirstQuery returns the statement and arguments List runs for the first
// page of q, which must have a filter translated exactly (listFirst).
func FirstQuery(s *Store, tenant string, rt *schema.ResourceType, q store.Query) (string, []any, error) {
	w, p, exact, err := s.plan(tenant, rt, q)
	if err != nil {
		return "", nil, err
	}
	if !exact || q.Filter == nil || p.offset != 0 || p.count == 0 || q.UseCursor {
		return "", nil, fmt.Errorf("not a first page of an exact filter")
	}
	return s.firstQuery(w, rt, p), w.args, nil
}

// Explain returns the plan of query with enable_seqscan off.
func (s *Store) Explain(ctx context.Context, query string, args ...any) (string, error) {
	var plan string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `EXPLAIN (FORMAT JSON) `+s.q(query), args...).Scan(&plan)
	})
	return plan, err
}

// Queries used by the membership operations, for EXPLAIN tests.
var (
	GroupsQuery = groupsOf
	AddMember   = `INSERT INTO {s}.members (tenant, group_id, member_id, type, display, ref, fold) VALUES ($1, $2, $3, '', '', '', '{}')
		ON CONFLICT DO NOTHING RETURNING member_id, type`
	RemoveMember = `DELETE FROM {s}.members WHERE tenant = $1 AND group_id = $2 AND member_id = ANY($3::text[]) RETURNING member_id, type`
	LeaveAll     = `DELETE FROM {s}.members WHERE tenant = $1 AND member_id = $2 RETURNING group_id`
)

// Exec runs a statement (table names as "{s}.name") for tests.
func (s *Store) Exec(ctx context.Context, query string, args ...any) error {
	_, err := s.pool.Exec(ctx, s.q(query), args...)
	return err
}

// BulkLoad stores rs as Create would (same documents and unique keys, no
// events), with COPY, and returns their ids in order: benchmarks use it to
// build large tenants quickly (storetest.Seeder).
func BulkLoad(ctx context.Context, s *Store, tenant string, rt *schema.ResourceType, rs []*schema.Resource) ([]string, error) {
	return bulkLoad(ctx, s, tenant, rt, rs, "VACUUM ANALYZE")
}

// BulkLoadNoStats is BulkLoad without ANALYZE (VACUUM only): the tables
// are left without planner statistics, as on a server whose autovacuum
// is off.
func BulkLoadNoStats(ctx context.Context, s *Store, tenant string, rt *schema.ResourceType, rs []*schema.Resource) ([]string, error) {
	return bulkLoad(ctx, s, tenant, rt, rs, "VACUUM")
}

func bulkLoad(ctx context.Context, s *Store, tenant string, rt *schema.ResourceType, rs []*schema.Resource, vacuum string) ([]string, error) {
	created := now()
	var res, uniq [][]any
	ids := make([]string, len(rs))
	for i, r := range rs {
		id := store.NewID()
		ids[i] = id
		doc, _ := backend.DocOf(rt, r)
		data, fold, err := docs(doc)
		if err != nil {
			return nil, err
		}
		var ext any
		if r.ExternalID != "" {
			ext = r.ExternalID
		}
		res = append(res, []any{tenant, id, rt.Name, int64(1), created, created, ext, data, fold})
		for _, k := range doc.Uniques() {
			uniq = append(uniq, []any{tenant, rt.Name, k.Attr, k.Value, id})
		}
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := tx.CopyFrom(ctx, pgx.Identifier{s.cfg.Schema, "resources"},
			[]string{"tenant", "id", "type", "version", "created", "last_modified", "external_id", "data", "fold"}, pgx.CopyFromRows(res))
		if err != nil {
			return err
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{s.cfg.Schema, "uniques"}, []string{"tenant", "type", "attr", "value", "id"}, pgx.CopyFromRows(uniq))
		return err
	})
	if err != nil {
		return nil, err
	}
	// VACUUM (outside the transaction) sets the visibility map, so pages
	// get index-only scans as they would on a table autovacuum has visited.
	for _, t := range []string{"resources", "uniques"} {
		if _, err := s.pool.Exec(ctx, s.q(vacuum+` {s}.`+t)); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// PageBoth returns the ids of the unfiltered creation-order page of count
// rows after offset rows, read by the block statement List uses and by a
// plain OFFSET over the (tenant, type, seq) index, both in one
// repeatable-read snapshot.
func PageBoth(ctx context.Context, s *Store, tenant string, rt *schema.ResourceType, offset, count int) (block, plain []string, err error) {
	q := store.Query{StartIndex: offset + 1, Count: count, Read: store.ReadOptions{OmitMembers: true, OmitGroups: true}}
	wb, pb, _, err := s.plan(tenant, rt, q)
	if err != nil {
		return nil, nil, err
	}
	wp, pp, _, err := s.plan(tenant, rt, q)
	if err != nil {
		return nil, nil, err
	}
	read := func(tx pgx.Tx, query string, args []any) ([]string, error) {
		rows, err := tx.Query(ctx, query, args...)
		if err != nil {
			return nil, err
		}
		ids := []string{}
		err = forRows(rows, rt, func(r *schema.Resource, _ *row, _ *string, _ int64) { ids = append(ids, r.ID) })
		return ids, err
	}
	err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		if block, err = read(tx, s.blockQuery(wb, rt, pb, count), wb.args); err != nil {
			return err
		}
		plain, err = read(tx, s.exactQuery(wp, rt, pp, count), wp.args)
		return err
	})
	return block, plain, err
}

// QueryInt returns the single int64 that query (table names as
// "{s}.name") returns, for tests.
func (s *Store) QueryInt(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, s.q(query), args...).Scan(&n)
	return n, err
}

// BlockMismatches is the query counting the (tenant, type, block) whose
// page_blocks sum differs from the number of resources rows in the block.
const BlockMismatches = `SELECT count(*) FROM
	(SELECT tenant, type, block, sum(n) AS n FROM {s}.page_blocks GROUP BY 1, 2, 3) b
	FULL JOIN (SELECT tenant, type, seq >> 10 AS block, count(*) AS n FROM {s}.resources GROUP BY 1, 2, 3) r
	USING (tenant, type, block)
	WHERE coalesce(b.n, 0) <> coalesce(r.n, 0)`

// MigrateTo applies the embedded migrations up to version to cfg.Schema,
// as an older release would have left it, without opening a Store on it.
func MigrateTo(ctx context.Context, cfg Config, version int) error {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, cfg.DSN)
	if err != nil {
		return err
	}
	defer pool.Close()
	s := &Store{pool: pool, cfg: cfg, repl: strings.NewReplacer("{s}.", pgx.Identifier{cfg.Schema}.Sanitize()+".")}
	return s.migrateTo(ctx, version)
}

// OpenEventsTx begins a transaction that records evs as a write does
// (insertEvents) and leaves it open, as a client that stopped before
// COMMIT would; commit ends it.
func (s *Store) OpenEventsTx(ctx context.Context, evs []store.Event) (commit func() error, err error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.insertEvents(ctx, tx, evs); err != nil {
		tx.Rollback(ctx)
		return nil, err
	}
	return func() error { return tx.Commit(ctx) }, nil
}

// Strings runs a query returning one text column (table names as
// "{s}.name").
func (s *Store) Strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.pool.Query(ctx, s.q(query), args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// Bytes runs a query returning one bytea value.
func (s *Store) Bytes(ctx context.Context, query string, args ...any) ([]byte, error) {
	var b []byte
	err := s.pool.QueryRow(ctx, s.q(query), args...).Scan(&b)
	return b, err
}

// AppendGroups returns how many statements the provisioning log's
// appender has run, and how many entries are queued for the next.
func (s *Store) AppendGroups() (statements int64, queued int) {
	return s.appendGroups.Load(), s.appends.queued()
}

// WriteGroup writes es as the appender writes one group and returns each
// entry's Seq or error.
func (s *Store) WriteGroup(es []store.ProvisioningEntry) ([]int64, []error) {
	group := make([]*appendReq, len(es))
	for i, e := range es {
		row, err := entryRow(e)
		if err != nil {
			panic(err)
		}
		group[i] = &appendReq{row: row, done: make(chan struct{})}
	}
	s.writeGroup(group)
	seqs, errs := make([]int64, len(es)), make([]error, len(es))
	for i, r := range group {
		<-r.done
		seqs[i], errs[i] = r.seq, r.err
	}
	return seqs, errs
}

// RoundTrips counts the statements and batches (each one round trip)
// that a Store opened WithRoundTrips sends with a context from Context;
// background work, on contexts of its own, is not counted.
type RoundTrips struct{ n atomic.Int64 }

type countedKey struct{}

// Context returns ctx with its round trips counted.
func (r *RoundTrips) Context(ctx context.Context) context.Context {
	return context.WithValue(ctx, countedKey{}, r)
}

// Take returns the round trips counted since the last Take.
func (r *RoundTrips) Take() int64 { return r.n.Swap(0) }

func (r *RoundTrips) count(ctx context.Context) {
	if ctx.Value(countedKey{}) == r {
		r.n.Add(1)
	}
}

func (r *RoundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	r.count(ctx)
	return ctx
}
func (r *RoundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (r *RoundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	r.count(ctx)
	return ctx
}
func (r *RoundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (r *RoundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// WithRoundTrips returns cfg with r counting the round trips of the Store
// opened with it (in place of the client statement deadline).
func WithRoundTrips(cfg Config, r *RoundTrips) Config {
	cfg.tracer = r
	return cfg
}

// HoldNotifications makes the Store's notifier wait, after each
// notification, until the test sends on the returned channel (instead of
// notifyGap); paused receives once each time it starts waiting. Call it
// before the first write. Sent returns the notifications sent.
func (s *Store) HoldNotifications() (release chan<- time.Time, paused <-chan struct{}) {
	rel, p := make(chan time.Time), make(chan struct{}, 16)
	s.seqr.pause = func(time.Duration) <-chan time.Time {
		p <- struct{}{}
		return rel
	}
	return rel, p
}

// NotificationsSent returns how many notifications the Store has sent.
func (s *Store) NotificationsSent() int64 { return s.seqr.sent.Load() }

// PoolMaxConns returns the size of the Store's connection pool.
func (s *Store) PoolMaxConns() int32 { return s.pool.Config().MaxConns }

// ExplainPrepared prepares query on one connection, runs it runs times
// with args (so that PostgreSQL's plan cache can settle on a generic or a
// custom plan, as it does for the statements pgx prepares), and returns
// the EXPLAIN (FORMAT JSON) plan of one more execution: a generic plan
// shows its parameters ($1, ...) where a custom plan shows the values.
func ExplainPrepared(ctx context.Context, s *Store, query string, args []any, runs int) (string, error) {
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return "", err
	}
	defer c.Release()
	const name = "explain_prepared"
	if _, err := c.Conn().Prepare(ctx, name, query); err != nil {
		return "", err
	}
	defer c.Conn().Deallocate(context.WithoutCancel(ctx), name)
	for range runs {
		rows, err := c.Query(ctx, name, args...)
		if err != nil {
			return "", err
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return "", err
		}
	}
	params := make([]string, len(args)) // EXECUTE takes no parameters: literals
	for i, a := range args {
		switch a := a.(type) {
		case string:
			params[i] = "'" + strings.ReplaceAll(a, "'", "''") + "'"
		case int, int64:
			params[i] = fmt.Sprint(a)
		default:
			return "", fmt.Errorf("argument %d: unsupported type %T", i+1, a)
		}
	}
	var plan string
	err = c.QueryRow(ctx, `EXPLAIN (FORMAT JSON) EXECUTE `+name+`(`+strings.Join(params, ", ")+`)`).Scan(&plan)
	return plan, err
}

// SharedGroups returns how many pipelines the shared implicit transactions
// have sent, and how many writes are queued for the next.
func (s *Store) SharedGroups() (pipelines int64, queued int) {
	return s.sharedGroups.Load(), s.shared.queued()
}

// SharedWorkers is the number of shared pipelines in flight at once.
const SharedWorkers = sharedWorkers
