package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scimkit/store"
)

// RunAdmin runs the shared tests of the administrative capabilities
// store.Tenants, store.Tokens, store.ProvisioningLog and store.States against the stores
// newStore returns (fresh and isolated, as for Run). A capability the
// store does not implement is skipped.
//
// Beyond the contracts in package store, the suite pins: records round-trip
// every field with times in UTC truncated to whole microseconds;
// ListTenants orders by ID and ListTokens by Created then ID; a zero
// Created or Time is set by the store to about now.
func RunAdmin(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Helper()
	for _, tc := range []testCase{
		{"Tenants", testTenantRecords},
		{"TenantDeleteRevokesTokens", testTenantDeleteRevokes},
		{"Tokens", testTokens},
		{"TokenErrors", testTokenErrors},
		{"TokenRevokeTouch", testTokenRevokeTouch},
		{"TokenConcurrency", testTokenConcurrency},
		{"LogAppendQuery", testLogAppendQuery},
		{"LogFilters", testLogFilters},
		{"LogPaging", testLogPaging},
		{"LogPrune", testLogPrune},
		{"AdminClosed", testAdminClosed},
		{"States", testStates},
		{"StateConcurrency", testStateConcurrency},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newStore)
		})
	}
}

func tenantsOf(t *testing.T, s store.Store) store.Tenants {
	t.Helper()
	ts, ok := s.(store.Tenants)
	if !ok {
		t.Skip("store does not implement store.Tenants")
	}
	return ts
}

func tokensOf(t *testing.T, s store.Store) store.Tokens {
	t.Helper()
	ts, ok := s.(store.Tokens)
	if !ok {
		t.Skip("store does not implement store.Tokens")
	}
	return ts
}

func logOf(t *testing.T, s store.Store) store.ProvisioningLog {
	t.Helper()
	l, ok := s.(store.ProvisioningLog)
	if !ok {
		t.Skip("store does not implement store.ProvisioningLog")
	}
	return l
}

// t0 is a fixed time with sub-microsecond digits (dropped when stored).
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.FixedZone("CET", 3600))

