package console

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// resourceRow is a resource as the directory lists it.
type resourceRow struct {
	ID, ExternalID, Name string
	Active               string // "true", "false" or "" (no such attribute)
}

func rowOf(r *schema.Resource) resourceRow {
	row := resourceRow{ID: r.ID, ExternalID: r.ExternalID}
	for _, k := range []string{"userName", "displayName"} {
		if s, ok := r.Attrs[k].(string); ok && row.Name == "" {
			row.Name = s
		}
	}
	if a, ok := r.Attrs["active"].(bool); ok {
		row.Active = fmt.Sprint(a)
	}
	return row
}

func (c *Console) resourceType(name string) *schema.ResourceType {
	for _, rt := range c.cfg.ResourceTypes {
		if rt.Name == name {
			return rt
		}
	}
	return nil
}

// list runs one page of a cursor-paged List: filter is a SCIM filter
// (RFC 7644 §3.4.2.2), "" for all.
func (c *Console) list(r *http.Request, tenant string, rt *schema.ResourceType, expr, cursor string) (*store.Page, error) {
	q := store.Query{Count: c.cfg.PageSize, UseCursor: true, Cursor: cursor,
		Read: store.ReadOptions{OmitMembers: true, OmitGroups: true}}
	if expr != "" {
		e, err := filter.Parse(expr)
		if err == nil {
			e, err = filter.Bind(rt, e)
		}
		if err != nil {
			return nil, fmt.Errorf("filter: %w", err)
		}
		q.Filter = e
	}
	return c.cfg.Store.List(r.Context(), tenant, rt, q)
}

// directoryPage searches the users or groups of a tenant with a SCIM
// filter, one page at a time (cursor paging).
func (c *Console) directoryPage(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	tenants := c.tenantIDs(r)
	tenant, typ := q.Get("tenant"), q.Get("type")
	if tenant == "" && len(tenants) > 0 {
		tenant = tenants[0]
	}
	if typ == "" {
		typ = c.cfg.ResourceTypes[0].Name
	}
	var types []string
	for _, rt := range c.cfg.ResourceTypes {
		types = append(types, rt.Name)
	}
	data := map[string]any{"Q": q, "Tenant": tenant, "Type": typ, "Types": types, "Tenants": tenants}
	rt := c.resourceType(typ)
	status := http.StatusOK
	switch {
	case rt == nil:
		status, data["Error"] = http.StatusBadRequest, "Unknown resource type "+typ+"."
	case tenant != "":
		page, err := c.list(r, tenant, rt, q.Get("filter"), q.Get("cursor"))
		if err != nil {
			status, data["Error"] = c.listError(err)
			break
		}
		rows := make([]resourceRow, len(page.Resources))
		for i, res := range page.Resources {
			rows[i] = rowOf(res)
		}
		data["Rows"], data["Total"], data["Next"] = rows, page.TotalResults, page.NextCursor
	}
	c.render(w, r, status, "directory", s, data)
}

// listError is the status and the operator's message for an error of
// list: a bad filter or cursor is 400 and says what to fix; anything else
// is 500, logged, and not echoed.
func (c *Console) listError(err error) (int, string) {
	var se *schema.Error
	switch {
	case errors.Is(err, store.ErrInvalidCursor):
		return http.StatusBadRequest, "This page link is not valid (a malformed or stale cursor): start again from the first page."
	case errors.As(err, &se) && se.Status < 500:
		return http.StatusBadRequest, "Invalid filter: " + se.Detail
	}
	c.cfg.Logger.Error("console: list resources", "err", err)
	return http.StatusInternalServerError, "The directory could not be read (the server log has the error)."
}

// relation is a list of resources related to the one a page shows.
type relation struct {
	Title, Type string
	Rows        []resourceRow
	Total       int
	Next        string // cursor of the next page ("" for none)
	Error       string
}

// relation lists the first page (or the page at cursor) of the resources
// of type rt in tenant matching expr.
func (c *Console) relation(r *http.Request, tenant, title string, rt *schema.ResourceType, expr, cursor string) relation {
	rel := relation{Title: title}
	if rt == nil {
		return rel
	}
	rel.Type = rt.Name
	page, err := c.list(r, tenant, rt, expr, cursor)
	if err != nil {
		_, rel.Error = c.listError(err)
		return rel
	}
	rel.Rows = make([]resourceRow, len(page.Resources))
	for i, x := range page.Resources {
		rel.Rows[i] = rowOf(x)
	}
	rel.Total, rel.Next = page.TotalResults, page.NextCursor
	return rel
}

