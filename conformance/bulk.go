package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Message URNs of RFC 7644 §3.7.
const (
	bulkRequestURN  = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	bulkResponseURN = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
)

// bulkResult is one element of a BulkResponse's "Operations" (RFC 7644
// §3.7.3).
type bulkResult struct {
	Index    int
	Method   string
	BulkID   string
	Location string
	// Status is the status as a number (0 when absent or unreadable);
	// RawStatus is the JSON value as sent.
	Status    int
	RawStatus any
	Response  obj
	Raw       obj
}

// bulkOp returns one operation of a BulkRequest.
func bulkOp(method, path, bulkID string, data any) obj {
	o := obj{"method": method, "path": path}
	if bulkID != "" {
		o["bulkId"] = bulkID
	}
	if data != nil {
		o["data"] = data
	}
	return o
}

// bulkBody returns a BulkRequest; failOnErrors is sent when positive.
func bulkBody(failOnErrors int, ops ...obj) obj {
	list := make([]any, len(ops))
	for i, o := range ops {
		list[i] = o
	}
	b := obj{"schemas": []any{bulkRequestURN}, "Operations": list}
	if failOnErrors > 0 {
		b["failOnErrors"] = failOnErrors
	}
	return b
}

// sendBulk sends a BulkRequest and returns the response and its decoded
// operations (nil when the body is not a BulkResponse). Every resource the
// request may create is deleted when the case ends: by the locations of
// the response, and by the userNames and displayNames of its POSTs when
// the server filters (so a response without locations leaves nothing).
func sendBulk(t *T, failOnErrors int, ops ...obj) (*Response, []bulkResult) {
	t.cleanupNamed(ops)
	res := t.Do(http.MethodPost, "/Bulk", bulkBody(failOnErrors, ops...))
	rs := bulkResults(res)
	for _, r := range rs {
		if strings.EqualFold(r.Method, http.MethodPost) && r.Status == http.StatusCreated && r.Location != "" {
			if p := relativeResource(r.Location); p != "" {
				t.Cleanup(func(ctx context.Context) { t.deleteQuietly(ctx, t.primary, p) })
			}
		}
	}
	return res, rs
}

// cleanupNamed registers the deletion of what the POSTs of ops create,
// found by userName or displayName, when the server filters.
func (t *T) cleanupNamed(ops []obj) {
	if !t.features.Has(FeatureFilter) {
		return
	}
	for _, o := range ops {
		data, _ := o["data"].(obj)
		if o["method"] != http.MethodPost || data == nil {
			continue
		}
		ep, attrName := "/Users", "userName"
		if o["path"] == "/Groups" {
			ep, attrName = "/Groups", "displayName"
		}
		name, _ := data[attrName].(string)
		if name == "" {
			continue
		}
		t.Cleanup(func(ctx context.Context) {
			res, err := t.primary.do(ctx, request{method: http.MethodGet, path: filterPath(ep, attrName+" eq "+q(name), "attributes=id")})
			if err != nil || res.Status != http.StatusOK {
				return
			}
			for _, id := range ids(resourcesOf(res)) {
				t.deleteQuietly(ctx, t.primary, ep+"/"+id)
			}
		})
	}
}

// bulkResults decodes the operations of a BulkResponse.
func bulkResults(res *Response) []bulkResult {
	var doc struct {
		Operations []obj `json:"Operations"`
	}
	if json.Unmarshal(res.Body, &doc) != nil {
		return nil
	}
	out := make([]bulkResult, len(doc.Operations))
	for i, o := range doc.Operations {
		r := bulkResult{Index: i, Raw: o, RawStatus: attr(o, "status")}
		r.Method, _ = attr(o, "method").(string)
		r.BulkID, _ = attr(o, "bulkId").(string)
		r.Location, _ = attr(o, "location").(string)
		r.Response, _ = attr(o, "response").(obj)
		switch s := r.RawStatus.(type) {
		case string:
			r.Status, _ = strconv.Atoi(strings.TrimSpace(s))
		case float64:
			r.Status = int(s)
		}
		out[i] = r
	}
	return out
}

// relativeResource returns "/{endpoint}/{id}" from a resource location
// (the last two segments of its path), or "".
func relativeResource(location string) string {
	u, err := url.Parse(location)
	if err != nil {
		return ""
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(segs) < 2 || segs[len(segs)-1] == "" {
		return ""
	}
	return "/" + segs[len(segs)-2] + "/" + segs[len(segs)-1]
}

// lastSegment returns the id at the end of a location.
func lastSegment(location string) string {
	p := relativeResource(location)
	return p[strings.LastIndexByte(p, '/')+1:]
}

// byBulkID returns the result carrying bulkId id, stopping the case when
// there is none (RFC 7644 §3.7: the service provider MUST return the same
// bulkId together with the newly created resource).
func byBulkID(t *T, rs []bulkResult, id string) bulkResult {
	for _, r := range rs {
		if r.BulkID == id {
			return r
		}
	}
	t.Fatalf("BulkResponse has no operation with bulkId %q: %s", id, describeResults(rs))
	return bulkResult{}
}

// created checks that r is a 201 with a location and returns the new id.
func created(t *T, r bulkResult, what string) string {
	if r.Status != http.StatusCreated || r.Location == "" || relativeResource(r.Location) == "" {
		t.Fatalf("%s: status %v, location %q: want 201 and the new resource's location; response %s",
			what, r.RawStatus, r.Location, short(r.Response))
	}
	return lastSegment(r.Location)
}

func describeResults(rs []bulkResult) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("[%d] %s bulkId=%q status=%v location=%q", i, r.Method, r.BulkID, r.RawStatus, r.Location)
	}
	return "{" + strings.Join(parts, "; ") + "}"
}

// mustBulk checks the whole-request answer: 200 with a BulkResponse.
func mustBulk(t *T, res *Response, rs []bulkResult, n int) {
	t.Must(res, "POST /Bulk", http.StatusOK)
	if len(rs) != n {
		t.Fatalf("POST /Bulk: %d operation results, want %d (one per processed operation): %s",
			len(rs), n, truncate(res.Body, 600))
	}
}
