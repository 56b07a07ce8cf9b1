package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/scimkit/scimkit/store"
)

var (
	_ store.Tenants         = (*Store)(nil)
	_ store.Tokens          = (*Store)(nil)
	_ store.ProvisioningLog = (*Store)(nil)
)

// micros stores a time as Unix microseconds, 0 for the zero time.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// CreateTenant implements store.Tenants.
func (s *Store) CreateTenant(ctx context.Context, t store.TenantRecord) (store.TenantRecord, error) {
	if t.ID == "" {
		return t, fmt.Errorf("sqlite: create tenant: empty ID")
	}
	if t.Created.IsZero() {
		t.Created = s.clock()
	}
	t.Created = fromMicros(micros(t.Created))
	err := s.writeTx(ctx, "create tenant "+t.ID, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO tenants (id, name, dialect, delete_policy, created) VALUES (?, ?, ?, ?, ?)`,
			t.ID, t.Name, t.Dialect, t.DeletePolicy, micros(t.Created))
		return err
	})
	return t, err
}

const tenantCols = `id, name, dialect, delete_policy, created`

func scanTenant(sc interface{ Scan(...any) error }) (store.TenantRecord, error) {
	var t store.TenantRecord
	var created int64
	err := sc.Scan(&t.ID, &t.Name, &t.Dialect, &t.DeletePolicy, &created)
	t.Created = fromMicros(created)
	return t, err
}

// GetTenant implements store.Tenants.
func (s *Store) GetTenant(ctx context.Context, id string) (store.TenantRecord, error) {
	t, err := scanTenant(s.read.QueryRowContext(ctx, `SELECT `+tenantCols+` FROM tenants WHERE id = ?`, id))
	return t, s.wrap("get tenant "+id, err)
}

// ListTenants implements store.Tenants.
func (s *Store) ListTenants(ctx context.Context) ([]store.TenantRecord, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+tenantCols+` FROM tenants ORDER BY id`)
	if err != nil {
		return nil, s.wrap("list tenants", err)
	}
	defer rows.Close()
	var out []store.TenantRecord
	for rows.Next() {
		t, err := scanTenant(rows)
		if err != nil {
			return nil, s.wrap("list tenants", err)
		}
		out = append(out, t)
	}
	return out, s.wrap("list tenants", rows.Err())
}

// UpdateTenant implements store.Tenants.
func (s *Store) UpdateTenant(ctx context.Context, t store.TenantRecord) (store.TenantRecord, error) {
	err := s.writeTx(ctx, "update tenant "+t.ID, func(tx *txn) error {
		var created int64
		err := tx.QueryRowContext(ctx, `UPDATE tenants SET name = ?, dialect = ?, delete_policy = ? WHERE id = ? RETURNING created`,
			t.Name, t.Dialect, t.DeletePolicy, t.ID).Scan(&created)
		t.Created = fromMicros(created)
		return err
	})
	return t, err
}

// DeleteTenant implements store.Tenants: the record is deleted and the
// tenant's tokens revoked in one transaction.
func (s *Store) DeleteTenant(ctx context.Context, id string) error {
	return s.writeTx(ctx, "delete tenant "+id, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM tenants WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return sql.ErrNoRows
		}
		_, err = tx.ExecContext(ctx, `UPDATE tokens SET revoked = ? WHERE tenant = ? AND revoked = 0`, micros(s.clock()), id)
		return err
	})
}
