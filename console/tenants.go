package console

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"unicode"

	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store"
)

// tenantsPage lists the tenant records, with a form to create one.
func (c *Console) tenantsPage(w http.ResponseWriter, r *http.Request, s *session) {
	c.showTenants(w, r, s, http.StatusOK, nil)
}

func (c *Console) showTenants(w http.ResponseWriter, r *http.Request, s *session, status int, data map[string]any) {
	ts, ok := c.cfg.Store.(store.Tenants)
	if !ok {
		c.fail(w, r, s, http.StatusNotImplemented, "This store keeps no tenant records.")
		return
	}
	all, err := ts.ListTenants(r.Context())
	if err != nil {
		c.internal(w, r, s, "read the tenants", err)
		return
	}
	if data == nil {
		data = map[string]any{}
	}
	data["Tenants"], data["Blank"] = all, store.TenantRecord{}
	if d := c.cfg.DefaultTenant; d != "" && !slices.ContainsFunc(all, func(t store.TenantRecord) bool { return t.ID == d }) {
		data["DefaultTenant"] = d // served with the server's settings
	}
	c.render(w, r, status, "tenants", s, data)
}

// tenantForm reads and checks a tenant's settings from the posted form.
func tenantForm(r *http.Request, id string) (store.TenantRecord, error) {
	t := store.TenantRecord{ID: id, Name: strings.TrimSpace(r.PostFormValue("name")),
		Dialect:      strings.ToLower(strings.TrimSpace(r.PostFormValue("dialect"))),
		DeletePolicy: strings.ToLower(strings.TrimSpace(r.PostFormValue("delete_policy")))}
	if _, err := scim.ParseDialect(t.Dialect); err != nil {
		return t, err
	}
	if _, err := scim.ParseDeletePolicy(t.DeletePolicy); err != nil {
		return t, err
	}
	return t, nil
}

// createTenant stores a new tenant record.
func (c *Console) createTenant(w http.ResponseWriter, r *http.Request, s *session) {
	ts, ok := c.cfg.Store.(store.Tenants)
	if !ok {
		c.fail(w, r, s, http.StatusNotImplemented, "This store keeps no tenant records.")
		return
	}
	id := strings.TrimSpace(r.PostFormValue("id"))
	t, err := tenantForm(r, id)
	if err == nil {
		err = checkTenantID(id)
	}
	if err == nil {
		_, err = ts.CreateTenant(r.Context(), t)
		if errors.Is(err, store.ErrConflict) {
			err = errors.New("tenant " + id + " exists already")
		}
	}
	if err != nil {
		c.showTenants(w, r, s, http.StatusBadRequest, map[string]any{"Error": err.Error()})
		return
	}
	c.cfg.Logger.Info("console: tenant created", "tenant", id)
	http.Redirect(w, r, c.cfg.Prefix+"/tenants/"+pathEscape(id), http.StatusSeeOther)
}

// tenantPage shows a tenant's settings, with forms to change them and to
// delete the tenant.
func (c *Console) tenantPage(w http.ResponseWriter, r *http.Request, s *session) {
	c.showTenant(w, r, s, http.StatusOK, nil)
}

func (c *Console) showTenant(w http.ResponseWriter, r *http.Request, s *session, status int, data map[string]any) {
	ts, ok := c.cfg.Store.(store.Tenants)
	if !ok {
		c.fail(w, r, s, http.StatusNotImplemented, "This store keeps no tenant records.")
		return
	}
	t, err := ts.GetTenant(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		c.fail(w, r, s, http.StatusNotFound, "No tenant "+r.PathValue("id")+".")
		return
	} else if err != nil {
		c.internal(w, r, s, "read the tenant", err)
		return
	}
	if data == nil {
		data = map[string]any{}
	}
	data["T"] = t
	if r.URL.Query().Get("saved") != "" {
		data["Notice"] = "Saved."
	}
	c.render(w, r, status, "tenant", s, data)
}

// updateTenant changes a tenant's name, dialect and delete policy.
func (c *Console) updateTenant(w http.ResponseWriter, r *http.Request, s *session) {
	ts, ok := c.cfg.Store.(store.Tenants)
	if !ok {
		c.fail(w, r, s, http.StatusNotImplemented, "This store keeps no tenant records.")
		return
	}
	id := r.PathValue("id")
	t, err := tenantForm(r, id)
	if err != nil {
		c.showTenant(w, r, s, http.StatusBadRequest, map[string]any{"Error": err.Error()})
		return
	}
	if _, err := ts.UpdateTenant(r.Context(), t); errors.Is(err, store.ErrNotFound) {
		c.fail(w, r, s, http.StatusNotFound, "No tenant "+id+".")
		return
	} else if err != nil {
		c.internal(w, r, s, "save the tenant", err)
		return
	}
	c.cfg.Logger.Info("console: tenant updated", "tenant", id, "dialect", t.Dialect, "delete_policy", t.DeletePolicy)
	http.Redirect(w, r, c.cfg.Prefix+"/tenants/"+pathEscape(id)+"?saved=1", http.StatusSeeOther)
}

// deleteTenant deletes a tenant record and revokes its tokens; the form
// must repeat the tenant id ("confirm").
func (c *Console) deleteTenant(w http.ResponseWriter, r *http.Request, s *session) {
	ts, ok := c.cfg.Store.(store.Tenants)
	if !ok {
		c.fail(w, r, s, http.StatusNotImplemented, "This store keeps no tenant records.")
		return
	}
	id := r.PathValue("id")
	if r.PostFormValue("confirm") != id {
		c.showTenant(w, r, s, http.StatusBadRequest, map[string]any{"Error": "Type the tenant id to confirm its deletion."})
		return
	}
	if err := ts.DeleteTenant(r.Context(), id); errors.Is(err, store.ErrNotFound) {
		c.fail(w, r, s, http.StatusNotFound, "No tenant "+id+".")
		return
	} else if err != nil {
		c.internal(w, r, s, "delete the tenant", err)
		return
	}
	c.cfg.Logger.Info("console: tenant deleted", "tenant", id)
	http.Redirect(w, r, c.cfg.Prefix+"/tenants", http.StatusSeeOther)
}

// checkTenantID refuses a tenant id the console cannot put in a path or
// show: empty, longer than 200 bytes, or with / ? # % or control characters.
func checkTenantID(id string) error {
	if id == "" || strings.ContainsAny(id, "/?#%") || strings.ContainsFunc(id, unicode.IsControl) || len(id) > 200 {
		return errors.New("a tenant id is required: up to 200 characters, without / ? # % or control characters")
	}
	return nil
}
