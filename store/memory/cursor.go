package memory

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/scimkit/scimkit/store"
)

// cursor is the position after which a cursor page continues (RFC 9865):
// the sort key and creation sequence of the last row of the previous page,
// and the sort it was issued for. Encoded as base64url JSON; opaque to
// clients.
type cursor struct {
	Sort string  `json:"o,omitempty"`
	Kind keyKind `json:"k,omitempty"`
	S    string  `json:"s,omitempty"`
	I    int64   `json:"i,omitempty"`
	F    float64 `json:"f,omitempty"`
	Seq  uint64  `json:"q"`
}

func newCursor(sort string, k sortKey, seq uint64) *cursor {
	return &cursor{Sort: sort, Kind: k.kind, S: k.s, I: k.i, F: k.f, Seq: seq}
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

// decodeCursor parses s, which must have been issued for the order sort.
func decodeCursor(s, sort string) (*cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, store.ErrInvalidCursor
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.Seq == 0 || c.Kind > keyBool || c.Sort != sort {
		return nil, store.ErrInvalidCursor
	}
	return &c, nil
}
