package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

var _ store.States = (*Store)(nil)

// GetState implements store.States.
func (s *Store) GetState(ctx context.Context, tenant, key string) (store.State, error) {
	op := "get state " + key
	if err := s.checkOpen(op); err != nil {
		return store.State{}, err
	}
	st := store.State{Key: key}
	err := s.pool.QueryRow(ctx, s.q(`SELECT value, version, updated FROM {s}.states WHERE tenant = $1 AND key = $2`), tenant, key).
		Scan(&st.Value, &st.Version, &st.Updated)
	st.Updated = st.Updated.UTC()
	return st, mapErr(op, err)
}

// PutState implements store.States. Each case is one statement, so two
// writers racing on a version (or on creating the key) cannot both win:
// the loser finds no row to write and gets ErrPrecondition.
func (s *Store) PutState(ctx context.Context, tenant, key string, value []byte, ifVersion int64) (store.State, error) {
	op := "put state " + key
	if err := backend.CheckState(key, value, ifVersion); err != nil {
		return store.State{}, fmt.Errorf("store: %s: %w", op, err)
	}
	st := store.State{Key: key, Value: append([]byte{}, value...), Updated: dbTime(time.Now())}
	var sql string
	args := []any{tenant, key, st.Value, st.Updated}
	switch ifVersion {
	case store.AnyVersion:
		sql = `INSERT INTO {s}.states AS t (tenant, key, value, version, updated) VALUES ($1, $2, $3, 1, $4)
			ON CONFLICT (tenant, key) DO UPDATE SET value = excluded.value, version = t.version + 1, updated = excluded.updated
			RETURNING version`
	case 0:
		sql = `INSERT INTO {s}.states (tenant, key, value, version, updated) VALUES ($1, $2, $3, 1, $4)
			ON CONFLICT (tenant, key) DO NOTHING RETURNING version`
	default:
		sql = `UPDATE {s}.states SET value = $3, version = version + 1, updated = $4
			WHERE tenant = $1 AND key = $2 AND version = $5 RETURNING version`
		args = append(args, ifVersion)
	}
	err := s.tx(ctx, op, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, s.q(sql), args...).Scan(&st.Version)
		if errors.Is(err, pgx.ErrNoRows) {
			return s.stateMismatch(ctx, tx, tenant, key, ifVersion)
		}
		return err
	})
	if err != nil {
		return store.State{}, mapErr(op, err)
	}
	return st, nil
}

// stateMismatch explains, inside the transaction that found no row to
// write, why: the version stored (0 when none) differs from ifVersion.
func (s *Store) stateMismatch(ctx context.Context, tx pgx.Tx, tenant, key string, ifVersion int64) error {
	var cur int64
	err := tx.QueryRow(ctx, s.q(`SELECT version FROM {s}.states WHERE tenant = $1 AND key = $2`), tenant, key).Scan(&cur)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	if err := backend.CheckStateVersion(key, cur, ifVersion); err != nil {
		return err
	}
	// The row changed between the two statements: still a lost race.
	return fmt.Errorf("state %q changed concurrently: %w", key, store.ErrPrecondition)
}

// DeleteState implements store.States.
func (s *Store) DeleteState(ctx context.Context, tenant, key string, ifVersion int64) error {
	op := "delete state " + key
	if ifVersion < store.AnyVersion {
		return fmt.Errorf("store: %s: %w: ifVersion %d", op, store.ErrInvalidState, ifVersion)
	}
	return mapErr(op, s.tx(ctx, op, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, s.q(`DELETE FROM {s}.states WHERE tenant = $1 AND key = $2 AND ($3 = -1 OR version = $3)`), tenant, key, ifVersion)
		if err != nil || tag.RowsAffected() == 1 {
			return err
		}
		var cur int64
		if err := tx.QueryRow(ctx, s.q(`SELECT version FROM {s}.states WHERE tenant = $1 AND key = $2`), tenant, key).Scan(&cur); err != nil {
			return err // pgx.ErrNoRows: not found
		}
		if err := backend.CheckStateVersion(key, cur, ifVersion); err != nil {
			return err
		}
		return fmt.Errorf("state %q changed concurrently: %w", key, store.ErrPrecondition)
	}))
}

// ListStates implements store.States: a range scan from prefix that stops
// at the first key without it.
func (s *Store) ListStates(ctx context.Context, tenant, prefix string) ([]store.State, error) {
	const op = "list states"
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, s.q(`SELECT key, value, version, updated FROM {s}.states WHERE tenant = $1 AND key >= $2 ORDER BY key`), tenant, prefix)
	if err != nil {
		return nil, mapErr(op, err)
	}
	defer rows.Close()
	var out []store.State
	for rows.Next() {
		var st store.State
		if err := rows.Scan(&st.Key, &st.Value, &st.Version, &st.Updated); err != nil {
			return nil, mapErr(op, err)
		}
		if !strings.HasPrefix(st.Key, prefix) {
			break
		}
		st.Updated = st.Updated.UTC()
		out = append(out, st)
	}
	return out, mapErr(op, rows.Err())
}
