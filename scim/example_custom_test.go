package scim_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store/memory"
)

// Example_customResourceType serves a resource type of your own beside
// User and Group: a Device, whose schema is the JSON a /Schemas endpoint
// would return. Its attributes are validated, filtered and stored like the
// built-in ones.
func Example_customResourceType() {
	sch, err := schema.ParseSchema([]byte(`{
		"id": "urn:example:params:scim:schemas:2.0:Device",
		"name": "Device",
		"attributes": [
			{"name": "serialNumber", "type": "string", "required": true, "uniqueness": "server", "caseExact": true},
			{"name": "owner", "type": "reference", "referenceTypes": ["User"]},
			{"name": "managed", "type": "boolean"}
		]
	}`))
	if err != nil {
		panic(err)
	}
	devices, err := schema.NewResourceType(&schema.ResourceType{Name: "Device", Endpoint: "/Devices", Schema: sch})
	if err != nil {
		panic(err)
	}
	h, err := scim.New(scim.Config{
		Store:         memory.New(),
		Authenticator: scim.StaticTokens{{Tenant: "acme", SHA256: scim.HashToken("s3cret")}},
		ResourceTypes: []*schema.ResourceType{schema.UserResourceType(), schema.GroupResourceType(), devices},
	})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	send := func(method, path, body string) string {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer s3cret")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return fmt.Sprintf("%d %s", res.StatusCode, b)
	}
	device := `{"schemas":["urn:example:params:scim:schemas:2.0:Device"],"serialNumber":"C02X1","managed":true}`
	fmt.Println(send("POST", "/Devices", device)[:3])
	fmt.Println(send("POST", "/Devices", device)[:3]) // serialNumber is unique
	fmt.Println(strings.Contains(send("GET", "/Devices?filter=managed%20eq%20true", ""), `"totalResults":1`))
	fmt.Println(strings.Contains(send("GET", "/ResourceTypes/Device", ""), `"endpoint":"/Devices"`))
	// Output:
	// 201
	// 409
	// true
	// true
}
