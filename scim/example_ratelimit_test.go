package scim_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store/memory"
)

// ExampleNewRateLimiter limits each tenant to a burst of 2 requests and 1
// request a second: the third request at once is answered 429 with
// Retry-After, while another tenant is served.
func ExampleNewRateLimiter() {
	limiter, err := scim.NewRateLimiter(scim.RateLimiterConfig{Rate: 1, Burst: 2})
	if err != nil {
		panic(err)
	}
	h, err := scim.New(scim.Config{Store: memory.New(), Limiter: limiter, Authenticator: scim.StaticTokens{
		{Tenant: "acme", ID: "okta", SHA256: scim.HashToken("acme-token")},
		{Tenant: "globex", ID: "entra", SHA256: scim.HashToken("globex-token")},
	}})
	if err != nil {
		panic(err)
	}
	get := func(token string) {
		r := httptest.NewRequest("GET", "/Users", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if ra := w.Header().Get("Retry-After"); ra != "" {
			fmt.Println(w.Code, "Retry-After:", ra)
			return
		}
		fmt.Println(w.Code)
	}
	get("acme-token")
	get("acme-token")
	get("acme-token")
	get("globex-token")
	// Output:
	// 200
	// 200
	// 429 Retry-After: 1
	// 200
}
