package schema_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/schema"
)

func TestServiceProviderConfigJSON(t *testing.T) {
	c := schema.ServiceProviderConfig{
		DocumentationURI: "https://example.com/help/scim.html",
		Patch:            schema.Supported{Supported: true},
		Bulk:             schema.BulkConfig{Supported: true, MaxOperations: 1000, MaxPayloadSize: 1048576},
		Filter:           schema.FilterConfig{Supported: true, MaxResults: 200},
		ETag:             schema.Supported{Supported: true},
		Pagination: &schema.PaginationConfig{Cursor: true, Index: true, DefaultPaginationMethod: "index",
			DefaultPageSize: 100, MaxPageSize: 1000, CursorTimeout: 3600},
		AuthenticationSchemes: []schema.AuthenticationScheme{{Type: "oauthbearertoken", Name: "OAuth Bearer Token",
			Description: "Authentication scheme using the OAuth Bearer Token Standard", SpecURI: "http://www.rfc-editor.org/info/rfc6750", Primary: true}},
		Meta: &schema.DiscoveryMeta{ResourceType: "ServiceProviderConfig", Location: "/ServiceProviderConfig"},
	}
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"schemas":          []any{schema.ServiceProviderConfigSchema},
		"documentationUri": "https://example.com/help/scim.html",
		"patch":            map[string]any{"supported": true},
		"bulk":             map[string]any{"supported": true, "maxOperations": 1000.0, "maxPayloadSize": 1048576.0},
		"filter":           map[string]any{"supported": true, "maxResults": 200.0},
		"changePassword":   map[string]any{"supported": false},
		"sort":             map[string]any{"supported": false},
		"etag":             map[string]any{"supported": true},
		"pagination": map[string]any{"cursor": true, "index": true, "defaultPaginationMethod": "index",
			"defaultPageSize": 100.0, "maxPageSize": 1000.0, "cursorTimeout": 3600.0},
		"authenticationSchemes": []any{map[string]any{"type": "oauthbearertoken", "name": "OAuth Bearer Token",
			"description": "Authentication scheme using the OAuth Bearer Token Standard", "specUri": "http://www.rfc-editor.org/info/rfc6750", "primary": true}},
		"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": "/ServiceProviderConfig"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ServiceProviderConfig JSON (-want +got):\n%s", diff)
	}
}

func TestResourceTypeRepresentation(t *testing.T) {
	data, err := json.Marshal(schema.ResourceTypeRepresentation(schema.UserResourceType(), "https://example.com/v2"))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	// RFC 7643 §8.6.
	want := map[string]any{
		"schemas": []any{schema.ResourceTypeSchema}, "id": "User", "name": "User", "endpoint": "/Users",
		"description": "User Account", "schema": schema.UserSchema,
		"schemaExtensions": []any{map[string]any{"schema": schema.EnterpriseUserSchema, "required": false}},
		"meta":             map[string]any{"resourceType": "ResourceType", "location": "https://example.com/v2/ResourceTypes/User"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ResourceType JSON (-want +got):\n%s", diff)
	}
}
