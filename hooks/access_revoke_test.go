package hooks_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/scimkit/scimkit/hooks"
)

// TestAccessRevoke: Access.Revoke, the entry point of revocations that do
// not come from the outbox, follows the policy and keeps receipts like a
// SCIM deactivation: one Revoker call per EventID once it completed.
func TestAccessRevoke(t *testing.T) {
	calls := 0
	fail := true
	a, err := hooks.NewAccess(hooks.AccessConfig{Revoker: hooks.RevokerFunc(func(context.Context, hooks.Revocation) error {
		calls++
		if fail {
			return errors.New("gateway down")
		}
		return nil
	})})
	if err != nil {
		t.Fatal(err)
	}
	r := hooks.Revocation{Tenant: "t", UserID: "u1", Reason: "session-revoked", EventID: "ssf:iss#jti", Time: time.Now()}
	if err := a.Revoke(t.Context(), r); err == nil {
		t.Fatal("a failing Revoker's error was not returned")
	}
	fail = false
	for range 2 {
		if err := a.Revoke(t.Context(), r); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 2 {
		t.Errorf("Revoker called %d times, want 2 (one failure, one success, then the receipt stops it)", calls)
	}
	rcs, _ := a.Receipts(t.Context(), "t", "u1")
	if len(rcs) != 1 || rcs[0].Attempts != 2 || rcs[0].Completed.IsZero() || rcs[0].Reason != "session-revoked" {
		t.Errorf("receipts: %+v", rcs)
	}
	off, _ := hooks.NewAccess(hooks.AccessConfig{Policy: func(context.Context, string) (hooks.Policy, error) {
		return hooks.Policy{RevokeOnDeprovision: false}, nil
	}, Revoker: hooks.RevokerFunc(func(context.Context, hooks.Revocation) error { calls++; return nil })})
	off.Revoke(t.Context(), hooks.Revocation{Tenant: "t", UserID: "u2", EventID: "e2"})
	if calls != 2 {
		t.Error("Revoke ignored a policy without RevokeOnDeprovision")
	}
}
