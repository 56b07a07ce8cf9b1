package conformance

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/scimkit/scimkit/store"
)

// bulkStep converts a /Bulk request answered 200 (RFC 7644 §3.7), using
// its recorded per-operation results: each operation answered 201 with a
// bulkId and a location becomes a capture ("bulk:BULKID"), and the step
// expects every operation's method, bulkId, status and scimType.
func (r *recorder) bulkStep(e store.ProvisioningEntry) (ReplayStep, string) {
	created := bulkCreated(e.BulkResults)
	lose := func(why string) (ReplayStep, string) {
		for _, c := range created {
			r.lost[c.id] = true
		}
		return ReplayStep{}, why
	}
	if e.BulkResults == nil {
		return lose("a /Bulk request logged without per-operation results (by an older scimkit)")
	}
	st, body, why := r.request(e)
	if why != "" {
		return lose(why)
	}
	b, _ := body.(map[string]any)
	ops, _ := b["Operations"].([]any)
	if why := r.bulkPaths(ops, e.BulkResults); why != "" {
		return lose(why)
	}
	st.Request.Body = r.placeholders(mustMarshal(body))
	for _, o := range ops {
		op, _ := o.(map[string]any)
		method, _ := op["method"].(string)
		p, _ := op["path"].(string)
		seg, _, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
		r.collectUnique(strings.ToUpper(method), strings.TrimSuffix(seg, "s"), op["data"])
	}
	for _, c := range created {
		if c.bulkID == "" {
			r.lost[c.id] = true
			continue
		}
		r.counts[c.typ]++
		name := fmt.Sprintf("%s%d.id", strings.ToLower(c.typ), r.counts[c.typ])
		r.vars[c.id] = name
		if st.Capture == nil {
			st.Capture = map[string]string{}
		}
		st.Capture[name] = "bulk:" + c.bulkID
	}
	st.Expect = ReplayExpect{Status: e.Status, Body: bulkExpect(e.BulkResults)}
	return st, ""
}

type bulkCreation struct{ id, typ, bulkID string }

// bulkCreated lists the resources the operations created: answered 201
// with a location ending in the type's endpoint and the id.
func bulkCreated(rs []store.BulkResult) []bulkCreation {
	var out []bulkCreation
	for _, res := range rs {
		parts := strings.Split(strings.TrimRight(res.Location, "/"), "/")
		if res.Status != http.StatusCreated || len(parts) < 2 {
			continue
		}
		out = append(out, bulkCreation{id: parts[len(parts)-1], typ: strings.TrimSuffix(parts[len(parts)-2], "s"), bulkID: res.BulkID})
	}
	return out
}

// bulkPaths says why an operation's path cannot be replayed: it names a
// resource whose creation was left out, or one created before the
// recorded range (unless that operation was answered 404). Results are
// matched to operations by position, as RFC 7644 §3.7.3 orders them.
func (r *recorder) bulkPaths(ops []any, rs []store.BulkResult) string {
	for i, o := range ops {
		op, _ := o.(map[string]any)
		p, _ := op["path"].(string)
		_, id, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
		switch {
		case id == "" || strings.HasPrefix(id, "bulkId:") || r.vars[id] != "":
		case r.lost[id]:
			return "operation " + strconv.Itoa(i) + " refers to a resource whose creation was left out"
		case i < len(rs) && rs[i].Status == http.StatusNotFound:
		default:
			return "operation " + strconv.Itoa(i) + " refers to a resource created before the recorded range"
		}
	}
	return ""
}

// bulkExpect is the expected subset of the BulkResponse: each operation's
// method, bulkId, status and scimType (locations name the recording
// server).
func bulkExpect(rs []store.BulkResult) []byte {
	ops := make([]any, 0, len(rs))
	for _, res := range rs {
		op := obj{"method": res.Method, "status": strconv.Itoa(res.Status)}
		if res.BulkID != "" {
			op["bulkId"] = res.BulkID
		}
		if res.ScimType != "" {
			op["response"] = obj{"scimType": res.ScimType}
		}
		ops = append(ops, op)
	}
	return mustMarshal(obj{"schemas": []any{bulkResponseURN}, "Operations": ops})
}
