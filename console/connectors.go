package console

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/scimkit/scimkit/connector"
	"github.com/scimkit/scimkit/store"
)

// connectorRow is one connector of one tenant on the connectors page: the
// status its Syncer keeps in the store (connector.Status).
type connectorRow struct {
	Tenant, Name string
	connector.Status
	Unreadable string // the stored status did not decode
}

// Failed reports whether the connector's last run failed.
func (r connectorRow) Failed() bool { return r.LastError != "" }

// connectorsPage lists the directories scimkit pulls from (package
// connector, e.g. Google Workspace), per tenant: when each last ran, when
// its last full and group runs succeeded, and what the last run did or
// why it failed. The statuses are the States "connector/<name>/status"
// the Syncers keep; a few keys per tenant, read with one prefix listing.
func (c *Console) connectorsPage(w http.ResponseWriter, r *http.Request, s *session) {
	states, ok := c.cfg.Store.(store.States)
	if !ok {
		c.fail(w, r, s, http.StatusNotImplemented, "This store keeps no connector state.")
		return
	}
	var rows []connectorRow
	for _, tenant := range c.tenantIDs(r) {
		list, err := states.ListStates(r.Context(), tenant, "connector/")
		if err != nil {
			c.internal(w, r, s, "read the connectors' status", err)
			return
		}
		for _, st := range list {
			name, ok := strings.CutSuffix(strings.TrimPrefix(st.Key, "connector/"), "/status")
			if !ok || name == "" || strings.Contains(name, "/") {
				continue
			}
			row := connectorRow{Tenant: tenant, Name: name}
			if err := json.Unmarshal(st.Value, &row.Status); err != nil {
				row.Unreadable = "the stored status does not decode: " + err.Error()
			}
			rows = append(rows, row)
		}
	}
	c.render(w, r, http.StatusOK, "connectors", s, map[string]any{"Rows": rows, "Now": time.Now()})
}