func us(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func hashOf(secret string) string {
	s := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(s[:])
}

func tok(id, tenant string) store.TokenRecord {
	return store.TokenRecord{ID: id, Tenant: tenant, Name: "okta", Hash: hashOf("secret-" + id),
		Prefix: "scimkit_" + id[:min(4, len(id))], Created: t0}
}

// aboutNow fails unless got is within a minute of the wall clock.
func aboutNow(t *testing.T, what string, got time.Time) {
	t.Helper()
	if d := time.Since(got); d < -time.Minute || d > time.Minute || got.Location() != time.UTC {
		t.Errorf("%s = %v, want about now in UTC", what, got)
	}
}

func testTenantRecords(t *testing.T, newStore func(t *testing.T) store.Store) {
	ts := tenantsOf(t, newStore(t))
	ctx := t.Context()
	acme := store.TenantRecord{ID: "acme", Name: "Acme", Dialect: "entra", DeletePolicy: store.DeletePolicySoft, Created: t0}
	got, err := ts.CreateTenant(ctx, acme)
	if err != nil {
		t.Fatal(err)
	}
	acme.Created = us(t0)
	diff(t, "CreateTenant", acme, got)
	b, err := ts.CreateTenant(ctx, store.TenantRecord{ID: "Beta"})
	if err != nil {
		t.Fatal(err)
	}
	aboutNow(t, "zero Created", b.Created)
	_, err = ts.CreateTenant(ctx, store.TenantRecord{ID: "acme", Name: "again"})
	wantErr(t, "duplicate tenant", err, store.ErrConflict)
	if _, err := ts.CreateTenant(ctx, store.TenantRecord{}); err == nil {
		t.Error("CreateTenant with empty ID succeeded")
	}
	_, err = ts.GetTenant(ctx, "ACME")
	wantErr(t, "GetTenant with other case", err, store.ErrNotFound)
	got, err = ts.GetTenant(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "GetTenant", acme, got)
	list, err := ts.ListTenants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "ListTenants", []store.TenantRecord{b, acme}, list)

	upd := store.TenantRecord{ID: "acme", Name: "Acme Corp", Dialect: "okta", DeletePolicy: store.DeletePolicyHard, Created: t0.Add(time.Hour)}
	got, err = ts.UpdateTenant(ctx, upd)
	if err != nil {
		t.Fatal(err)
	}
	upd.Created = acme.Created // kept
	diff(t, "UpdateTenant", upd, got)
	got, _ = ts.GetTenant(ctx, "acme")
	diff(t, "GetTenant after update", upd, got)
	_, err = ts.UpdateTenant(ctx, store.TenantRecord{ID: "nope"})
	wantErr(t, "UpdateTenant missing", err, store.ErrNotFound)

	if err := ts.DeleteTenant(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	_, err = ts.GetTenant(ctx, "acme")
	wantErr(t, "GetTenant after delete", err, store.ErrNotFound)
	wantErr(t, "DeleteTenant twice", ts.DeleteTenant(ctx, "acme"), store.ErrNotFound)
	list, _ = ts.ListTenants(ctx)
	diff(t, "ListTenants after delete", []store.TenantRecord{b}, list)
}

func testTenantDeleteRevokes(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ts, tk := tenantsOf(t, s), tokensOf(t, s)
	ctx := t.Context()
	if _, err := ts.CreateTenant(ctx, store.TenantRecord{ID: "a"}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []store.TokenRecord{tok("a1", "a"), tok("a2", "a"), tok("b1", "b")} {
		if _, err := tk.CreateToken(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := ts.DeleteTenant(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	for id, wantActive := range map[string]bool{"a1": false, "a2": false, "b1": true} {
		r, err := tk.TokenByHash(ctx, hashOf("secret-"+id))
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Active(time.Now()); got != wantActive {
			t.Errorf("token %s after deleting tenant a: active = %v, want %v", id, got, wantActive)
		}
	}
}

func testTokens(t *testing.T, newStore func(t *testing.T) store.Store) {
	tk := tokensOf(t, newStore(t))
	ctx := t.Context()
	want := tok("tok_1", "acme")
	want.Expires, want.ReadOnly = t0.Add(24*time.Hour), true
	got, err := tk.CreateToken(ctx, want)
	if err != nil {
		t.Fatal(err)
	}
	want.Created, want.Expires = us(want.Created), us(want.Expires)
	diff(t, "CreateToken", want, got)
	second := tok("tok_2", "acme")
	second.Created = time.Time{}
	second.Revoked, second.LastUsed = t0, t0 // ignored by CreateToken
	got2, err := tk.CreateToken(ctx, second)
	if err != nil {
		t.Fatal(err)
	}
	aboutNow(t, "zero Created", got2.Created)
	if !got2.Revoked.IsZero() || !got2.LastUsed.IsZero() {
		t.Errorf("CreateToken kept Revoked/LastUsed: %+v", got2)
	}
	other, err := tk.CreateToken(ctx, tok("tok_0", "other"))
	if err != nil {
		t.Fatal(err)
	}
	byHash, err := tk.TokenByHash(ctx, want.Hash)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "TokenByHash", want, byHash)
	_, err = tk.TokenByHash(ctx, hashOf("unknown"))
	wantErr(t, "TokenByHash unknown", err, store.ErrNotFound)

	tests := []struct {
		tenant string
		want   []store.TokenRecord
	}{
		{"acme", []store.TokenRecord{want, got2}},
		{"other", []store.TokenRecord{other}},
		{"nobody", nil},
		{"", []store.TokenRecord{other, want, got2}}, // Created t0, t0, now; then ID
	}
	for _, tt := range tests {
		list, err := tk.ListTokens(ctx, tt.tenant)
		if err != nil {
			t.Fatal(err)
		}
		diff(t, fmt.Sprintf("ListTokens(%q)", tt.tenant), tt.want, list, cmp.Comparer(func(a, b []store.TokenRecord) bool {
			return len(a) == len(b) && (len(a) == 0 || cmp.Equal(a, b))
		}))
	}
}

func testTokenErrors(t *testing.T, newStore func(t *testing.T) store.Store) {
	tk := tokensOf(t, newStore(t))
	ctx := t.Context()
	if _, err := tk.CreateToken(ctx, tok("t1", "a")); err != nil {
		t.Fatal(err)
	}
	dupHash := tok("t2", "a")
	dupHash.Hash = hashOf("secret-t1")
	tests := []struct {
		name     string
		rec      store.TokenRecord
		conflict bool
	}{
		{"duplicate ID", tok("t1", "b"), true},
		{"duplicate hash", dupHash, true},
		{"empty ID", store.TokenRecord{Tenant: "a", Hash: hashOf("x")}, false},
		{"empty tenant", store.TokenRecord{ID: "t3", Hash: hashOf("y")}, false},
		{"short hash", store.TokenRecord{ID: "t4", Tenant: "a", Hash: "abc"}, false},
		{"upper-case hash", store.TokenRecord{ID: "t5", Tenant: "a", Hash: "ABCDEF" + hashOf("z")[6:]}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tk.CreateToken(ctx, tt.rec)
			if tt.conflict {
				wantErr(t, "CreateToken", err, store.ErrConflict)
			} else if err == nil {
				t.Error("CreateToken succeeded")
			}
		})
	}
	list, _ := tk.ListTokens(ctx, "")
	if len(list) != 1 {
		t.Errorf("after failed creates ListTokens has %d tokens, want 1", len(list))
	}
	wantErr(t, "RevokeToken missing", tk.RevokeToken(ctx, "nope"), store.ErrNotFound)
	wantErr(t, "TouchToken missing", tk.TouchToken(ctx, "nope", t0), store.ErrNotFound)
}

func testTokenRevokeTouch(t *testing.T, newStore func(t *testing.T) store.Store) {
	tk := tokensOf(t, newStore(t))
	ctx := t.Context()
	for _, id := range []string{"old", "new"} {
		if _, err := tk.CreateToken(ctx, tok(id, "acme")); err != nil {
			t.Fatal(err)
		}
	}
	// Touch: LastUsed only moves forward.
	for _, at := range []time.Time{t0.Add(time.Minute), t0, t0.Add(2 * time.Minute)} {
		if err := tk.TouchToken(ctx, "old", at); err != nil {
			t.Fatal(err)
		}
	}
	r, _ := tk.TokenByHash(ctx, hashOf("secret-old"))
	diff(t, "LastUsed", us(t0.Add(2*time.Minute)), r.LastUsed)
	// Rotation: both active, then revoke the old one.
	if err := tk.RevokeToken(ctx, "old"); err != nil {
		t.Fatal(err)
	}
	r, _ = tk.TokenByHash(ctx, hashOf("secret-old"))
	first := r.Revoked
	aboutNow(t, "Revoked", first)
	if r.Active(time.Now()) {
		t.Error("revoked token is active")
	}
	time.Sleep(2 * time.Millisecond)
	if err := tk.RevokeToken(ctx, "old"); err != nil {
		t.Fatalf("second revoke: %v", err)
	}
	r, _ = tk.TokenByHash(ctx, hashOf("secret-old"))
	diff(t, "Revoked after second revoke", first, r.Revoked)
	n, _ := tk.TokenByHash(ctx, hashOf("secret-new"))
	if !n.Active(time.Now()) || !n.LastUsed.IsZero() {
		t.Errorf("the other token changed: %+v", n)
	}
}

func testTokenConcurrency(t *testing.T, newStore func(t *testing.T) store.Store) {
	tk := tokensOf(t, newStore(t))
	ctx := t.Context()
	if _, err := tk.CreateToken(ctx, tok("t", "a")); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 16 {
		wg.Go(func() {
			for j := range 4 {
				if err := tk.TouchToken(ctx, "t", t0.Add(time.Duration(i*4+j)*time.Second)); err != nil {
					errs <- err
				}
				if _, err := tk.TokenByHash(ctx, hashOf("secret-t")); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	r, _ := tk.TokenByHash(ctx, hashOf("secret-t"))
	diff(t, "LastUsed after concurrent touches", us(t0.Add(63*time.Second)), r.LastUsed)
}

func testAdminClosed(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	s.Close()
	ctx := t.Context()
	if ts, ok := s.(store.Tenants); ok {
		_, err := ts.GetTenant(ctx, "a")
		wantErr(t, "GetTenant after Close", err, store.ErrClosed)
	}
	if tk, ok := s.(store.Tokens); ok {
		_, err := tk.TokenByHash(ctx, hashOf("x"))
		wantErr(t, "TokenByHash after Close", err, store.ErrClosed)
	}
	if l, ok := s.(store.ProvisioningLog); ok {
		_, err := l.Append(ctx, store.ProvisioningEntry{Tenant: "a"})
		wantErr(t, "Append after Close", err, store.ErrClosed)
	}
}
