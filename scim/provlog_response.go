package scim

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/scimkit/scimkit/store"
)

// response fills the entry's fields that come from the answer: Response
// (redacted like the request body), ScimType and Detail of an error,
// Version from meta.version when there was no ETag, ResourceID from the
// body's id when neither the path nor Location told it, and the
// per-operation results of a /Bulk response (RFC 7644 §3.7.3). A response
// longer than the capture limit is not decoded: its body is not recorded.
func (p *provRecorder) response(e *store.ProvisioningEntry, cw *captureWriter) {
	if cw.total == 0 {
		return
	}
	if cw.total > cw.body.Len() {
		e.Response = fmt.Sprintf("[%d bytes, over the %d the log decodes: omitted]", cw.total, cw.limit)
		return
	}
	raw := cw.body.Bytes()
	doc := p.redact.doc(raw)
	e.Response = p.redact.encode(raw, doc)
	if e.Status >= 400 {
		e.ScimType, _ = doc["scimType"].(string)
		e.Detail, _ = doc["detail"].(string)
		return
	}
	if meta, _ := doc["meta"].(map[string]any); e.Version == "" {
		e.Version, _ = meta["version"].(string)
	}
	if id, _ := doc["id"].(string); e.ResourceID == "" {
		e.ResourceID = id
	}
	if e.ResourceType == "Bulk" {
		e.BulkResults = bulkResultsOf(doc)
	}
}

// bulkResultsOf reads the Operations of a BulkResponse.
func bulkResultsOf(doc map[string]any) []store.BulkResult {
	ops, _ := doc["Operations"].([]any)
	var out []store.BulkResult
	for _, o := range ops {
		m, _ := o.(map[string]any)
		if m == nil {
			continue
		}
		var res store.BulkResult
		res.Method, _ = m["method"].(string)
		res.BulkID, _ = m["bulkId"].(string)
		res.Location, _ = m["location"].(string)
		res.Version, _ = m["version"].(string)
		res.Status = statusOf(m["status"])
		if er, ok := m["response"].(map[string]any); ok {
			res.ScimType, _ = er["scimType"].(string)
		}
		out = append(out, res)
	}
	return out
}

// statusOf reads a bulk operation's status: a string, as RFC 7644 §3.7.3
// shows it, or a number.
func statusOf(v any) int {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case json.Number:
		s = v.String()
	}
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}
