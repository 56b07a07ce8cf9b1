package scim

import (
	stdcmp "cmp"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
)

// manyUsers returns a BulkRequest creating n users.
func manyUsers(n int) string {
	ops := make([]string, n)
	for i := range ops {
		ops[i] = postUser(fmt.Sprint("b", i), fmt.Sprint("user", i))
	}
	return bulkBody("", ops...)
}

// TestBulkRequest covers the answers to a whole bulk request.
func TestBulkRequest(t *testing.T) {
	type want struct {
		Status   int
		ScimType string
		Detail   string // substring
		Ops      int
	}
	for _, tt := range []struct {
		name string
		req  request
		want want
	}{
		{"empty Operations", request{body: bulkBody("")}, want{Status: 200}},
		{"lower-case member names", request{body: `{"operations":[{"METHOD":"post","PATH":"/users","bulkid":"x","DATA":` + bulkUser("x") + `}]}`},
			want{Status: 200, Ops: 1}},
		{"maxOperations", request{body: manyUsers(4)}, want{Status: 413, Detail: "maxOperations (3)"}},
		{"at maxOperations", request{body: manyUsers(3)}, want{Status: 200, Ops: 3}},
		{"maxPayloadSize", request{body: bulkBody("", postUser("x", strings.Repeat("x", 5000)))},
			want{Status: 413, Detail: "maxPayloadSize (4096)"}},
		{"not JSON", request{body: `{"Operations":[`}, want{Status: 400, ScimType: "invalidSyntax"}},
		{"not an object", request{body: `[]`}, want{Status: 400, ScimType: "invalidSyntax"}},
		{"empty body", request{body: ` `}, want{Status: 400, ScimType: "invalidSyntax"}},
		{"no Operations", request{body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"]}`},
			want{Status: 400, ScimType: "invalidSyntax", Detail: "Operations"}},
		{"Operations not an array", request{body: `{"Operations":{}}`}, want{Status: 400, ScimType: "invalidSyntax"}},
		{"negative failOnErrors", request{body: bulkBody(`"failOnErrors":-1,`)}, want{Status: 400, ScimType: "invalidValue"}},
		{"fractional failOnErrors", request{body: bulkBody(`"failOnErrors":1.5,`)}, want{Status: 400, ScimType: "invalidValue"}},
		{"media type", request{body: bulkBody(""), headers: map[string]string{"Content-Type": "text/plain"}}, want{Status: 415}},
		{"GET", request{method: "GET"}, want{Status: 405}},
		{"unauthenticated", request{body: bulkBody(""), token: "-"}, want{Status: 401}},
		{"lower-case endpoint", request{target: "/bulk/", body: bulkBody("")}, want{Status: 200}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newBulkHandler(t, Config{MaxBulkOperations: 3, MaxBulkPayloadBytes: 4096})
			req := tt.req
			req.method = stdcmp.Or(req.method, "POST")
			req.target = stdcmp.Or(req.target, "/Bulk")
			res := do(t, h, req)
			got := want{Status: res.code, ScimType: str(res.json["scimType"]), Detail: tt.want.Detail}
			if ops, ok := res.json["Operations"].([]any); ok {
				got.Ops = len(ops)
			}
			if d := str(res.json["detail"]); !strings.Contains(d, tt.want.Detail) {
				got.Detail = d
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s\n%s", diff, res.body)
			}
		})
	}
}

// TestBulkPayloadStreamed checks the payload limit of a body without
// Content-Length, and that MaxBodyBytes does not apply to /Bulk.
func TestBulkPayloadStreamed(t *testing.T) {
	h := newBulkHandler(t, Config{MaxBodyBytes: 1024, MaxBulkPayloadBytes: 4096})
	for _, tt := range []struct {
		body string
		want int
	}{
		{manyUsers(10), 200}, // over MaxBodyBytes, under MaxBulkPayloadBytes
		{manyUsers(40), 413},
	} {
		r := httptest.NewRequest("POST", "http://scim.example.com/Bulk", struct{ *strings.Reader }{strings.NewReader(tt.body)})
		r.ContentLength = -1
		r.Header.Set("Authorization", "Bearer "+testToken)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tt.want {
			t.Errorf("%d bytes: status %d, want %d\n%s", len(tt.body), w.Code, tt.want, w.Body)
		}
	}
	op := postUser("big", strings.Repeat("x", 2000))
	res := mustDo(t, h, request{method: "POST", target: "/Bulk", body: bulkBody("", op)}, 200)
	if diff := cmp.Diff([]bulkResult{{Method: "POST", BulkID: "big", Status: "413"}}, bulkResults(t, res)); diff != "" {
		t.Errorf("data over MaxBodyBytes (-want +got):\n%s", diff)
	}
}

