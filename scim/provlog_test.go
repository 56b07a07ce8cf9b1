package scim

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
)

func TestIdPFromUserAgent(t *testing.T) {
	tests := map[string]string{
		"Okta SCIM Client 1.0.0":             IdPOkta,
		"OKTA SCIM Integration":              IdPOkta,
		"Azure Active Directory SCIM Client": IdPEntra,
		"Microsoft Entra ID":                 IdPEntra,
		"curl/8.5.0":                         IdPUnknown,
		"":                                   IdPUnknown,
	}
	for ua, want := range tests {
		if got := IdPFromUserAgent(ua); got != want {
			t.Errorf("IdPFromUserAgent(%q) = %q, want %q", ua, got, want)
		}
	}
}

func TestRedact(t *testing.T) {
	r := newRedactor([]*schema.ResourceType{schema.UserResourceType(), schema.GroupResourceType()})
	tests := []struct{ name, in, want string }{
		{"password removed", `{"userName":"bjensen","password":"t1meMa$heen"}`, `{"userName":"bjensen"}`},
		{"password any case and depth", `{"a":{"PassWord":"x","b":[{"password":"y","c":1}]}}`, `{"a":{"b":[{"c":1}]}}`},
		{"qualified name", `{"urn:ietf:params:scim:schemas:core:2.0:User:password":"x","userName":"u"}`, `{"userName":"u"}`},
		{"patch path password", `{"Operations":[{"op":"replace","path":"password","value":"x"}]}`, `{"Operations":[{"op":"replace","path":"password"}]}`},
		{"patch value map", `{"Operations":[{"op":"replace","value":{"password":"x","active":false}}]}`, `{"Operations":[{"op":"replace","value":{"active":false}}]}`},
		{"scimkit token", `{"note":"scimkit_Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5"}`, `{"note":"[redacted]"}`},
		{"bearer", `{"x":"Bearer abcdefghijklmnopqrstuvwxyz"}`, `{"x":"[redacted]"}`},
		{"jwt", `{"x":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"}`, `{"x":"[redacted]"}`},
		{"random secret", `{"x":"Q2hhbmdlTWVQbGVhc2UxMjM0NTY3ODkwQUJDREVGR0g"}`, `{"x":"[redacted]"}`},
		{"uuid kept", `{"id":"2819c223-7f76-453a-919d-413861904646","n":42}`, `{"id":"2819c223-7f76-453a-919d-413861904646","n":42}`},
		{"url kept", `{"$ref":"https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"}`, `{"$ref":"https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"}`},
		{"bulk data", `{"Operations":[{"method":"POST","data":{"userName":"a","password":"p"}}]}`, `{"Operations":[{"data":{"userName":"a"},"method":"POST"}]}`},
		{"search filter on password", `{"filter":"password eq \"hunter2\"","count":1}`, `{"count":1,"filter":"[redacted]"}`},
		{"validator user name kept", `{"userName":"Test_User_5c0f3c2e-4Ab9-4bBd-9c3E-0A1b2C3d4E5f","note":"Test_User_5c0f3c2e-4Ab9-4bBd-9c3E-0A1b2C3d4E5f"}`, `{"note":"Test_User_5c0f3c2e-4Ab9-4bBd-9c3E-0A1b2C3d4E5f","userName":"Test_User_5c0f3c2e-4Ab9-4bBd-9c3E-0A1b2C3d4E5f"}`},
		{"long identifiers kept", `{"displayName":"Q2hhbmdlTWVQbGVhc2UxMjM0NTY3ODkwQUJDREVGR0g","externalId":"Q2hhbmdlTWVQbGVhc2UxMjM0NTY3ODkwQUJDREVGR0g"}`, `{"displayName":"Q2hhbmdlTWVQbGVhc2UxMjM0NTY3ODkwQUJDREVGR0g","externalId":"Q2hhbmdlTWVQbGVhc2UxMjM0NTY3ODkwQUJDREVGR0g"}`},
		{"base64url secret with separators", `{"x":"Zm9vYmFyYmF6cXV4cXV1eGNvcmdl-Z3JhdWx0Z2FycGx5"}`, `{"x":"[redacted]"}`},
		{"patch identifier value kept", `{"Operations":[{"op":"replace","path":"externalId","value":"Q2hhbmdlTWVQbGVhc2UxMjM0NTY3ODkwQUJDREVGR0g"}]}`, `{"Operations":[{"op":"replace","path":"externalId","value":"Q2hhbmdlTWVQbGVhc2UxMjM0NTY3ODkwQUJDREVGR0g"}]}`},
		{"patch other value redacted", `{"Operations":[{"op":"replace","path":"title","value":"Q2hhbmdlTWVQbGVhc2UxMjM0NTY3ODkwQUJDREVGR0g"}]}`, `{"Operations":[{"op":"replace","path":"title","value":"[redacted]"}]}`},
		{"bulk ids kept", `{"Operations":[{"bulkId":"Q2hhbmdlTWVQbGVhc2UxMjM0NTY3ODkwQUJDREVGR0g","status":"201"}]}`, `{"Operations":[{"bulkId":"Q2hhbmdlTWVQbGVhc2UxMjM0NTY3ODkwQUJDREVGR0g","status":"201"}]}`},
		{"not json", `userName=a&password=b`, `[21 bytes, not a JSON object: omitted]`},
		{"json array", `[1,2]`, `[5 bytes, not a JSON object: omitted]`},
		{"empty", ``, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.body([]byte(tt.in)); got != tt.want {
				t.Errorf("body = %s\nwant   %s", got, tt.want)
			}
		})
	}
	long := `{"displayName":"` + strings.Repeat("é", 10000) + `"}`
	got := r.body([]byte(long))
	if len(got) > ProvisioningBodyCap || !strings.HasSuffix(got, "…[truncated]") || !strings.HasPrefix(got, `{"displayName":"éé`) {
		t.Errorf("long body: %d bytes, ends %q", len(got), got[max(0, len(got)-20):])
	}
}

