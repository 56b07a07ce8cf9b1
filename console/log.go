package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scimkit/store"
)

// timeLayouts are the accepted forms of the log's since and until fields:
// RFC 3339, and what an <input type="datetime-local"> sends (read as UTC).
var timeLayouts = []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"}

func parseTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%s %q is not a time: use 2006-01-02T15:04 (UTC) or RFC 3339", field, s)
}

// inputTime is s, a time in one of timeLayouts, as a datetime-local input
// shows it (UTC), so that a link with an RFC 3339 time shows the filter it
// applies; "" when s is not a time.
func inputTime(s string) string {
	t, err := parseTime("", s)
	if err != nil || t.IsZero() {
		return ""
	}
	if t = t.UTC(); t.Second() != 0 {
		return t.Format("2006-01-02T15:04:05")
	}
	return t.Format("2006-01-02T15:04")
}

// logFilter reads the log page's query into a store filter.
func (c *Console) logFilter(q url.Values) (store.ProvisioningFilter, error) {
	f := store.ProvisioningFilter{Tenant: q.Get("tenant"), IdP: q.Get("idp"), Method: strings.ToUpper(q.Get("method")),
		ResourceType: q.Get("type"), Outcome: store.Outcome(q.Get("outcome")), RequestID: q.Get("request"),
		ResourceID: q.Get("resource"), Cursor: q.Get("cursor"), Limit: c.cfg.PageSize}
	var err error
	if f.Since, err = parseTime("since", q.Get("since")); err != nil {
		return f, err
	}
	if f.Until, err = parseTime("until", q.Get("until")); err != nil {
		return f, err
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		return f, fmt.Errorf("since (%s) must be before until (%s)", q.Get("since"), q.Get("until"))
	}
	switch f.Method {
	case "", http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		return f, fmt.Errorf("method %q is not one of GET, POST, PUT, PATCH, DELETE", f.Method)
	}
	switch f.Outcome {
	case "", store.OutcomeSuccess, store.OutcomeRejected, store.OutcomeError:
	default:
		return f, fmt.Errorf("outcome %q is not one of success, rejected, error", f.Outcome)
	}
	if s := q.Get("status"); s != "" {
		if f.Status, err = strconv.Atoi(s); err != nil || f.Status < 100 || f.Status > 599 {
			return f, fmt.Errorf("status %q is not an HTTP status code (100–599)", s)
		}
	}
	return f, nil
}

// logPage lists provisioning log entries, newest first, one page at a
// time, filtered by the store.
func (c *Console) logPage(w http.ResponseWriter, r *http.Request, s *session) {
	pl, ok := c.cfg.Store.(store.ProvisioningLog)
	if !ok {
		c.fail(w, r, s, http.StatusNotImplemented, "This store keeps no provisioning log.")
		return
	}
	q := r.URL.Query()
	data := map[string]any{"Q": q, "Tenants": c.tenantIDs(r), "Since": inputTime(q.Get("since")), "Until": inputTime(q.Get("until"))}
	f, err := c.logFilter(q)
	if err != nil {
		data["Error"] = err.Error()
		c.render(w, r, http.StatusBadRequest, "log", s, data)
		return
	}
	page, err := pl.Query(r.Context(), f)
	switch {
	case errors.Is(err, store.ErrInvalidCursor):
		data["Error"] = "This page link is not valid (a malformed or stale cursor): start again from the newest entries."
		c.render(w, r, http.StatusBadRequest, "log", s, data)
		return
	case err != nil:
		c.cfg.Logger.Error("console: query provisioning log", "err", err)
		data["Error"] = "The log could not be read (the server log has the error)."
		c.render(w, r, http.StatusInternalServerError, "log", s, data)
		return
	}
	filtered := false
	for k, v := range q {
		if k != "cursor" && len(v) > 0 && v[0] != "" {
			filtered = true
		}
	}
	data["Entries"], data["Next"], data["Filtered"] = page.Entries, page.NextCursor, filtered
	c.render(w, r, http.StatusOK, "log", s, data)
}

// entryPage shows one entry: the redacted request and response, and the
// events its request produced.
func (c *Console) entryPage(w http.ResponseWriter, r *http.Request, s *session) {
	pl, ok := c.cfg.Store.(store.ProvisioningLog)
	seq, err := strconv.ParseInt(r.PathValue("seq"), 10, 64)
	if !ok || err != nil || seq <= 0 {
		c.fail(w, r, s, http.StatusNotFound, "No such log entry.")
		return
	}
	page, err := pl.Query(r.Context(), store.ProvisioningFilter{Seq: seq, Limit: 1}) // one row, by primary key
	if err != nil {
		c.internal(w, r, s, "read the log", err)
		return
	}
	if len(page.Entries) == 0 || page.Entries[0].Seq != seq {
		c.fail(w, r, s, http.StatusNotFound, fmt.Sprintf("No log entry %d (it may have been pruned).", seq))
		return
	}
	e := page.Entries[0]
	// The query is the log page's the entry was opened from (its filters
	// and cursor): the way back, re-encoded, to the log only.
	data := map[string]any{"E": e, "Back": r.URL.Query()}
	if re, ok := c.cfg.Store.(store.RequestEvents); ok && e.RequestID != "" {
		evs, err := re.EventsOfRequest(r.Context(), e.Tenant, e.RequestID, 100)
		if err != nil {
			c.cfg.Logger.Error("console: read a request's events", "request_id", e.RequestID, "err", err)
			data["EventsError"] = "the events could not be read (the server log has the error)"
		}
		data["Events"], data["HasEvents"] = evs, true
	}
	c.render(w, r, http.StatusOK, "entry", s, data)
}

// tenantIDs returns Config.DefaultTenant and the ids of the tenant
// records (for the tenant pickers), the default first.
func (c *Console) tenantIDs(r *http.Request) []string {
	var ids []string
	if c.cfg.DefaultTenant != "" {
		ids = append(ids, c.cfg.DefaultTenant)
	}
	ts, ok := c.cfg.Store.(store.Tenants)
	if !ok {
		return ids
	}
	all, err := ts.ListTenants(r.Context())
	if err != nil {
		c.cfg.Logger.Warn("console: list tenants", "err", err)
		return ids
	}
	for _, t := range all {
		if t.ID != c.cfg.DefaultTenant {
			ids = append(ids, t.ID)
		}
	}
	return ids
}
