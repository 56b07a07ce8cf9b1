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
	data := map[string]any{"Q": q, "Tenants": c.tenantIDs(r)}
	f, err := c.logFilter(q)
	if err != nil {
		data["Error"] = err.Error()
		c.render(w, r, http.StatusBadRequest, "log", s, data)
		return
	}
	page, err := pl.Query(r.Context(), f)
	if err != nil {
		status := http.StatusInternalServerError
		if errors.Is(err, store.ErrInvalidCursor) {
			status = http.StatusBadRequest
		}
		c.cfg.Logger.Warn("console: query provisioning log", "err", err)
		data["Error"] = "The log could not be read: " + err.Error()
		c.render(w, r, status, "log", s, data)
		return
	}
	data["Entries"], data["Next"] = page.Entries, page.NextCursor
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
		c.fail(w, r, s, http.StatusInternalServerError, "The log could not be read: "+err.Error())
		return
	}
	if len(page.Entries) == 0 || page.Entries[0].Seq != seq {
		c.fail(w, r, s, http.StatusNotFound, fmt.Sprintf("No log entry %d (it may have been pruned).", seq))
		return
	}
	e := page.Entries[0]
	data := map[string]any{"E": e}
	if re, ok := c.cfg.Store.(store.RequestEvents); ok && e.RequestID != "" {
		evs, err := re.EventsOfRequest(r.Context(), e.Tenant, e.RequestID, 100)
		if err != nil {
			data["EventsError"] = err.Error()
		}
		data["Events"], data["HasEvents"] = evs, true
	}
	c.render(w, r, http.StatusOK, "entry", s, data)
}

// tenantIDs returns the ids of the tenant records (for the filters' lists),
// or none when the store keeps none.
func (c *Console) tenantIDs(r *http.Request) []string {
	ts, ok := c.cfg.Store.(store.Tenants)
	if !ok {
		return nil
	}
	all, err := ts.ListTenants(r.Context())
	if err != nil {
		return nil
	}
	ids := make([]string, len(all))
	for i, t := range all {
		ids[i] = t.ID
	}
	return ids
}
