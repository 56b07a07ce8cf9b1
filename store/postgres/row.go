package postgres

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// row is one resources row as read by Get, Update, Delete and List.
type row struct {
	id               string
	seq, version     int64
	created, changed time.Time
	externalID       *string
	data             []byte
	members, groups  []byte // JSON arrays, nil when not read or empty
}

// selectCols returns the select list matching scanRow for rows aliased r,
// with the derived members and groups attributes computed from the
// membership index unless opts leaves them out.
func (s *Store) selectCols(rt *schema.ResourceType, opts store.ReadOptions) string {
	return s.selectColsWith(rt, opts, "r.data", s.q(groupsQuery))
}

// selectColsWith is selectCols with data as the document column ("r.data",
// or "NULL::jsonb" for a lean page, see renderLean) and groupsExpr as the
// groups column's expression when opts asks for it.
func (s *Store) selectColsWith(rt *schema.ResourceType, opts store.ReadOptions, data, groupsExpr string) string {
	members, groups := "NULL::jsonb", "NULL::jsonb"
	if a := membersAttr(rt); a != nil && !opts.OmitMembers {
		members = s.q(`(SELECT jsonb_agg(` + memberObject(a) + ` ORDER BY m.ord)
			FROM {s}.members m WHERE m.tenant = r.tenant AND m.group_id = r.id)`)
	}
	if groupsAttr(rt) != nil && !opts.OmitGroups {
		groups = groupsExpr
	}
	return `r.id, r.seq, r.version, r.created, r.last_modified, r.external_id, ` + data + `, ` + members + `, ` + groups
}

// groupsQuery computes the groups attribute of the member r from the
// membership index: the groups it joined, in the order it joined them.
const groupsQuery = `(SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object('value', m.group_id,
		'display', g.data->'displayName', 'type', 'direct')) ORDER BY m.ord)
	FROM {s}.members m JOIN {s}.resources g ON g.tenant = m.tenant AND g.id = m.group_id
	WHERE m.tenant = r.tenant AND m.member_id = r.id)`

// groupsOf computes the groups attribute of the member $2 of tenant $1.
const groupsOf = `SELECT ` + groupsQuery + ` FROM (SELECT $1::text AS tenant, $2::text AS id) r`

// memberObject builds one member value from a members row m, with the
// sub-attributes the members attribute a defines (RFC 7643 §4.2).
func memberObject(a *schema.Attribute) string {
	cols := []struct{ sub, col string }{{"value", "m.member_id"}, {"type", "m.type"}, {"display", "m.display"}}
	var parts []string
	for _, c := range cols {
		if a.Sub(c.sub) == nil {
			continue
		}
		// Sub-attribute names are fixed words of this list, safe as literals.
		parts = append(parts, fmt.Sprintf(`'%s', NULLIF(%s, '')`, c.sub, c.col))
	}
	return `jsonb_strip_nulls(jsonb_build_object(` + strings.Join(parts, ", ") + `))`
}

func scanRow(rows pgx.Row) (*row, error) {
	var r row
	err := rows.Scan(&r.id, &r.seq, &r.version, &r.created, &r.changed, &r.externalID, &r.data, &r.members, &r.groups)
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// resource turns a row into the schema.Resource it stores.
func (r *row) resource(rt *schema.ResourceType) (*schema.Resource, error) {
	schemas, attrs, err := decodeDoc(rt, r.data)
	if err != nil {
		return nil, err
	}
	res := &schema.Resource{ID: r.id, Schemas: schemas, Attrs: attrs, Meta: schema.Meta{
		ResourceType: rt.Name, Created: r.created.UTC(), LastModified: r.changed.UTC(),
		Version: backend.FormatVersion(r.version)}}
	if r.externalID != nil {
		res.ExternalID = *r.externalID
	}
	if err := r.derived(rt, res); err != nil {
		return nil, err
	}
	return res, nil
}

// derived adds the members and groups read with the row to res.Attrs
// (made when nil).
func (r *row) derived(rt *schema.ResourceType, res *schema.Resource) error {
	for _, d := range [...]struct {
		name string
		raw  []byte
	}{{"members", r.members}, {"groups", r.groups}} {
		if len(d.raw) == 0 {
			continue
		}
		var list []any
		if err := json.Unmarshal(d.raw, &list); err != nil {
			return fmt.Errorf("decode %s of %s %s: %w", d.name, rt.Name, r.id, err)
		}
		if len(list) > 0 {
			if res.Attrs == nil {
				res.Attrs = map[string]any{}
			}
			res.Attrs[d.name] = list
		}
	}
	return nil
}
