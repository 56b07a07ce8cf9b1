package scim

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/store"
)

// sendWith sends a request with the test token and the given headers.
func sendWith(t *testing.T, h *Handler, method, target string, hdr map[string]string, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+testToken)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// replayFields is the part of an entry TestProvisioningLogReplayFields
// checks.
type replayFields struct {
	Method, Path, Query, UserAgent, ContentType, IfMatch string
	Status                                               int
	ResourceID, ExternalID, Version                      string
	BulkResults                                          []store.BulkResult
}

// TestProvisioningLogReplayFields checks what a replay needs: the query,
// the headers as sent, the response's id, version and body, per-operation
// bulk results, and reads when Config.ProvisioningLogReads is set.
func TestProvisioningLogReplayFields(t *testing.T) {
	h, st := logHandler(t, Config{ProvisioningLogReads: true})
	const okta = "Okta SCIM Client 1.0.0"
	const probe = "filter=userName%20eq%20%22bjensen%22&startIndex=1&count=100"
	scimJSON := map[string]string{"User-Agent": okta, "Content-Type": "application/scim+json"}
	sendWith(t, h, "GET", "/Users?"+probe, map[string]string{"User-Agent": okta}, "")
	w := sendWith(t, h, "POST", "/Users", scimJSON,
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen","externalId":"00u1"}`)
	id, v1 := decodeForTest(t, w.Body.String())["id"].(string), w.Header().Get("ETag")
	patch := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"externalId","value":"00u2"}]}`
	sendWith(t, h, "PATCH", "/Users/"+id, map[string]string{"User-Agent": okta, "If-Match": v1}, patch)
	w = sendWith(t, h, "PATCH", "/Users/"+id, map[string]string{"User-Agent": okta, "If-Match": v1}, patch)
	if w.Code != 412 {
		t.Fatalf("PATCH with a stale If-Match = %d, want 412", w.Code)
	}
	v2 := sendWith(t, h, "GET", "/Users/"+id, nil, "").Header().Get("ETag")
	sendWith(t, h, "POST", "/Users/.search", scimJSON, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"userName eq \"bjensen\""}`)
	w = sendWith(t, h, "POST", "/Bulk", scimJSON, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[`+
		`{"method":"POST","path":"/Groups","bulkId":"g1","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Admins"}},`+
		`{"method":"POST","path":"/Users","bulkId":"u1","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}}]}`)
	loc := w.Body.String()
	loc = loc[strings.Index(loc, `"location":"`)+len(`"location":"`):]
	loc = loc[:strings.IndexByte(loc, '"')]
	gv := w.Body.String()
	gv = strings.ReplaceAll(gv[strings.Index(gv, `"version":"`)+len(`"version":"`):], `\"`, `"`)
	gv = gv[:strings.Index(gv, `","`)]

	page, err := st.Query(t.Context(), store.ProvisioningFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []replayFields
	for i := len(page.Entries) - 1; i >= 0; i-- {
		e := page.Entries[i]
		got = append(got, replayFields{e.Method, e.Path, e.Query, e.UserAgent, e.ContentType, e.IfMatch, e.Status,
			e.ResourceID, e.ExternalID, e.Version, e.BulkResults})
	}
	want := []replayFields{
		{"GET", "/Users", probe, okta, "", "", 200, "", "", "", nil},
		{"POST", "/Users", "", okta, "application/scim+json", "", 201, id, "00u1", v1, nil},
		{"PATCH", "/Users/" + id, "", okta, "", v1, 200, id, "00u2", v2, nil},
		{"PATCH", "/Users/" + id, "", okta, "", v1, 412, id, "00u2", "", nil},
		{"GET", "/Users/" + id, "", "", "", "", 200, id, "", v2, nil},
		{"POST", "/Users/.search", "", okta, "application/scim+json", "", 200, "", "", "", nil},
		{"POST", "/Bulk", "", okta, "application/scim+json", "", 200, "", "", "", []store.BulkResult{
			{Method: "POST", BulkID: "g1", Status: 201, Location: loc, Version: gv},
			{Method: "POST", BulkID: "u1", Status: 409, ScimType: "uniqueness"},
		}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("entries (-want +got):\n%s", d)
	}
	byMethod := map[string]string{}
	for _, e := range page.Entries {
		if _, seen := byMethod[e.Method+" "+e.Path]; !seen { // the newest
			byMethod[e.Method+" "+e.Path] = e.Response
		}
	}
	for key, want := range map[string]string{
		"GET /Users":         `"totalResults":0`,
		"POST /Users":        `"id":"` + id + `"`,
		"PATCH /Users/" + id: `"status":"412"`, // the newest
		"POST /Bulk":         `"bulkId":"u1"`,
	} {
		if !strings.Contains(byMethod[key], want) {
			t.Errorf("%s: response %s, want it to contain %s", key, byMethod[key], want)
		}
	}
}

// TestProvisioningLogReadsOff checks that reads are not recorded by
// default, and that a response over the capture limit keeps its id and
// version but not its body.
func TestProvisioningLogReadsOff(t *testing.T) {
	h, st := logHandler(t, Config{})
	w := sendWith(t, h, "POST", "/Users", nil, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"big",`+
		`"title":"`+strings.Repeat("x", provlogResponseCapture)+`"}`)
	if w.Code != 201 {
		t.Fatalf("POST = %d %s", w.Code, w.Body)
	}
	sendWith(t, h, "GET", "/Users", nil, "")
	page, _ := st.Query(t.Context(), store.ProvisioningFilter{})
	if len(page.Entries) != 1 {
		t.Fatalf("%d entries, want only the POST", len(page.Entries))
	}
	e := page.Entries[0]
	if e.ResourceID == "" || e.Version != w.Header().Get("ETag") || !strings.Contains(e.Response, "omitted") {
		t.Errorf("big response: id %q, version %q (ETag %q), response %.80s", e.ResourceID, e.Version, w.Header().Get("ETag"), e.Response)
	}
}
