package scim

import (
	"context"
	"strings"
	"testing"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
)

// TestSoftDeleteNeedsTombstones: a default DeleteSoft on a store without
// store.Tombstones is a configuration error; a tenant asking for it there
// gets hard deletes.
func TestSoftDeleteNeedsTombstones(t *testing.T) {
	st := struct{ store.Store }{memory.New()}
	t.Cleanup(func() { st.Close() })
	if _, err := New(Config{Store: st, Defaults: TenantConfig{Delete: DeleteSoft}}); err == nil || !strings.Contains(err.Error(), "Tombstones") {
		t.Errorf("New with DeleteSoft on a store without tombstones: %v, want an error naming store.Tombstones", err)
	}
	h := newTestHandler(t, Config{Store: st, Tenant: func(context.Context, string) (TenantConfig, error) {
		return TenantConfig{Delete: DeleteSoft}, nil
	}})
	uid := createUser(t, h, "u")
	mustDo(t, h, request{method: "DELETE", target: "/Users/" + uid}, 204)
	mustDo(t, h, request{method: "GET", target: "/Users/" + uid}, 404)
}
