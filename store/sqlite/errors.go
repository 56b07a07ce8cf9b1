package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/scimkit/scimkit/store"
)

// wrap translates a driver error at the store boundary: no rows →
// store.ErrNotFound; busy, locked, closed, interrupted or a context
// deadline → store.ErrUnavailable; a unique constraint → store.ErrConflict.
// Errors that already wrap a store sentinel or come from Apply pass through
// with the operation added.
func (s *Store) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	for _, sentinel := range []error{store.ErrNotFound, store.ErrConflict, store.ErrPrecondition, store.ErrUnavailable, store.ErrInvalidCursor} {
		if errors.Is(err, sentinel) {
			return err
		}
	}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("store: %s: %w", op, store.ErrNotFound)
	case errors.Is(err, sql.ErrConnDone), isClosed(err):
		return fmt.Errorf("store: %s: %w: %w", op, store.ErrUnavailable, store.ErrClosed)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return fmt.Errorf("store: %s: %w: %w", op, store.ErrUnavailable, err)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_INTERRUPT,
			sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_FULL, sqlite3.SQLITE_PROTOCOL:
			return fmt.Errorf("store: %s: %w: %w", op, store.ErrUnavailable, err)
		case sqlite3.SQLITE_CONSTRAINT:
			if err, ok := tombstoneConflict(op, se); ok {
				return err
			}
			if se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
				return fmt.Errorf("store: %s: %w", op, store.ErrConflict)
			}
		}
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

func isClosed(err error) bool {
	return strings.Contains(err.Error(), "sql: database is closed")
}
