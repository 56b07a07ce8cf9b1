package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// maxStmts bounds the prepared statements kept per pool. Query texts vary
// only with the shape of a filter or sort (values are parameters), so a
// few hundred cover any real workload; beyond that, queries run unprepared.
const maxStmts = 256

// pool is a database/sql pool whose queries reuse prepared statements:
// database/sql prepares every plain query afresh, and SQLite's prepare
// (parsing and planning) was a third of the CPU of a page of users.
// database/sql prepares a cached *sql.Stmt on each connection that runs
// it, once.
type pool struct {
	*sql.DB
	mu     sync.Mutex
	stmts  map[string]*sql.Stmt
	wanted map[string]bool // queries first seen in a transaction, prepared after it
}

func newPool(db *sql.DB) *pool {
	return &pool{DB: db, stmts: map[string]*sql.Stmt{}, wanted: map[string]bool{}}
}

// SetMaxOpenConns sets the size of the pool and keeps that many
// connections open when idle. database/sql keeps two by default: with
// more readers busy at once, every connection returned beyond the second
// was closed and a new one opened for the next burst, losing its page
// cache (Config.CacheSize) and its prepared statements.
func (p *pool) SetMaxOpenConns(n int) {
	p.DB.SetMaxOpenConns(n)
	p.DB.SetMaxIdleConns(n)
}

// cached returns the statement of query, or nil when it is not cached.
func (p *pool) cached(query string) *sql.Stmt {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stmts[query]
}

// stmt returns the cached statement of query, preparing it on the pool
// when missing (nil when the cache is full or preparing failed: the caller
// then runs the query unprepared and reports its error).
func (p *pool) stmt(ctx context.Context, query string) *sql.Stmt {
	if st := p.cached(query); st != nil {
		return st
	}
	p.mu.Lock()
	full := len(p.stmts) >= maxStmts
	p.mu.Unlock()
	if full {
		return nil
	}
	st, err := p.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if old := p.stmts[query]; old != nil {
		st.Close()
		return old
	}
	p.stmts[query] = st
	return st
}

// want notes a query seen inside a transaction, which cannot prepare on
// the pool while it holds the write pool's only connection.
func (p *pool) want(query string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.wanted) < maxStmts {
		p.wanted[query] = true
	}
}

// prepareWanted prepares the queries noted by want; the write path calls
// it after a commit, when the connection is free again.
func (p *pool) prepareWanted(ctx context.Context) {
	p.mu.Lock()
	var qs []string
	for q := range p.wanted {
		qs = append(qs, q)
	}
	clear(p.wanted)
	p.mu.Unlock()
	for _, q := range qs {
		p.stmt(ctx, q)
	}
}

// QueryContext runs query with a cached prepared statement.
func (p *pool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return p.DB.QueryContext(ctx, query, args...)
}

// QueryRowContext runs query with a cached prepared statement.
func (p *pool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.DB.QueryRowContext(ctx, query, args...)
}

// ExecContext runs query with a cached prepared statement.
func (p *pool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := p.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return p.DB.ExecContext(ctx, query, args...)
}

// Close closes the statements and the pool.
func (p *pool) Close() error {
	p.mu.Lock()
	for _, st := range p.stmts {
		st.Close()
	}
	clear(p.stmts)
	p.mu.Unlock()
	return p.DB.Close()
}

// stmt returns the transaction's statement of query: the pool's cached
// statement bound to the transaction (reusing what is prepared on its
// connection), or nil after noting the query for prepareWanted.
func (tx *txn) stmt(ctx context.Context, query string) *sql.Stmt {
	if st, ok := tx.stmts[query]; ok {
		return st
	}
	p := tx.s.write.cached(query)
	if p == nil {
		tx.s.write.want(query)
		return nil
	}
	st := tx.Tx.StmtContext(ctx, p)
	if tx.stmts == nil {
		tx.stmts = map[string]*sql.Stmt{}
	}
	tx.stmts[query] = st
	return st
}

// QueryContext runs query in the transaction, prepared when cached.
// ctx's cancellation is ignored (see detach).
func (tx *txn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = detach(ctx)
	if st := tx.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return tx.Tx.QueryContext(ctx, query, args...)
}

// QueryRowContext runs query in the transaction, prepared when cached.
// ctx's cancellation is ignored (see detach).
func (tx *txn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = detach(ctx)
	if st := tx.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.Tx.QueryRowContext(ctx, query, args...)
}

// ExecContext runs query in the transaction, prepared when cached.
// ctx's cancellation is ignored (see detach).
func (tx *txn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = detach(ctx)
	if st := tx.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.Tx.ExecContext(ctx, query, args...)
}

// detach returns ctx without its cancellation, for statements in a group
// transaction (group.go): the driver interrupts a statement whose context
// is done, and SQLite answers an interrupted write inside a transaction
// by rolling back the whole transaction, which holds other requests'
// writes. A request's cancellation is honoured before it runs (writeTx).
func detach(ctx context.Context) context.Context {
	if ctx.Done() == nil {
		return ctx
	}
	return context.WithoutCancel(ctx)
}
