package scim

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// benchRequest sends one request through h and fails on an unexpected status.
func benchRequest(b *testing.B, h http.Handler, method, target, body string, want int) {
	var r *http.Request
	if body != "" {
		r = httptest.NewRequest(method, target, strings.NewReader(body))
	} else {
		r = httptest.NewRequest(method, target, nil)
	}
	r.Header.Set("Authorization", "Bearer "+testToken)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != want {
		b.Fatalf("%s %s: %d\n%s", method, target, w.Code, w.Body)
	}
}

func seedUsers(b *testing.B, h *Handler, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = createUserTB(b, h, fmt.Sprintf("user%06d@example.com", i))
	}
	return ids
}

func BenchmarkGetUser(b *testing.B) {
	h := newTestHandler(b, Config{})
	ids := seedUsers(b, h, 1000)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		benchRequest(b, h, "GET", "/Users/"+ids[i%len(ids)], "", 200)
		i++
	}
}

func BenchmarkFilterUserNameEq(b *testing.B) {
	h := newTestHandler(b, Config{})
	seedUsers(b, h, 10000)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		target := fmt.Sprintf("/Users?filter=userName%%20eq%%20%%22USER%06d%%40example.com%%22&startIndex=1&count=100", i%10000)
		benchRequest(b, h, "GET", target, "", 200)
		i++
	}
}

// BenchmarkCreateUser creates users without and with the provisioning
// log (as the reference server runs), on the memory store.
func BenchmarkCreateUser(b *testing.B) {
	for _, logged := range []bool{false, true} {
		b.Run(fmt.Sprintf("log=%v", logged), func(b *testing.B) {
			st := memory.New()
			cfg := Config{Store: st}
			if logged {
				cfg.ProvisioningLog = st
			}
			h := newTestHandler(b, cfg)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				benchRequest(b, h, "POST", "/Users", fmt.Sprintf(userBody, fmt.Sprintf("new%d", i)), 201)
				i++
			}
		})
	}
}

func BenchmarkPatchAddMember(b *testing.B) {
	h := newTestHandler(b, Config{})
	ids := seedUsers(b, h, 2000)
	var ms []string
	for _, id := range ids[:1000] {
		ms = append(ms, fmt.Sprintf(`{"value":%q}`, id))
	}
	gid := mustDo(b, h, request{method: "POST", target: "/Groups",
		body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"big","members":[` + strings.Join(ms, ",") + `]}`}, 201).json["id"].(string)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"value":%q}]}]}`, ids[1000+i%1000])
		benchRequest(b, h, "PATCH", "/Groups/"+gid, body, 204)
		i++
	}
}

// provisionedUserBody is a user shaped like those Okta and Entra push (the
// template of examples/bench): name, emails, phone, enterprise extension.
const provisionedUserBody = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],` +
	`"userName":"user%07d@example.com","externalId":"00u%07d","name":{"givenName":"Given%d","familyName":"Family%d","formatted":"Given%d Family%d"},` +
	`"displayName":"Given%d Family%d","title":"Software Engineer","locale":"en-US","active":true,` +
	`"emails":[{"value":"user%07d@example.com","type":"work","primary":true}],"phoneNumbers":[{"value":"+1 555 %07d","type":"work"}],` +
	`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"%d","department":"Engineering","organization":"Example Corp"}}`

// BenchmarkListUsers100 reads pages of 100 provisioned users: the
// per-resource cost of presenting and encoding a ListResponse.
func BenchmarkListUsers100(b *testing.B) {
	h := newTestHandler(b, Config{})
	for i := range 1000 {
		benchRequest(b, h, "POST", "/Users", fmt.Sprintf(provisionedUserBody, i, i, i, i, i, i, i, i, i, i, i), 201)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		benchRequest(b, h, "GET", fmt.Sprintf("/Users?startIndex=%d&count=100", 1+i%10*100), "", 200)
		i++
	}
}

// BenchmarkCreateServerWired creates provisioned users through a Handler
// wired as examples/server wires it on the memory store: tokens and
// tenants read from the store, an SDK meter provider, the no-op tracer
// provider, a text logger.
func BenchmarkCreateServerWired(b *testing.B) {
	st := memory.New()
	if _, err := st.CreateToken(b.Context(), store.TokenRecord{ID: "bench", Tenant: DefaultTenant, Hash: HashToken(testToken)}); err != nil {
		b.Fatal(err)
	}
	h := newTestHandler(b, Config{
		Store:          st,
		Authenticator:  &StoreTokens{Tokens: st},
		Tenant:         TenantsFromStore(st, TenantConfig{}),
		MeterProvider:  sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())),
		TracerProvider: tracenoop.NewTracerProvider(),
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		benchRequest(b, h, "POST", "/Users", fmt.Sprintf(provisionedUserBody, i, i, i, i, i, i, i, i, i, i, i), 201)
		i++
	}
}
