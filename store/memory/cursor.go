package memory

import (
	"encoding/base64"
	"encoding/json"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// cursor is the position after which a cursor page continues (RFC 9865):
// the sort key and creation sequence of the last row of the previous page,
// and the query (resource type, filter, sort) it was issued for. Encoded as
// base64url JSON; opaque to clients.
type cursor struct {
	Query string  `json:"r"`
	Sort  string  `json:"o,omitempty"`
	Kind  keyKind `json:"k,omitempty"`
	S     string  `json:"s,omitempty"`
	I     int64   `json:"i,omitempty"`
	F     float64 `json:"f,omitempty"`
	Seq   uint64  `json:"q"`
}

func newCursor(query, sort string, k sortKey, seq uint64) *cursor {
	return &cursor{Query: query, Sort: sort, Kind: k.kind, S: k.s, I: k.i, F: k.f, Seq: seq}
}

func (c *cursor) key() sortKey { return sortKey{kind: c.Kind, s: c.S, i: c.I, f: c.F} }

func encodeCursor(c *cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// sortID names the order of q: "" for creation order, else the sort path
// (lower-case) and direction.
func sortID(q store.Query) string {
	if q.SortBy.Attr == nil {
		return ""
	}
	id := strings.ToLower(q.SortBy.String())
	if q.Descending {
		id += " desc"
	}
	return id
}

// queryID fingerprints the resource type and filter of q: a cursor is
// valid only for the query it was issued for (store.Query.Cursor, RFC 9865
// "invalidCursor"), so a /Groups cursor sent to /Users, or a cursor sent
// with another filter, is refused instead of silently ending the walk.
func queryID(rt *schema.ResourceType, q store.Query) string {
	h := fnv.New64a()
	h.Write([]byte(rt.Name))
	if q.Filter != nil {
		h.Write([]byte{0})
		h.Write([]byte(q.Filter.String()))
	}
	return strconv.FormatUint(h.Sum64(), 36)
}

// decodeCursor parses s, which must have been issued for the query query
// (see queryID) and the order sort.
func decodeCursor(s, query, sort string) (*cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, store.ErrInvalidCursor
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.Seq == 0 || c.Kind > keyBool || c.Sort != sort || c.Query != query {
		return nil, store.ErrInvalidCursor
	}
	return &c, nil
}
