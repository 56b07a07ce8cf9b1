package scim_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
)

// ExampleStoreTokens keeps bearer tokens and the provisioning log in the
// store: issue a token (the secret is shown once), serve with it, rotate by
// issuing a second one and revoking the first.
func ExampleStoreTokens() {
	ctx := context.Background()
	st := memory.New()
	defer st.Close()
	secret, rec, err := scim.IssueToken(ctx, st, "acme", scim.TokenOptions{Name: "okta"})
	if err != nil {
		panic(err)
	}
	h, err := scim.New(scim.Config{Store: st, Authenticator: &scim.StoreTokens{Tokens: st},
		Tenant: scim.TenantsFromStore(st, scim.TenantConfig{}), ProvisioningLog: st})
	if err != nil {
		panic(err)
	}
	post := func(token, userName string) int {
		r := httptest.NewRequest("POST", "/Users", strings.NewReader(
			`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"`+userName+`","password":"hunter2"}`))
		r.Header.Set("Authorization", "Bearer "+token)
		r.Header.Set("User-Agent", "Okta SCIM Client 1.0.0")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	fmt.Println(strings.HasPrefix(secret, "scimkit_"), post(secret, "bjensen"))

	next, _, _ := scim.IssueToken(ctx, st, "acme", scim.TokenOptions{Name: "okta"})
	st.RevokeToken(ctx, rec.ID)
	fmt.Println(post(secret, "jsmith") == http.StatusUnauthorized, post(next, "jsmith"))

	page, _ := st.Query(ctx, store.ProvisioningFilter{Tenant: "acme"})
	for _, e := range page.Entries {
		fmt.Println(e.Method, e.ResourceType, e.IdP, e.Status, e.Body)
	}
	// Output:
	// true 201
	// true 201
	// POST User okta 201 {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"jsmith"}
	// POST User okta 201 {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}
}