func TestBulkServiceProviderConfig(t *testing.T) {
	h := newBulkHandler(t, Config{MaxBulkOperations: 50, MaxBulkPayloadBytes: 65536})
	res := mustDo(t, h, request{method: "GET", target: "/ServiceProviderConfig"}, 200)
	want := map[string]any{"supported": true, "maxOperations": 50.0, "maxPayloadSize": 65536.0}
	if diff := cmp.Diff(want, res.json["bulk"]); diff != "" {
		t.Errorf("bulk (-want +got):\n%s", diff)
	}
	// authentik sends bulk.maxOperations one-member operations in one
	// PATCH, so the advertised value never exceeds the PATCH limit.
	h = newBulkHandler(t, Config{MaxBulkOperations: 50, MaxPatchOperations: 20})
	res = mustDo(t, h, request{method: "GET", target: "/ServiceProviderConfig"}, 200)
	if got := res.json["bulk"].(map[string]any)["maxOperations"]; got != 20.0 {
		t.Errorf("bulk.maxOperations %v with MaxPatchOperations 20, want 20", got)
	}
}

// TestBulkEvents checks that bulk writes record the request's actor and id
// in the store's events, as single requests do.
func TestBulkEvents(t *testing.T) {
	st := memory.New()
	cfg := Config{Store: st, Authenticator: StaticTokens{{Tenant: "t1", ID: "tok1", SHA256: HashToken(testToken)}}}
	h := newTestHandler(t, cfg)
	body := bulkBody("", postUser("u", "u1"), postGroup("g", "G", "bulkId:u"))
	mustDo(t, h, request{method: "POST", target: "/Bulk", body: body, headers: map[string]string{RequestIDHeader: "req-42"}}, 200)
	evs, err := st.Events(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	type ev struct{ Tenant, Type, Actor, RequestID string }
	var got []ev
	for _, e := range evs {
		got = append(got, ev{e.Tenant, string(e.Type), e.Actor, e.RequestID})
	}
	want := []ev{{"t1", string(store.UserCreated), "tok1", "req-42"}, {"t1", string(store.GroupCreated), "tok1", "req-42"}}
	if diff := cmp.Diff(want, got[:min(len(got), 2)]); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// FuzzBulk sends arbitrary bodies to /Bulk: never a panic, never a 5xx.
func FuzzBulk(f *testing.F) {
	for _, s := range []string{rfc7644S371, rfc7644S372, rfc7644S372Manager, rfc7644S373, manyUsers(3),
		bulkBody(`"failOnErrors":1,`, postGroup("g", "G", "bulkId:g", "bulkId:h"), postGroup("h", "H", "bulkId:g")),
		bulkBody("", patchOp("/Groups/bulkId:g", "", `[{"op":"add","path":"members","value":[{"value":"bulkId:u"}]}]`), postGroup("g", "G"), postUser("u", "u")),
		`{"Operations":[{"method":"PUT","path":"/Users/bulkId:x","data":{"x":"bulkId:x"}},{"method":"POST","path":"/Users","bulkId":"x","data":{"userName":{"a":"bulkId:x"}}}]}`,
		`{"Operations":[null, 1, "x", {"method":"POST","path":"/Users/%zz","data":[]}]}`,
	} {
		f.Add(s)
	}
	h := newBulkHandler(f, Config{MaxBulkOperations: 20})
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "http://scim.example.com/Bulk", strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+testToken)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code >= 500 || strings.Contains(w.Body.String(), `"status":"5`) {
			t.Fatalf("status %d for %q\n%s", w.Code, body, w.Body)
		}
		if w.Code != http.StatusOK && w.Code != 400 && w.Code != 413 {
			t.Fatalf("status %d for %q", w.Code, body)
		}
	})
}
