package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store"
)

// tokenRow is a token as the tokens page shows it.
type tokenRow struct {
	store.TokenRecord
	State string // active, expired or revoked
}

// tokensPage lists the tokens of one tenant (the query's "tenant", else
// the first tenant record): a tenant has a handful of tokens.
func (c *Console) tokensPage(w http.ResponseWriter, r *http.Request, s *session) {
	c.showTokens(w, r, s, http.StatusOK, r.URL.Query().Get("tenant"), nil)
}

func (c *Console) showTokens(w http.ResponseWriter, r *http.Request, s *session, status int, tenant string, data map[string]any) {
	tk, ok := c.cfg.Store.(store.Tokens)
	if !ok {
		c.fail(w, r, s, http.StatusNotImplemented, "This store keeps no tokens.")
		return
	}
	tenants := c.tenantIDs(r)
	if tenant == "" && len(tenants) > 0 {
		tenant = tenants[0]
	}
	if data == nil {
		data = map[string]any{}
	}
	if id := r.URL.Query().Get("revoked"); id != "" && r.Method == http.MethodGet {
		data["Notice"] = "Token " + id + " is revoked: the IdP that used it gets 401 from its next request."
	}
	data["Tenant"], data["Tenants"] = tenant, tenants
	if tenant != "" {
		all, err := tk.ListTokens(r.Context(), tenant)
		if err != nil {
			c.internal(w, r, s, "read the tokens", err)
			return
		}
		now := c.cfg.Now()
		rows := make([]tokenRow, len(all))
		for i, t := range all {
			rows[i] = tokenRow{t, "active"}
			switch {
			case !t.Revoked.IsZero():
				rows[i].State = "revoked"
			case !t.Active(now):
				rows[i].State = "expired"
			}
		}
		data["Tokens"] = rows
	}
	c.render(w, r, status, "tokens", s, data)
}

// createToken issues a token and shows its secret once, in the response
// to the POST (never in a URL, never stored).
func (c *Console) createToken(w http.ResponseWriter, r *http.Request, s *session) {
	tk, ok := c.cfg.Store.(store.Tokens)
	tenant := r.PostFormValue("tenant")
	if !ok || tenant == "" {
		c.showTokens(w, r, s, http.StatusBadRequest, tenant, map[string]any{"Error": "Choose a tenant for the token."})
		return
	}
	if err := checkTenantID(tenant); err != nil {
		c.showTokens(w, r, s, http.StatusBadRequest, "", map[string]any{"Error": err.Error()})
		return
	}
	opts := scim.TokenOptions{Name: strings.TrimSpace(r.PostFormValue("name")), ReadOnly: r.PostFormValue("readonly") == "on"}
	if len(opts.Name) > 200 || strings.ContainsFunc(opts.Name, unicode.IsControl) {
		c.showTokens(w, r, s, http.StatusBadRequest, tenant, map[string]any{"Error": "A token name is up to 200 characters, without control characters."})
		return
	}
	if v := r.PostFormValue("ttl"); v != "" && v != "0" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			c.showTokens(w, r, s, http.StatusBadRequest, tenant, map[string]any{"Error": fmt.Sprintf("Lifetime %q is not a positive duration such as 720h.", v)})
			return
		}
		opts.Expires = c.cfg.Now().Add(d)
	}
	secret, rec, err := scim.IssueToken(r.Context(), tk, tenant, opts)
	if err != nil {
		c.internal(w, r, s, "create the token", err)
		return
	}
	c.cfg.Logger.Info("console: token created", "token", rec.ID, "tenant", tenant)
	c.showOnce(w, r, map[string]any{"Secret": secret, "Token": rec, "UnknownTenant": !slices.Contains(c.tenantIDs(r), tenant)})
}

