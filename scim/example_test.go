package scim_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store/memory"
)

// Example mounts the SCIM handler under /scim/v2 on a memory store with one
// bearer token, creates a user as Okta does, and finds it by userName.
func Example() {
	h, err := scim.New(scim.Config{
		Store:         memory.New(),
		Authenticator: scim.StaticTokens{{Tenant: "acme", ID: "okta", SHA256: scim.HashToken("s3cret")}},
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", h))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	send := func(method, path, body string) (int, map[string]any) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer s3cret")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer res.Body.Close()
		var m map[string]any
		json.NewDecoder(res.Body).Decode(&m)
		m["Content-Type"] = res.Header.Get("Content-Type")
		return res.StatusCode, m
	}
	code, _ := send("POST", "/scim/v2/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"test.user@okta.local","active":true}`)
	fmt.Println("POST /Users:", code)
	code, list := send("GET", "/scim/v2/Users?filter=userName%20eq%20%22TEST.USER%40okta.local%22", "")
	fmt.Println("GET /Users?filter:", code, list["Content-Type"], "totalResults", list["totalResults"])
	code, e := send("GET", "/scim/v2/Users/does-not-exist", "")
	fmt.Println("GET unknown id:", code, e["status"], e["detail"])
	// Output:
	// POST /Users: 201
	// GET /Users?filter: 200 application/scim+json totalResults 1
	// GET unknown id: 404 404 User "does-not-exist" not found.
}