func TestRedactQuery(t *testing.T) {
	r := newRedactor([]*schema.ResourceType{schema.UserResourceType()})
	const secret = "Q2hhbmdlTWVQbGVhc2UxMjM0NTY3ODkwQUJDREVGR0g"
	tests := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"filter kept", `filter=userName%20eq%20%22bjensen%40example.com%22&startIndex=1&count=100`, `filter=userName%20eq%20%22bjensen%40example.com%22&startIndex=1&count=100`},
		{"filter on a long externalId kept", `filter=externalId+eq+%22` + secret + `%22`, `filter=externalId+eq+%22` + secret + `%22`},
		{"access_token", `access_token=abc&count=1`, `access_token=%5Bredacted%5D&count=1`},
		{"password parameter", `PASSWORD=x`, `PASSWORD=%5Bredacted%5D`},
		{"token-like value", `x=` + secret, `x=%5Bredacted%5D`},
		{"bearer value", `auth=Bearer%20abcdefghijklmnopqrstuvwxyz`, `auth=%5Bredacted%5D`},
		{"no value", `attributes`, `attributes`},
		{"bad escape kept", `filter=%zz`, `filter=%zz`},
		{"filter on password", `filter=PassWord+eq+%22hunter2%22&count=1`, `filter=%5Bredacted%5D&count=1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.query(tt.in); got != tt.want {
				t.Errorf("query(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// logHandler returns a handler that records into a fresh memory store.
func logHandler(t *testing.T, cfg Config) (*Handler, *memory.Store) {
	t.Helper()
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	cfg.Store, cfg.ProvisioningLog = st, st
	return newTestHandler(t, cfg), st
}

func send(t *testing.T, h *Handler, method, path, ua, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+testToken)
	r.Header.Set("User-Agent", ua)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestProvisioningLog(t *testing.T) {
	h, st := logHandler(t, Config{})
	const okta, entra = "Okta SCIM Client 1.0.0", "Azure Active Directory SCIM Client"
	w := send(t, h, "POST", "/Users", okta, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen","externalId":"00u1","password":"hunter2-secret"}`)
	id := decodeForTest(t, w.Body.String())["id"].(string)
	send(t, h, "POST", "/Users", entra, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"BJENSEN"}`)
	send(t, h, "PATCH", "/Users/"+id, okta, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"password","value":"n3w-secret"}]}`)
	send(t, h, "GET", "/Users/"+id, okta, "")
	send(t, h, "POST", "/Users/.search", okta, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}`)
	send(t, h, "DELETE", "/Users/"+id, "curl/8", "")
	send(t, h, "DELETE", "/Users/"+id, "curl/8", "")
	send(t, h, "POST", "/Bulk", okta, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[`+
		`{"method":"POST","path":"/Users","bulkId":"a","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"x","password":"p4ss"}},`+
		`{"method":"POST","path":"/Users","bulkId":"b","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"y"}}]}`)

	page, err := st.Query(t.Context(), store.ProvisioningFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want := []store.ProvisioningEntry{
		{Tenant: "t1", TokenID: "tok1", IdP: "okta", Method: "POST", Path: "/Bulk", ResourceType: "Bulk", Operations: 2,
			Outcome: store.OutcomeSuccess, Status: 200},
		{Tenant: "t1", TokenID: "tok1", IdP: "unknown", Method: "DELETE", Path: "/Users/" + id, ResourceType: "User", ResourceID: id,
			Outcome: store.OutcomeRejected, Status: 404, Detail: `User "` + id + `" not found.`},
		{Tenant: "t1", TokenID: "tok1", IdP: "unknown", Method: "DELETE", Path: "/Users/" + id, ResourceType: "User", ResourceID: id,
			Outcome: store.OutcomeSuccess, Status: 204},
		{Tenant: "t1", TokenID: "tok1", IdP: "okta", Method: "PATCH", Path: "/Users/" + id, ResourceType: "User", ResourceID: id,
			Outcome: store.OutcomeSuccess, Status: 200,
			Body: `{"Operations":[{"op":"replace","path":"password"}],"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`},
		{Tenant: "t1", TokenID: "tok1", IdP: "entra", Method: "POST", Path: "/Users", ResourceType: "User",
			Outcome: store.OutcomeRejected, Status: 409, ScimType: "uniqueness",
			Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"BJENSEN"}`},
		{Tenant: "t1", TokenID: "tok1", IdP: "okta", Method: "POST", Path: "/Users", ResourceType: "User", ResourceID: id, ExternalID: "00u1",
			Outcome: store.OutcomeSuccess, Status: 201,
			Body: `{"externalId":"00u1","schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}`},
	}
	ignore := cmpopts.IgnoreFields(store.ProvisioningEntry{}, "Seq", "Time", "RequestID", "Latency",
		"UserAgent", "Version", "Response", "BulkResults") // TestProvisioningLogReplayFields
	if d := cmp.Diff(want, page.Entries, ignore, cmpopts.IgnoreFields(store.ProvisioningEntry{}, "Body"),
		cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Detail" }, cmp.Ignore())); d != "" {
		t.Errorf("entries (-want +got):\n%s", d)
	}
	for i, e := range page.Entries {
		if i < len(want) && want[i].Body != "" && e.Body != want[i].Body {
			t.Errorf("entry %d body = %s\nwant %s", i, e.Body, want[i].Body)
		}
		if strings.Contains(e.Body, "secret") || strings.Contains(e.Body, "p4ss") || strings.Contains(e.Body, testToken) {
			t.Errorf("entry %d leaks a secret: %s", i, e.Body)
		}
		if e.RequestID == "" || e.Latency <= 0 || time.Since(e.Time) > time.Minute {
			t.Errorf("entry %d: request id %q, latency %v, time %v", i, e.RequestID, e.Latency, e.Time)
		}
	}
}

func TestProvisioningLogRetention(t *testing.T) {
	h, st := logHandler(t, Config{ProvisioningLogRetention: time.Hour})
	ctx := t.Context()
	st.Append(ctx, store.ProvisioningEntry{Tenant: "t1", Time: time.Now().Add(-2 * time.Hour)})
	st.Append(ctx, store.ProvisioningEntry{Tenant: "t1", Time: time.Now().Add(-30 * time.Minute)})
	send(t, h, "POST", "/Users", "", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a"}`)
	page, _ := st.Query(ctx, store.ProvisioningFilter{})
	if len(page.Entries) != 2 || page.Entries[0].Method != "POST" {
		t.Errorf("after the first write: %d entries (want the recent one and the new one)", len(page.Entries))
	}
}

func TestProvisioningLogRateLimited(t *testing.T) {
	deny := LimiterFunc(func(ctx2 context.Context, key string) (bool, time.Duration) { return false, time.Second })
	h, st := logHandler(t, Config{Limiter: deny})
	if w := send(t, h, "DELETE", "/Users/x", "", ""); w.Code != 429 {
		t.Fatalf("DELETE = %d, want 429", w.Code)
	}
	page, _ := st.Query(t.Context(), store.ProvisioningFilter{})
	if len(page.Entries) != 1 || page.Entries[0].Status != 429 || page.Entries[0].Outcome != store.OutcomeRejected {
		t.Errorf("rate-limited write not recorded: %+v", page.Entries)
	}
}

func decodeForTest(t *testing.T, s string) map[string]any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return m
}
