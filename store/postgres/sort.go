package postgres

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// sortKey is the SQL expression a list sorts by (RFC 7644 §3.4.2.3) and
// the SQL type of its values, used to read cursor positions back.
type sortKey struct {
	expr string // NULL when the resource has no value
	typ  string // text, numeric, boolean, timestamptz or bigint
}

// sortKey returns the key of ref, or nil to sort by creation order only:
// strings folded unless caseExact (the fold document) and compared
// bytewise, numbers numerically, dateTime chronologically (the fold
// document's fixed-width UTC text), booleans false < true. A multi-valued
// attribute sorts by its primary value, else its first; a complex one by
// the named sub-attribute, else "value". Missing values sort last
// ascending and first descending (PostgreSQL's NULLS default), ties by
// creation sequence.
func (w *where) sortKey(ref schema.AttrRef) *sortKey {
	if ref.Attr == nil {
		return nil
	}
	if ref.IsCommon() {
		return commonSortKey(ref)
	}
	if ref.Schema == w.rt.Schema && (ref.Attr == membersAttr(w.rt) || ref.Attr == groupsAttr(w.rt)) {
		return nil
	}
	target, sub := ref.Attr, ref.Sub
	if ref.Attr.IsComplex() {
		if sub == nil {
			sub = ref.Attr.Sub("value")
		}
		if sub == nil {
			return nil
		}
		target = sub
	}
	if !ref.Attr.MultiValued {
		keys := []string{}
		if sub != nil {
			keys = append(keys, sub.Name)
		}
		return typedKey(w.attrPath(ref, keys...), target)
	}
	src, x := w.orderedElements(w.attrPath(ref).j)
	v := src.el.self()
	if sub != nil {
		v = src.el.sub(w, sub.Name)
	}
	k := typedKey(v, target)
	pick := `(SELECT ` + k.expr + ` ` + src.from + ` ORDER BY (` + src.el.j + `->'primary' = 'true'::jsonb) IS TRUE DESC, ` + x + `.n LIMIT 1)`
	return &sortKey{expr: pick, typ: k.typ}
}

func typedKey(v val, a *schema.Attribute) *sortKey {
	switch a.Type {
	case schema.Integer, schema.Decimal:
		return &sortKey{expr: "(CASE WHEN jsonb_typeof(" + v.j + ") = 'number' THEN (" + v.j + ")::numeric END)", typ: "numeric"}
	case schema.Boolean:
		return &sortKey{expr: "(CASE WHEN jsonb_typeof(" + v.j + ") = 'boolean' THEN (" + v.j + ")::boolean END)", typ: "boolean"}
	}
	return &sortKey{expr: "(CASE WHEN jsonb_typeof(" + v.j + ") = 'string' THEN " + v.t + " END)", typ: "text"}
}

func commonSortKey(ref schema.AttrRef) *sortKey {
	switch ref.Attr.Name {
	case "id":
		return &sortKey{expr: "r.id", typ: "text"}
	case "externalId":
		return &sortKey{expr: "r.external_id", typ: "text"}
	}
	if ref.Attr.Name != "meta" || ref.Sub == nil {
		return nil // schemas, meta.resourceType: the same for every row
	}
	switch ref.Sub.Name {
	case "created":
		return &sortKey{expr: "r.created", typ: "timestamptz"}
	case "lastModified":
		return &sortKey{expr: "r.last_modified", typ: "timestamptz"}
	case "version":
		return &sortKey{expr: "r.version", typ: "bigint"}
	}
	return nil
}

// cursor is the position after which a cursor page continues (RFC 9865):
// the sort key (as text, nil when missing) and creation sequence of the
// last row of the previous page, and the order it was issued for. It is
// base64url JSON, opaque to clients.
type cursor struct {
	Sort string  `json:"o,omitempty"`
	Key  *string `json:"k,omitempty"`
	Seq  int64   `json:"q"`
}

// sortID names the query a cursor belongs to: the resource type, the sort
// path (lower-case) and direction, and a digest of the filter, so a cursor
// sent with another type or filter is store.ErrInvalidCursor (RFC 9865)
// rather than a position in a different result set.
func sortID(rt *schema.ResourceType, q store.Query) string {
	id := rt.Name
	if q.SortBy.Attr != nil {
		id += " " + strings.ToLower(q.SortBy.String())
		if q.Descending {
			id += " desc"
		}
	}
	if q.Filter != nil {
		sum := sha256.Sum256([]byte(q.Filter.String()))
		id += " " + base64.RawURLEncoding.EncodeToString(sum[:9])
	}
	return id
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor parses s, which must have been issued for the order sort
// with key k; the key text must parse as k's type, so that a forged cursor
// cannot make the query fail.
func decodeCursor(s, sort string, k *sortKey) (*cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	var c cursor
	if err != nil || json.Unmarshal(b, &c) != nil || c.Seq <= 0 || c.Sort != sort || (k == nil && c.Key != nil) {
		return nil, fmt.Errorf("store: list: cursor not issued for this query: %w", store.ErrInvalidCursor)
	}
	if c.Key != nil && !validKey(k.typ, *c.Key) {
		return nil, fmt.Errorf("store: list: malformed cursor: %w", store.ErrInvalidCursor)
	}
	return &c, nil
}

var numericRE = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)

// pgTimeLayout is timestamptz as text with DateStyle ISO and TimeZone UTC,
// which Open sets on every connection.
const pgTimeLayout = "2006-01-02 15:04:05.999999-07"

func validKey(typ, v string) bool {
	switch typ {
	case "numeric":
		return len(v) < 400 && numericRE.MatchString(v)
	case "boolean":
		return v == "true" || v == "false"
	case "bigint":
		_, err := strconv.ParseInt(v, 10, 64)
		return err == nil
	case "timestamptz":
		_, err := time.Parse(pgTimeLayout, v)
		return err == nil
	}
	return true
}
