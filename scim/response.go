package scim

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"

	"github.com/scimkit/scimkit/schema"
)

// bufPool holds response buffers (*[]byte), so that a steady stream of
// responses encodes without growing a new buffer each time.
var bufPool = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledBuffer is the largest buffer put back into bufPool: a rare huge
// response (a page of big groups) must not stay pinned in memory.
const maxPooledBuffer = 1 << 20

// writeJSON writes v with status, the SCIM media type (RFC 7644 §3.1) and
// a Content-Length; a HEAD request gets the headers only. v is encoded
// into a pooled buffer before anything is written, so an encoding error
// still becomes a proper error response.
func (h *Handler) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	bp := bufPool.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= maxPooledBuffer {
			bufPool.Put(bp)
		}
	}()
	body, err := appendJSON((*bp)[:0], v)
	*bp = body[:0]
	if err != nil {
		WriteError(w, r, h.log, err)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", contentType(r))
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// appendJSON appends the JSON encoding of v to dst: resources and
// ListResponses by their own appenders, with no reflection and no second
// validating pass over what they wrote; anything else (discovery
// representations, bulk responses) by json.Marshal.
func appendJSON(dst []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case *schema.Resource:
		return v.AppendJSON(dst)
	case *listResponse:
		return v.appendJSON(dst)
	}
	data, err := json.Marshal(v)
	return append(dst, data...), err
}

// MarshalJSON encodes the ListResponse; see appendJSON.
func (l *listResponse) MarshalJSON() ([]byte, error) {
	return l.appendJSON(nil)
}

// appendJSON appends the ListResponse (RFC 7644 §3.4.2; nextCursor from
// RFC 9865 §3) with the ListResponse schema, startIndex only when set, and
// each resource written in place.
func (l *listResponse) appendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, `{"schemas":["`+schema.ListResponseSchema+`"],"totalResults":`...)
	dst = strconv.AppendInt(dst, int64(l.TotalResults), 10)
	dst = append(dst, `,"itemsPerPage":`...)
	dst = strconv.AppendInt(dst, int64(l.ItemsPerPage), 10)
	if l.StartIndex != 0 {
		dst = append(dst, `,"startIndex":`...)
		dst = strconv.AppendInt(dst, int64(l.StartIndex), 10)
	}
	if l.NextCursor != "" {
		cur, err := json.Marshal(l.NextCursor)
		if err != nil {
			return dst, err
		}
		dst = append(append(dst, `,"nextCursor":`...), cur...)
	}
	dst = append(dst, `,"Resources":[`...)
	var err error
	for i, v := range l.Resources {
		if i > 0 {
			dst = append(dst, ',')
		}
		res, ok := v.(*schema.Resource)
		switch {
		case ok && l.Heads != nil:
			dst, err = res.AppendJSONHead(dst, l.Heads[i], l.Encoded[i])
		case ok && l.Encoded != nil:
			dst, err = res.AppendJSONWith(dst, l.Encoded[i])
		default:
			dst, err = appendJSON(dst, v)
		}
		if err != nil {
			return dst, err
		}
	}
	return append(dst, "]}"...), nil
}
