package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// CreateToken implements store.Tokens.
func (s *Store) CreateToken(ctx context.Context, t store.TokenRecord) (store.TokenRecord, error) {
	op := "create token " + t.ID
	if err := backend.CheckToken(t); err != nil {
		return t, err
	}
	if err := s.checkOpen(op); err != nil {
		return t, err
	}
	if t.Created.IsZero() {
		t.Created = time.Now()
	}
	t.Created, t.Expires = dbTime(t.Created), fromNull(nullTime(t.Expires))
	t.Revoked, t.LastUsed = time.Time{}, time.Time{}
	_, err := s.pool.Exec(ctx, s.q(`INSERT INTO {s}.tokens (id, tenant, name, hash, prefix, read_only, created, expires)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`), t.ID, t.Tenant, t.Name, t.Hash, t.Prefix, t.ReadOnly, t.Created, nullTime(t.Expires))
	return t, mapErr(op, err)
}

const tokenCols = `id, tenant, name, hash, prefix, read_only, created, expires, revoked, last_used`

func scanToken(r pgx.Row) (store.TokenRecord, error) {
	var t store.TokenRecord
	var expires, revoked, used *time.Time
	err := r.Scan(&t.ID, &t.Tenant, &t.Name, &t.Hash, &t.Prefix, &t.ReadOnly, &t.Created, &expires, &revoked, &used)
	t.Created, t.Expires, t.Revoked, t.LastUsed = t.Created.UTC(), fromNull(expires), fromNull(revoked), fromNull(used)
	return t, err
}

// TokenByHash implements store.Tokens with the unique index on hash.
func (s *Store) TokenByHash(ctx context.Context, hash string) (store.TokenRecord, error) {
	if err := s.checkOpen("token by hash"); err != nil {
		return store.TokenRecord{}, err
	}
	t, err := scanToken(s.pool.QueryRow(ctx, s.q(`SELECT `+tokenCols+` FROM {s}.tokens WHERE hash = $1`), hash))
	return t, mapErr("token by hash", err)
}

// ListTokens implements store.Tokens.
func (s *Store) ListTokens(ctx context.Context, tenant string) ([]store.TokenRecord, error) {
	if err := s.checkOpen("list tokens"); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, s.q(`SELECT `+tokenCols+` FROM {s}.tokens WHERE $1 = '' OR tenant = $1 ORDER BY created, id`), tenant)
	if err != nil {
		return nil, mapErr("list tokens", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.TokenRecord, error) { return scanToken(r) })
	return out, mapErr("list tokens", err)
}

// RevokeToken implements store.Tokens.
func (s *Store) RevokeToken(ctx context.Context, id string) error {
	return s.execOne(ctx, "revoke token "+id,
		`UPDATE {s}.tokens SET revoked = COALESCE(revoked, $2) WHERE id = $1`, id, dbTime(time.Now()))
}

// TouchToken implements store.Tokens: one update by primary key.
func (s *Store) TouchToken(ctx context.Context, id string, at time.Time) error {
	return s.execOne(ctx, "touch token "+id,
		`UPDATE {s}.tokens SET last_used = GREATEST(last_used, $2) WHERE id = $1`, id, dbTime(at))
}

// execOne runs an update that must affect one row; none is ErrNotFound.
func (s *Store) execOne(ctx context.Context, op, q string, args ...any) error {
	if err := s.checkOpen(op); err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, s.q(q), args...)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return mapErr(op, err)
}
