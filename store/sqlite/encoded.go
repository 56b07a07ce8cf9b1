package sqlite

import (
	"context"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

var _ store.EncodedLister = (*Store)(nil)

// ListEncoded implements store.EncodedLister: List, with each row's data
// document written out as it is stored (schema.AppendDefaultMembers) when
// the default projection keeps all of it, instead of being decoded into
// Go values to be encoded again. Pages that filter.Match decides are
// decoded as by List.
func (s *Store) ListEncoded(ctx context.Context, tenant string, rt *schema.ResourceType, q store.Query, buf []byte) (*store.EncodedPage, error) {
	enc := &encoding{buf: buf}
	page, err := s.list(ctx, tenant, rt, q, enc)
	if err != nil {
		return nil, err
	}
	out := &store.EncodedPage{Page: *page, Members: make([][]byte, len(page.Resources)), Buffer: enc.buf}
	if len(enc.bounds) >= len(page.Resources) { // else filter.Match decided: all decoded
		for i := range page.Resources {
			if b := enc.bounds[i]; b.end >= 0 {
				out.Members[i] = enc.buf[b.start:b.end:b.end]
			}
		}
	}
	return out, nil
}

// encoding collects the rendered attributes of ListEncoded's rows:
// bounds[i] locates those of the i-th row read in buf, end -1 when the row
// was decoded instead.
type encoding struct {
	buf    []byte
	bounds []struct{ start, end int }
}

// render appends the members of data, a row's data document, to enc.buf
// when the default projection keeps them all, and records where.
func (enc *encoding) render(rt *schema.ResourceType, data string) bool {
	start := len(enc.buf)
	buf, ok := rt.AppendDefaultMembers(enc.buf, []byte(data), nil)
	if !ok {
		enc.bounds = append(enc.bounds, struct{ start, end int }{-1, -1})
		return false
	}
	enc.buf = buf
	enc.bounds = append(enc.bounds, struct{ start, end int }{start, len(buf)})
	return true
}
