package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/scimkit/scimkit/store"
)

// PostgreSQL SQLSTATE codes this package reacts to (PostgreSQL manual,
// Appendix A).
const (
	codeUniqueViolation      = "23505"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	codeQueryCanceled        = "57014"
	codeLockNotAvailable     = "55P03"
	// codeRowsMoved is expect_rows' (migration 0033): a predicted
	// membership change found the membership changed (writer.held).
	codeRowsMoved = "SK001"
)

// mapErr translates a driver error into the store sentinels, keeping the
// driver error wrapped: errors.Is works for both. op names the operation,
// e.g. "get User 2819c223".
func mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if isStoreErr(err) {
		return err
	}
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("store: %s: %w", op, store.ErrNotFound)
	case isUnavailable(err):
		return fmt.Errorf("store: %s: %w: %w", op, store.ErrUnavailable, err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == codeUniqueViolation {
		if err, ok := tombstoneConflict(op, pe); ok {
			return err
		}
		return fmt.Errorf("store: %s: %w: %w", op, store.ErrConflict, err)
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// isStoreErr reports whether err already carries a store sentinel (it was
// produced by this package and must pass through unchanged).
func isStoreErr(err error) bool {
	for _, s := range []error{store.ErrNotFound, store.ErrConflict, store.ErrPrecondition,
		store.ErrUnavailable, store.ErrInvalidCursor, store.ErrClosed} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// isUnavailable reports whether err means the database could not be
// reached or did not answer in time: the operation may be retried later.
func isUnavailable(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == codeQueryCanceled, pe.Code == codeLockNotAvailable:
			return true
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			strings.HasPrefix(pe.Code, "53"),  // insufficient resources (too many connections)
			strings.HasPrefix(pe.Code, "57P"): // admin/crash shutdown, cannot connect now
			return true
		}
		return false
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.As(err, &ce), errors.As(err, &ne), errors.As(err, &oe):
		return true
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	}
	return pgconn.SafeToRetry(err)
}

// retryable reports whether a transaction failed only because of a
// concurrent transaction and may simply run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == codeSerializationFailure || pe.Code == codeDeadlockDetected)
}
