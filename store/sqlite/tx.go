package sqlite

import (
	"context"
	"database/sql"
)

// txn is a write transaction with the Store's clock reading for the whole
// change, so every timestamp of one commit is equal.
type txn struct {
	*sql.Tx
	s     *Store
	stmts map[string]*sql.Stmt // statements bound to this transaction (stmt.go)
}

// writeTx runs fn in a BEGIN IMMEDIATE transaction on the write
// connection: writers are serialised by SQLite's write lock, so a
// read-modify-write inside fn sees no concurrent change. fn's error rolls
// back and is returned translated; a nil error commits.
func (s *Store) writeTx(ctx context.Context, op string, fn func(*txn) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap(op, err)
	}
	defer s.write.prepareWanted(ctx) // after the transaction frees the connection
	if err := fn(&txn{Tx: tx, s: s}); err != nil {
		tx.Rollback()
		return s.wrap(op, err)
	}
	if err := tx.Commit(); err != nil {
		return s.wrap(op, err)
	}
	s.hub.Fire() // wake dispatchers (store.Notifier)
	return nil
}

// querier is what reads need from *sql.DB and *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}
