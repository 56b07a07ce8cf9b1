package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// CreateToken implements store.Tokens.
func (s *Store) CreateToken(ctx context.Context, t store.TokenRecord) (store.TokenRecord, error) {
	if err := backend.CheckToken(t); err != nil {
		return t, err
	}
	if t.Created.IsZero() {
		t.Created = s.clock()
	}
	t.Created, t.Expires = fromMicros(micros(t.Created)), fromMicros(micros(t.Expires))
	t.Revoked, t.LastUsed = time.Time{}, time.Time{}
	err := s.writeTx(ctx, "create token "+t.ID, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO tokens (id, tenant, name, hash, prefix, read_only, created, expires)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, t.ID, t.Tenant, t.Name, t.Hash, t.Prefix, t.ReadOnly, micros(t.Created), micros(t.Expires))
		return err
	})
	return t, err
}

const tokenCols = `id, tenant, name, hash, prefix, read_only, created, expires, revoked, last_used`

func scanToken(sc interface{ Scan(...any) error }) (store.TokenRecord, error) {
	var t store.TokenRecord
	var created, expires, revoked, used int64
	err := sc.Scan(&t.ID, &t.Tenant, &t.Name, &t.Hash, &t.Prefix, &t.ReadOnly, &created, &expires, &revoked, &used)
	t.Created, t.Expires, t.Revoked, t.LastUsed = fromMicros(created), fromMicros(expires), fromMicros(revoked), fromMicros(used)
	return t, err
}

// TokenByHash implements store.Tokens with the unique index on hash.
func (s *Store) TokenByHash(ctx context.Context, hash string) (store.TokenRecord, error) {
	t, err := scanToken(s.read.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM tokens WHERE hash = ?`, hash))
	return t, s.wrap("token by hash", err)
}

// ListTokens implements store.Tokens.
func (s *Store) ListTokens(ctx context.Context, tenant string) ([]store.TokenRecord, error) {
	q, args := `SELECT `+tokenCols+` FROM tokens ORDER BY created, id`, []any{}
	if tenant != "" {
		q, args = `SELECT `+tokenCols+` FROM tokens WHERE tenant = ? ORDER BY created, id`, []any{tenant}
	}
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.wrap("list tokens", err)
	}
	defer rows.Close()
	var out []store.TokenRecord
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, s.wrap("list tokens", err)
		}
		out = append(out, t)
	}
	return out, s.wrap("list tokens", rows.Err())
}

// RevokeToken implements store.Tokens.
func (s *Store) RevokeToken(ctx context.Context, id string) error {
	return s.writeTx(ctx, "revoke token "+id, func(tx *txn) error {
		return execOne(ctx, tx, `UPDATE tokens SET revoked = CASE revoked WHEN 0 THEN ? ELSE revoked END WHERE id = ?`,
			micros(s.clock()), id)
	})
}

// TouchToken implements store.Tokens: one update by primary key.
func (s *Store) TouchToken(ctx context.Context, id string, at time.Time) error {
	return s.writeTx(ctx, "touch token "+id, func(tx *txn) error {
		return execOne(ctx, tx, `UPDATE tokens SET last_used = max(last_used, ?) WHERE id = ?`, micros(at), id)
	})
}

// execOne runs an update that must affect one row; none is sql.ErrNoRows.
func execOne(ctx context.Context, tx *txn, q string, args ...any) error {
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return sql.ErrNoRows
	}
	return nil
}
