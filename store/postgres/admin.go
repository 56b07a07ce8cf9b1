package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scimkit/scimkit/store"
)

var (
	_ store.Tenants         = (*Store)(nil)
	_ store.Tokens          = (*Store)(nil)
	_ store.ProvisioningLog = (*Store)(nil)
)

// nullTime maps the zero time to NULL.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = dbTime(t)
	return &t
}

func fromNull(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// checkOpen returns store.ErrClosed after Close.
func (s *Store) checkOpen(op string) error {
	if s.closed.Load() {
		return fmt.Errorf("store: %s: %w", op, store.ErrClosed)
	}
	return nil
}

// CreateTenant implements store.Tenants.
func (s *Store) CreateTenant(ctx context.Context, t store.TenantRecord) (store.TenantRecord, error) {
	op := "create tenant " + t.ID
	if t.ID == "" {
		return t, fmt.Errorf("postgres: create tenant: empty ID")
	}
	if err := s.checkOpen(op); err != nil {
		return t, err
	}
	if t.Created.IsZero() {
		t.Created = time.Now()
	}
	t.Created = dbTime(t.Created)
	_, err := s.pool.Exec(ctx, s.q(`INSERT INTO {s}.tenants (id, name, dialect, delete_policy, created) VALUES ($1, $2, $3, $4, $5)`),
		t.ID, t.Name, t.Dialect, t.DeletePolicy, t.Created)
	return t, mapErr(op, err)
}

const tenantCols = `id, name, dialect, delete_policy, created`

func scanTenant(r pgx.Row) (store.TenantRecord, error) {
	var t store.TenantRecord
	err := r.Scan(&t.ID, &t.Name, &t.Dialect, &t.DeletePolicy, &t.Created)
	t.Created = t.Created.UTC()
	return t, err
}

// GetTenant implements store.Tenants.
func (s *Store) GetTenant(ctx context.Context, id string) (store.TenantRecord, error) {
	op := "get tenant " + id
	if err := s.checkOpen(op); err != nil {
		return store.TenantRecord{}, err
	}
	t, err := scanTenant(s.pool.QueryRow(ctx, s.q(`SELECT `+tenantCols+` FROM {s}.tenants WHERE id = $1`), id))
	return t, mapErr(op, err)
}

// ListTenants implements store.Tenants.
func (s *Store) ListTenants(ctx context.Context) ([]store.TenantRecord, error) {
	if err := s.checkOpen("list tenants"); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, s.q(`SELECT `+tenantCols+` FROM {s}.tenants ORDER BY id`))
	if err != nil {
		return nil, mapErr("list tenants", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.TenantRecord, error) { return scanTenant(r) })
	return out, mapErr("list tenants", err)
}

// UpdateTenant implements store.Tenants.
func (s *Store) UpdateTenant(ctx context.Context, t store.TenantRecord) (store.TenantRecord, error) {
	op := "update tenant " + t.ID
	if err := s.checkOpen(op); err != nil {
		return t, err
	}
	err := s.pool.QueryRow(ctx, s.q(`UPDATE {s}.tenants SET name = $2, dialect = $3, delete_policy = $4 WHERE id = $1 RETURNING created`),
		t.ID, t.Name, t.Dialect, t.DeletePolicy).Scan(&t.Created)
	t.Created = t.Created.UTC()
	return t, mapErr(op, err)
}

// DeleteTenant implements store.Tenants: the record is deleted and the
// tenant's tokens revoked in one transaction.
func (s *Store) DeleteTenant(ctx context.Context, id string) error {
	return s.tx(ctx, "delete tenant "+id, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, s.q(`DELETE FROM {s}.tenants WHERE id = $1`), id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return pgx.ErrNoRows
		}
		_, err = tx.Exec(ctx, s.q(`UPDATE {s}.tokens SET revoked = $2 WHERE tenant = $1 AND revoked IS NULL`), id, dbTime(time.Now()))
		return err
	})
}
