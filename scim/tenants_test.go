package scim

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/patch"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
)

func TestParseDialectAndDeletePolicy(t *testing.T) {
	dialects := []struct {
		in   string
		want patch.Dialect
		ok   bool
	}{
		{"", patch.DialectDefault, true}, {"Default", patch.DialectDefault, true}, {"okta", patch.DialectOkta, true},
		{"ENTRA", patch.DialectEntra, true}, {"azure", patch.DialectEntra, true}, {"strict", patch.DialectStrict, true},
		{"rfc", patch.DialectStrict, true}, {"google", 0, false},
	}
	for _, tt := range dialects {
		got, err := ParseDialect(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseDialect(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	policies := []struct {
		in   string
		want DeletePolicy
		ok   bool
	}{{"", DeleteHard, true}, {"hard", DeleteHard, true}, {"Soft", DeleteSoft, true}, {"tombstone", 0, false}}
	for _, tt := range policies {
		got, err := ParseDeletePolicy(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseDeletePolicy(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// downTenants is a store.Tenants that is unreachable.
type downTenants struct{ store.Tenants }

func (downTenants) GetTenant(context.Context, string) (store.TenantRecord, error) {
	return store.TenantRecord{}, store.ErrUnavailable
}

func TestTenantsFromStore(t *testing.T) {
	ctx := t.Context()
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	st.CreateTenant(ctx, store.TenantRecord{ID: "entra", Dialect: "entra", DeletePolicy: "soft"})
	st.CreateTenant(ctx, store.TenantRecord{ID: "bad", Dialect: "klingon"})
	defaults := TenantConfig{Dialect: patch.DialectOkta, PatchResponse: PatchResponseResource}
	get := TenantsFromStore(st, defaults)
	tests := []struct {
		tenant string
		want   TenantConfig
		ok     bool
	}{
		{"entra", TenantConfig{Dialect: patch.DialectEntra, Delete: DeleteSoft, PatchResponse: PatchResponseResource}, true},
		{"no-record", defaults, true},
		{"bad", TenantConfig{}, false},
	}
	for _, tt := range tests {
		got, err := get(ctx, tt.tenant)
		if (err == nil) != tt.ok {
			t.Errorf("%s: error %v, want ok=%v", tt.tenant, err, tt.ok)
			continue
		}
		if tt.ok {
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("%s (-want +got):\n%s", tt.tenant, d)
			}
		}
	}
	if _, err := TenantsFromStore(downTenants{st}, defaults)(ctx, "entra"); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("store down: %v, want ErrUnavailable", err)
	}
}

func TestTenantInPath(t *testing.T) {
	for _, prefix := range []string{"", "/scim/v2"} {
		h := newTestHandler(t, Config{TenantInPath: true, Prefix: prefix})
		tests := []struct {
			name, path, token string
			want              int
		}{
			{"own tenant", "/tenants/t1/Users", testToken, 201},
			{"own tenant, case of tenants", "/TENANTS/t1/Users", testToken, 201},
			{"other tenant", "/tenants/t2/Users", testToken, 404},
			{"unknown tenant", "/tenants/nobody/Users", testToken, 404},
			{"tenant case differs", "/tenants/T1/Users", testToken, 404},
			{"no credential", "/tenants/t1/Users", "", 401},
			{"plain path still works", "/Users", testToken, 201},
		}
		for i, tt := range tests {
			t.Run(prefix+" "+tt.name, func(t *testing.T) {
				body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u` + string(rune('a'+i)) + `"}`
				r := httptest.NewRequest("POST", prefix+tt.path, strings.NewReader(body))
				if tt.token != "" {
					r.Header.Set("Authorization", "Bearer "+tt.token)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != tt.want {
					t.Fatalf("POST %s = %d, want %d\n%s", tt.path, w.Code, tt.want, w.Body)
				}
				if w.Code == 201 && strings.HasPrefix(tt.path, "/tenants") &&
					!strings.HasPrefix(w.Header().Get("Location"), "http://example.com"+prefix+"/tenants/t1/Users/") {
					t.Errorf("Location %q does not keep the tenant form", w.Header().Get("Location"))
				}
			})
		}
	}
	// The 404 for another tenant is the same whether or not it exists.
	h := newTestHandler(t, Config{TenantInPath: true})
	bodies := map[string]string{}
	for _, tenant := range []string{"t2", "nobody"} {
		r := httptest.NewRequest("GET", "/tenants/"+tenant+"/Users", nil)
		r.Header.Set("Authorization", "Bearer "+testToken)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		bodies[tenant] = w.Body.String()
	}
	if bodies["t2"] != bodies["nobody"] {
		t.Errorf("other tenant and missing tenant answer differently:\n%s\n%s", bodies["t2"], bodies["nobody"])
	}
}