// findToken returns the token id of tenant.
func (c *Console) findToken(r *http.Request, tk store.Tokens, tenant, id string) (store.TokenRecord, error) {
	all, err := tk.ListTokens(r.Context(), tenant)
	if err != nil {
		return store.TokenRecord{}, err
	}
	for _, t := range all {
		if t.ID == id {
			return t, nil
		}
	}
	return store.TokenRecord{}, fmt.Errorf("token %q of tenant %q: %w", id, tenant, store.ErrNotFound)
}

// tokenNotFound answers a findToken error: 404 naming the token for a
// token that is not there, the internal-error page (the store's error
// logged, not shown) for anything else.
func (c *Console) tokenNotFound(w http.ResponseWriter, r *http.Request, s *session, err error) {
	if errors.Is(err, store.ErrNotFound) {
		c.fail(w, r, s, http.StatusNotFound, "No such token: "+err.Error())
		return
	}
	c.internal(w, r, s, "read the tokens", err)
}

// rotateToken issues a new token with the old one's tenant, name,
// read-only flag and expiry, and revokes the old one when asked to
// ("revoke" checked); otherwise both work until the old one is revoked, so
// the IdP can switch without downtime.
func (c *Console) rotateToken(w http.ResponseWriter, r *http.Request, s *session) {
	tk, ok := c.cfg.Store.(store.Tokens)
	if !ok {
		c.fail(w, r, s, http.StatusNotImplemented, "This store keeps no tokens.")
		return
	}
	old, err := c.findToken(r, tk, r.PostFormValue("tenant"), r.PathValue("id"))
	if err != nil {
		c.tokenNotFound(w, r, s, err)
		return
	}
	if !old.Active(c.cfg.Now()) {
		c.fail(w, r, s, http.StatusConflict, "Token "+old.ID+" is revoked or expired: create a new token instead of rotating it.")
		return
	}
	secret, rec, err := scim.IssueToken(r.Context(), tk, old.Tenant, scim.TokenOptions{Name: old.Name, ReadOnly: old.ReadOnly, Expires: old.Expires})
	if err != nil {
		c.internal(w, r, s, "create the token", err)
		return
	}
	revoked := r.PostFormValue("revoke") == "on"
	if revoked {
		if err := tk.RevokeToken(r.Context(), old.ID); err != nil {
			c.internal(w, r, s, "revoke the old token "+old.ID+" (the new token "+rec.ID+" was created; revoke the old one again, or rotate anew)", err)
			return
		}
	}
	c.cfg.Logger.Info("console: token rotated", "old", old.ID, "new", rec.ID, "tenant", old.Tenant, "old_revoked", revoked)
	c.showOnce(w, r, map[string]any{"Secret": secret, "Token": rec, "Old": old, "OldRevoked": revoked})
}

// revokeToken revokes a token at once.
func (c *Console) revokeToken(w http.ResponseWriter, r *http.Request, s *session) {
	tk, ok := c.cfg.Store.(store.Tokens)
	if !ok {
		c.fail(w, r, s, http.StatusNotImplemented, "This store keeps no tokens.")
		return
	}
	tenant, id := r.PostFormValue("tenant"), r.PathValue("id")
	tok, err := c.findToken(r, tk, tenant, id)
	if err != nil {
		c.tokenNotFound(w, r, s, err)
		return
	}
	if r.PostFormValue("confirm") != "yes" { // the list's button asks first
		c.render(w, r, http.StatusOK, "revoke", s, map[string]any{"Token": tok})
		return
	}
	if err := tk.RevokeToken(r.Context(), id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			c.fail(w, r, s, http.StatusNotFound, "Token "+id+" no longer exists.")
			return
		}
		c.internal(w, r, s, "revoke the token", err)
		return
	}
	c.cfg.Logger.Info("console: token revoked", "token", id, "tenant", tenant)
	http.Redirect(w, r, c.cfg.Prefix+"/tokens?"+url.Values{"tenant": {tenant}, "revoked": {id}}.Encode(), http.StatusSeeOther)
}
