package scim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/scimkit/scimkit/patch"
	"github.com/scimkit/scimkit/store"
)

// ParseDialect returns the PATCH dialect named s: "" or "default", "okta",
// "entra" (also "azure", "aad"), "strict" (also "rfc"); case-insensitive.
func ParseDialect(s string) (patch.Dialect, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "default":
		return patch.DialectDefault, nil
	case "okta":
		return patch.DialectOkta, nil
	case "entra", "azure", "aad":
		return patch.DialectEntra, nil
	case "strict", "rfc":
		return patch.DialectStrict, nil
	}
	return 0, fmt.Errorf("unknown dialect %q (default, okta, entra, strict)", s)
}

// ParseDeletePolicy returns the DeletePolicy named s: "" or "hard"
// (store.DeletePolicyHard), "soft" (store.DeletePolicySoft);
// case-insensitive.
func ParseDeletePolicy(s string) (DeletePolicy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", store.DeletePolicyHard:
		return DeleteHard, nil
	case store.DeletePolicySoft:
		return DeleteSoft, nil
	}
	return 0, fmt.Errorf("unknown delete policy %q (hard, soft)", s)
}

// TenantConfigOf returns the settings a stored tenant record selects, on
// top of defaults (which supply what the record does not say, such as
// PatchResponse).
func TenantConfigOf(rec store.TenantRecord, defaults TenantConfig) (TenantConfig, error) {
	tc := defaults
	var err error
	if rec.Dialect != "" {
		if tc.Dialect, err = ParseDialect(rec.Dialect); err != nil {
			return tc, fmt.Errorf("tenant %s: %w", rec.ID, err)
		}
	}
	if rec.DeletePolicy != "" {
		if tc.Delete, err = ParseDeletePolicy(rec.DeletePolicy); err != nil {
			return tc, fmt.Errorf("tenant %s: %w", rec.ID, err)
		}
	}
	return tc, nil
}

// tenantCacheTTL bounds how long TenantsFromStore keeps a tenant's
// settings: an UpdateTenant takes effect within it.
const tenantCacheTTL = 5 * time.Second

// TenantsFromStore returns a Config.Tenant function that reads each
// tenant's settings from st (see TenantConfigOf). A tenant without a record
// gets defaults. Settings are cached for a few seconds, so a change made
// with UpdateTenant takes effect within 5 seconds without a restart; store
// errors are not cached and are answered as WriteError does (503 for
// store.ErrUnavailable). The function is safe for concurrent use.
func TenantsFromStore(st store.Tenants, defaults TenantConfig) func(ctx context.Context, tenant string) (TenantConfig, error) {
	type entry struct {
		tc TenantConfig
		at time.Time
	}
	var mu sync.Mutex
	cache := map[string]entry{}
	return func(ctx context.Context, tenant string) (TenantConfig, error) {
		now := time.Now()
		mu.Lock()
		e, ok := cache[tenant]
		mu.Unlock()
		if ok && now.Sub(e.at) < tenantCacheTTL {
			return e.tc, nil
		}
		rec, err := st.GetTenant(ctx, tenant)
		tc := defaults
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return tc, err
		default:
			if tc, err = TenantConfigOf(rec, defaults); err != nil {
				return tc, err
			}
		}
		mu.Lock()
		if len(cache) > 10000 { // a bound, not an LRU: tenants are few
			clear(cache)
		}
		cache[tenant] = entry{tc, now}
		mu.Unlock()
		return tc, nil
	}
}

// tenantPath recognises the URL form /tenants/{tenant}/... (after
// Config.Prefix) when Config.TenantInPath is set: it returns a copy of r
// without the two segments and the tenant, or r and "".
func (h *Handler) tenantPath(r *http.Request) (*http.Request, string) {
	if !h.cfg.TenantInPath {
		return r, ""
	}
	p, pre := r.URL.Path, ""
	if h.cfg.Prefix != "" && (p == h.cfg.Prefix || strings.HasPrefix(p, h.cfg.Prefix+"/")) {
		p, pre = p[len(h.cfg.Prefix):], h.cfg.Prefix
	}
	seg, rest, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	if !strings.EqualFold(seg, "tenants") {
		return r, ""
	}
	tenant, rest, _ := strings.Cut(rest, "/")
	if tenant == "" {
		return r, ""
	}
	r2 := *r
	u := *r.URL
	u.Path, u.RawPath = pre+"/"+rest, ""
	r2.URL = &u
	return &r2, tenant
}
