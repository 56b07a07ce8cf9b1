package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

var _ store.States = (*Store)(nil)

// GetState implements store.States.
func (s *Store) GetState(ctx context.Context, tenant, key string) (store.State, error) {
	st := store.State{Key: key}
	var updated int64
	err := s.read.QueryRowContext(ctx, `SELECT value, version, updated FROM states WHERE tenant = ? AND key = ?`, tenant, key).
		Scan(&st.Value, &st.Version, &updated)
	st.Updated = fromMicros(updated)
	return st, s.wrap("get state "+key, err)
}

// PutState implements store.States.
func (s *Store) PutState(ctx context.Context, tenant, key string, value []byte, ifVersion int64) (store.State, error) {
	op := "put state " + key
	if err := backend.CheckState(key, value, ifVersion); err != nil {
		return store.State{}, fmt.Errorf("store: %s: %w", op, err)
	}
	st := store.State{Key: key, Value: append([]byte{}, value...), Updated: fromMicros(micros(s.clock()))}
	err := s.writeTx(ctx, op, func(tx *txn) error {
		var cur int64
		err := tx.QueryRowContext(ctx, `SELECT version FROM states WHERE tenant = ? AND key = ?`, tenant, key).Scan(&cur)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := backend.CheckStateVersion(key, cur, ifVersion); err != nil {
			return err
		}
		st.Version = cur + 1
		_, err = tx.ExecContext(ctx, `INSERT INTO states (tenant, key, value, version, updated) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (tenant, key) DO UPDATE SET value = excluded.value, version = excluded.version, updated = excluded.updated`,
			tenant, key, st.Value, st.Version, micros(st.Updated))
		return err
	})
	if err != nil {
		return store.State{}, s.wrap(op, err)
	}
	return st, nil
}

// DeleteState implements store.States.
func (s *Store) DeleteState(ctx context.Context, tenant, key string, ifVersion int64) error {
	op := "delete state " + key
	return s.wrap(op, s.writeTx(ctx, op, func(tx *txn) error {
		var cur int64
		if err := tx.QueryRowContext(ctx, `SELECT version FROM states WHERE tenant = ? AND key = ?`, tenant, key).Scan(&cur); err != nil {
			return err
		}
		if err := backend.CheckStateVersion(key, cur, ifVersion); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM states WHERE tenant = ? AND key = ?`, tenant, key)
		return err
	}))
}

// ListStates implements store.States: a range scan from prefix that stops
// at the first key without it.
func (s *Store) ListStates(ctx context.Context, tenant, prefix string) ([]store.State, error) {
	const op = "list states"
	rows, err := s.read.QueryContext(ctx, `SELECT key, value, version, updated FROM states WHERE tenant = ? AND key >= ? ORDER BY key`, tenant, prefix)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer rows.Close()
	var out []store.State
	for rows.Next() {
		var st store.State
		var updated int64
		if err := rows.Scan(&st.Key, &st.Value, &st.Version, &updated); err != nil {
			return nil, s.wrap(op, err)
		}
		if !strings.HasPrefix(st.Key, prefix) {
			break
		}
		st.Updated = fromMicros(updated)
		out = append(out, st)
	}
	return out, s.wrap(op, rows.Err())
}
