package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

var (
	_ store.Tenants         = (*Store)(nil)
	_ store.Tokens          = (*Store)(nil)
	_ store.ProvisioningLog = (*Store)(nil)
)

// adminState holds tenants, tokens and the provisioning log, guarded by
// state.mu like everything else. Its zero value is empty.
type adminState struct {
	tenants map[string]store.TenantRecord
	tokens  map[string]store.TokenRecord // by ID
	byHash  map[string]string            // Hash → ID
	log     []store.ProvisioningEntry    // in Seq order
	logSeq  int64
	logMax  int                               // entries kept (Config.ProvisioningLogSize)
	states  map[string]map[string]store.State // tenant → key → state (state.go)
}

// adminTx runs fn under the store's lock (write or read), with the clock
// reading of the operation, as one tx that records no events. op names the
// operation in errors.
func (s *Store) adminTx(ctx context.Context, write bool, op string, fn func(a *adminState, now time.Time) error) error {
	return s.tx(ctx, write, op, func(st *state) ([]store.Event, error) {
		return nil, fn(&st.admin, st.nowMicro())
	})
}

func micro(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Microsecond)
}

// CreateTenant implements store.Tenants.
func (s *Store) CreateTenant(ctx context.Context, t store.TenantRecord) (store.TenantRecord, error) {
	if t.ID == "" {
		return t, fmt.Errorf("memory: create tenant: empty ID")
	}
	err := s.adminTx(ctx, true, "create tenant "+t.ID, func(a *adminState, now time.Time) error {
		if _, ok := a.tenants[t.ID]; ok {
			return store.ErrConflict
		}
		if a.tenants == nil {
			a.tenants = map[string]store.TenantRecord{}
		}
		t.Created = cmp.Or(micro(t.Created), now)
		a.tenants[t.ID] = t
		return nil
	})
	return t, err
}

// GetTenant implements store.Tenants.
func (s *Store) GetTenant(ctx context.Context, id string) (store.TenantRecord, error) {
	var t store.TenantRecord
	err := s.adminTx(ctx, false, "get tenant "+id, func(a *adminState, _ time.Time) error {
		var ok bool
		if t, ok = a.tenants[id]; !ok {
			return store.ErrNotFound
		}
		return nil
	})
	return t, err
}

// ListTenants implements store.Tenants.
func (s *Store) ListTenants(ctx context.Context) ([]store.TenantRecord, error) {
	var out []store.TenantRecord
	err := s.adminTx(ctx, false, "list tenants", func(a *adminState, _ time.Time) error {
		for _, t := range a.tenants {
			out = append(out, t)
		}
		slices.SortFunc(out, func(x, y store.TenantRecord) int { return cmp.Compare(x.ID, y.ID) })
		return nil
	})
	return out, err
}

// UpdateTenant implements store.Tenants.
func (s *Store) UpdateTenant(ctx context.Context, t store.TenantRecord) (store.TenantRecord, error) {
	err := s.adminTx(ctx, true, "update tenant "+t.ID, func(a *adminState, _ time.Time) error {
		cur, ok := a.tenants[t.ID]
		if !ok {
			return store.ErrNotFound
		}
		t.Created = cur.Created
		a.tenants[t.ID] = t
		return nil
	})
	return t, err
}

// DeleteTenant implements store.Tenants: the record goes and the tenant's
// tokens are revoked in the same critical section.
func (s *Store) DeleteTenant(ctx context.Context, id string) error {
	return s.adminTx(ctx, true, "delete tenant "+id, func(a *adminState, now time.Time) error {
		if _, ok := a.tenants[id]; !ok {
			return store.ErrNotFound
		}
		delete(a.tenants, id)
		for k, tok := range a.tokens {
			if tok.Tenant == id && tok.Revoked.IsZero() {
				tok.Revoked = now
				a.tokens[k] = tok
			}
		}
		return nil
	})
}

// CreateToken implements store.Tokens.
func (s *Store) CreateToken(ctx context.Context, t store.TokenRecord) (store.TokenRecord, error) {
	if err := backend.CheckToken(t); err != nil {
		return t, err
	}
	err := s.adminTx(ctx, true, "create token "+t.ID, func(a *adminState, now time.Time) error {
		if _, ok := a.tokens[t.ID]; ok {
			return store.ErrConflict
		}
		if _, ok := a.byHash[t.Hash]; ok {
			return store.ErrConflict
		}
		if a.tokens == nil {
			a.tokens, a.byHash = map[string]store.TokenRecord{}, map[string]string{}
		}
		t.Created = cmp.Or(micro(t.Created), now)
		t.Expires, t.Revoked, t.LastUsed = micro(t.Expires), time.Time{}, time.Time{}
		a.tokens[t.ID], a.byHash[t.Hash] = t, t.ID
		return nil
	})
	return t, err
}

// TokenByHash implements store.Tokens with a map lookup.
func (s *Store) TokenByHash(ctx context.Context, hash string) (store.TokenRecord, error) {
	var t store.TokenRecord
	err := s.adminTx(ctx, false, "token by hash", func(a *adminState, _ time.Time) error {
		id, ok := a.byHash[hash]
		if !ok {
			return store.ErrNotFound
		}
		t = a.tokens[id]
		return nil
	})
	return t, err
}

// ListTokens implements store.Tokens.
func (s *Store) ListTokens(ctx context.Context, tenant string) ([]store.TokenRecord, error) {
	var out []store.TokenRecord
	err := s.adminTx(ctx, false, "list tokens", func(a *adminState, _ time.Time) error {
		for _, t := range a.tokens {
			if tenant == "" || t.Tenant == tenant {
				out = append(out, t)
			}
		}
		slices.SortFunc(out, func(x, y store.TokenRecord) int {
			return cmp.Or(x.Created.Compare(y.Created), cmp.Compare(x.ID, y.ID))
		})
		return nil
	})
	return out, err
}

// RevokeToken implements store.Tokens.
func (s *Store) RevokeToken(ctx context.Context, id string) error {
	return s.adminTx(ctx, true, "revoke token "+id, func(a *adminState, now time.Time) error {
		t, ok := a.tokens[id]
		if !ok {
			return store.ErrNotFound
		}
		if t.Revoked.IsZero() {
			t.Revoked = now
			a.tokens[id] = t
		}
		return nil
	})
}

// TouchToken implements store.Tokens.
func (s *Store) TouchToken(ctx context.Context, id string, at time.Time) error {
	at = micro(at)
	return s.adminTx(ctx, true, "touch token "+id, func(a *adminState, _ time.Time) error {
		t, ok := a.tokens[id]
		if !ok {
			return store.ErrNotFound
		}
		if at.After(t.LastUsed) {
			t.LastUsed = at
			a.tokens[id] = t
		}
		return nil
	})
}