// resourcePage shows one resource; for a user its groups, for a group its
// members (one page, cursor paged).
func (c *Console) resourcePage(w http.ResponseWriter, r *http.Request, s *session) {
	tenant, rt := r.URL.Query().Get("tenant"), c.resourceType(r.PathValue("type"))
	if rt == nil {
		c.fail(w, r, s, http.StatusNotFound, "Unknown resource type "+r.PathValue("type")+".")
		return
	}
	res, err := c.cfg.Store.Get(r.Context(), tenant, rt, r.PathValue("id"), store.ReadOptions{OmitMembers: true})
	if errors.Is(err, store.ErrNotFound) {
		c.fail(w, r, s, http.StatusNotFound, fmt.Sprintf("No %s %s in tenant %q: it was deleted, or belongs to another tenant.", rt.Name, r.PathValue("id"), tenant))
		return
	} else if err != nil {
		c.internal(w, r, s, "read the resource", err)
		return
	}
	// The store keeps what SCIM never returns (password and every other
	// returned:never or writeOnly attribute, RFC 7643 §7): shown as SCIM
	// would return it, without them.
	data := map[string]any{"Tenant": tenant, "Type": rt.Name, "R": rowOf(res), "JSON": indentJSON(rt.Project(res, nil, nil))}
	// A user's groups are the groups listing it as a member; a group's
	// member users the users listing it in groups, and the groups it is a
	// member of the groups listing it. All are indexed filters, one page
	// each; only the first section pages on.
	id, _ := json.Marshal(res.ID)
	member := "members.value eq " + string(id)
	var sections []relation
	switch rt {
	case c.users:
		direct := c.relation(r, tenant, "Groups (direct memberships)", c.groups, member, r.URL.Query().Get("cursor"))
		sections = append(sections, direct)
		if c.groups != nil && direct.Error == "" && len(direct.Rows) > 0 {
			data["Indirect"], data["IndirectMore"], data["IndirectError"] = c.indirectGroups(r, tenant, direct, c.cfg.PageSize)
			data["GroupType"] = c.groups.Name
		}
	case c.groups:
		if c.users != nil {
			sections = append(sections, c.relation(r, tenant, "Member users", c.users, "groups.value eq "+string(id), r.URL.Query().Get("cursor")))
		}
		sections = append(sections, c.relation(r, tenant, "Member of (groups that contain this group)", c.groups, member, ""))
		// Nested member groups have no index from group to member group:
		// say that there are some rather than read every member.
		nested, err := c.list(r, tenant, rt, "id eq "+string(id)+` and members.type eq "Group"`, "")
		data["NestedGroups"], data["IsGroup"] = err == nil && len(nested.Resources) > 0, true
	}
	data["Relations"] = sections
	c.render(w, r, http.StatusOK, "resource", s, data)
}

// indirectRow is a group a user belongs to through another group.
type indirectRow struct {
	resourceRow
	Via string // name of the group through which
}

// indirectGroups returns the groups that contain one of the groups of
// direct, directly or through further groups, breadth first: at most limit
// groups found with at most limit indexed filters (members.value eq), so
// that a deep or wide nesting costs a bounded page. more reports that the
// walk stopped before the end.
func (c *Console) indirectGroups(r *http.Request, tenant string, direct relation, limit int) (rows []indirectRow, more bool, msg string) {
	seen := map[string]bool{}
	queue := append([]resourceRow(nil), direct.Rows...)
	for _, g := range queue {
		seen[g.ID] = true
	}
	more = direct.Next != ""
	for queries := 0; len(queue) > 0; queries++ {
		if queries == limit || len(rows) >= limit {
			return rows, true, ""
		}
		g := queue[0]
		queue = queue[1:]
		id, _ := json.Marshal(g.ID)
		page, err := c.list(r, tenant, c.groups, "members.value eq "+string(id), "")
		if err != nil {
			_, msg = c.listError(err)
			return rows, more, msg
		}
		more = more || page.NextCursor != ""
		for _, p := range page.Resources {
			if seen[p.ID] {
				continue
			}
			seen[p.ID] = true
			row := rowOf(p)
			rows = append(rows, indirectRow{row, cmp.Or(g.Name, g.ID)})
			queue = append(queue, row)
		}
	}
	return rows, more, ""
}
