package sqlite

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// sortKey returns the SQL of the sort key of RFC 7644 §3.4.2.3 for ref on
// the fold document (strings folded unless caseExact, dateTimes
// normalised): a multi-valued attribute sorts by its primary value, else
// its first. "" means creation order only.
func (t translator) sortKey(ref schema.AttrRef) string {
	if ref.Attr == nil {
		return ""
	}
	if ref.IsCommon() {
		switch ref.Attr.Name {
		case "id":
			return "r.id"
		case "externalId":
			return "r.external_id"
		case "meta":
			if ref.Sub != nil && ref.Sub.Name == "created" {
				return "r.created"
			}
			if ref.Sub != nil && ref.Sub.Name == "lastModified" {
				return "r.last_modified"
			}
			if ref.Sub != nil && ref.Sub.Name == "version" {
				return "r.version"
			}
		}
		return "NULL"
	}
	base, ok := t.path(ref)
	if !ok || ref.Attr == t.ti.members || ref.Attr == t.ti.groups {
		return "NULL"
	}
	a := ref.Attr
	switch {
	case !a.MultiValued && !a.IsComplex():
		return "json_extract(r.fold, " + lit(base) + ")"
	case !a.MultiValued:
		if ref.Sub == nil {
			return "NULL"
		}
		return "json_extract(r.fold, " + lit(base+"."+ref.Sub.Name) + ")"
	case !a.IsComplex():
		return "json_extract(r.fold, " + lit(base+"[0]") + ")"
	}
	sub := ref.Sub
	if sub == nil {
		sub = a.Sub("value")
	}
	if sub == nil || !plainKey.MatchString(sub.Name) {
		return "NULL"
	}
	first := "json_extract(r.fold, " + lit(base+"[0]."+sub.Name) + ")"
	p := a.Sub("primary")
	if p == nil || p.Type != schema.Boolean {
		return first
	}
	// RFC 7644 §3.4.2.3: the primary value's, even when it lacks the
	// sub-attribute (no value then), else the first value's.
	primary := " FROM json_each(r.fold, " + lit(base) + ") j WHERE json_extract(j.value, '$.primary') = 1"
	return "(CASE WHEN EXISTS (SELECT 1" + primary + ") THEN (SELECT json_extract(j.value, " + lit("$."+sub.Name) + ")" +
		primary + " LIMIT 1) ELSE " + first + " END)"
}

// orderBy returns the ORDER BY clause: missing values last ascending and
// first descending, ties by creation sequence ascending in both directions.
func orderBy(key string, desc bool) string {
	switch {
	case key == "":
		return " ORDER BY r.seq"
	case desc:
		return " ORDER BY (" + key + ") IS NULL DESC, " + key + " DESC, r.seq"
	}
	return " ORDER BY (" + key + ") IS NULL, " + key + ", r.seq"
}

// cursor is the decoded position of RFC 9865 cursor paging: the sort key
// and creation sequence of the last resource returned, and a fingerprint
// of the query it belongs to.
type cursor struct {
	Key   any    `json:"k,omitempty"`
	Null  bool   `json:"n,omitempty"`
	Seq   int64  `json:"s"`
	Query string `json:"q"`
}

func fingerprint(rt *schema.ResourceType, q store.Query) string {
	f := ""
	if q.Filter != nil {
		f = q.Filter.String()
	}
	desc := q.Descending && q.SortBy.Attr != nil // sortOrder applies to sortBy only
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%s\x00%s\x00%v", rt.Name, f, refString(q.SortBy), desc)))
	return base64.RawURLEncoding.EncodeToString(sum[:9])
}

func refString(r schema.AttrRef) string {
	if r.Attr == nil {
		return ""
	}
	return r.String()
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s, want string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		d := json.NewDecoder(bytesReader(b))
		d.UseNumber()
		err = d.Decode(&c)
	}
	if err != nil || c.Query != want || c.Seq <= 0 {
		return cursor{}, fmt.Errorf("cursor %.40q: %w", s, store.ErrInvalidCursor)
	}
	if n, ok := c.Key.(json.Number); ok {
		if i, err := n.Int64(); err == nil {
			c.Key = i
		} else if f, err := n.Float64(); err == nil {
			c.Key = f
		}
	}
	return c, nil
}

// after returns the predicate selecting rows strictly after c in the
// order of orderBy(key, desc).
func (c cursor) after(key string, desc bool) pred {
	switch {
	case key == "":
		return pred{sql: "r.seq > ?", args: []any{c.Seq}, exact: true}
	case c.Null && !desc:
		return pred{sql: "((" + key + ") IS NULL AND r.seq > ?)", args: []any{c.Seq}, exact: true}
	case c.Null:
		return pred{sql: "((" + key + ") IS NOT NULL OR r.seq > ?)", args: []any{c.Seq}, exact: true}
	}
	cmp := " > "
	if desc {
		cmp = " < "
	}
	sql := "((" + key + ")" + cmp + "? OR ((" + key + ") = ? AND r.seq > ?)"
	if !desc {
		sql += " OR (" + key + ") IS NULL"
	}
	return pred{sql: sql + ")", args: []any{c.Key, c.Key, c.Seq}, exact: true}
}

// usesIndex reports whether e refers to an attribute kept in the
// membership index, so Match needs it loaded.
func (t translator) usesIndex(e filter.Expr) (members, groups bool) {
	filter.Walk(e, func(x filter.Expr) bool {
		var a *schema.Attribute
		switch x := x.(type) {
		case *filter.Compare:
			a = x.Ref.Attr
		case *filter.ValuePath:
			a = x.Ref.Attr
		}
		members = members || (a != nil && a == t.ti.members)
		groups = groups || (a != nil && a == t.ti.groups)
		return true
	})
	return members, groups
}
