package schema

import (
	"encoding/json"
	"strings"
)

// URNs of the discovery resources (RFC 7643 §5, §6, §7).
const (
	ServiceProviderConfigSchema = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
)

// ServiceProviderConfig is the representation served at
// /ServiceProviderConfig (RFC 7643 §5), with the "pagination" member of
// RFC 9865 §4. JSON member names are exactly the RFC's.
type ServiceProviderConfig struct {
	// Schemas is set to [ServiceProviderConfigSchema] by MarshalJSON when empty.
	Schemas []string `json:"schemas"`
	// DocumentationURI is an HTTP-addressable URL of the service provider's help documentation (RFC 7643 §5).
	DocumentationURI string `json:"documentationUri,omitempty"`
	// Patch says whether PATCH is supported (RFC 7643 §5, RFC 7644 §3.5.2).
	Patch Supported `json:"patch"`
	// Bulk describes bulk operation support (RFC 7643 §5, RFC 7644 §3.7).
	Bulk BulkConfig `json:"bulk"`
	// Filter describes filtering support (RFC 7643 §5, RFC 7644 §3.4.2.2).
	Filter FilterConfig `json:"filter"`
	// ChangePassword says whether changing a password is supported (RFC 7643 §5).
	ChangePassword Supported `json:"changePassword"`
	// Sort says whether sorting is supported (RFC 7643 §5, RFC 7644 §3.4.2.3).
	Sort Supported `json:"sort"`
	// ETag says whether ETags are supported (RFC 7643 §5, RFC 7644 §3.14).
	ETag Supported `json:"etag"`
	// Pagination is RFC 9865 §4; nil omits it (index pagination only).
	Pagination *PaginationConfig `json:"pagination,omitempty"`
	// AuthenticationSchemes lists the supported authentication schemes (RFC 7643 §5); MarshalJSON emits [] when nil.
	AuthenticationSchemes []AuthenticationScheme `json:"authenticationSchemes"`
	// Meta is the resource's "meta" (resourceType and location); nil omits it.
	Meta *DiscoveryMeta `json:"meta,omitempty"`
}

// MarshalJSON fills in "schemas" and an empty authenticationSchemes array
// so the output always has the members RFC 7643 §5 requires.
func (c ServiceProviderConfig) MarshalJSON() ([]byte, error) {
	type plain ServiceProviderConfig
	if len(c.Schemas) == 0 {
		c.Schemas = []string{ServiceProviderConfigSchema}
	}
	if c.AuthenticationSchemes == nil {
		c.AuthenticationSchemes = []AuthenticationScheme{}
	}
	return json.Marshal(plain(c))
}

// Supported is a feature flag object such as "patch": {"supported": true}.
type Supported struct {
	// Supported says whether the feature is supported.
	Supported bool `json:"supported"`
}

// BulkConfig is the "bulk" member of RFC 7643 §5.
type BulkConfig struct {
	// Supported says whether bulk operations are supported (RFC 7643 §5).
	Supported bool `json:"supported"`
	// MaxOperations is the maximum number of operations in one bulk request (RFC 7643 §5).
	MaxOperations int `json:"maxOperations"`
	// MaxPayloadSize is the maximum bulk request payload size in bytes (RFC 7643 §5).
	MaxPayloadSize int `json:"maxPayloadSize"`
}

// FilterConfig is the "filter" member of RFC 7643 §5.
type FilterConfig struct {
	// Supported says whether filtering is supported (RFC 7643 §5).
	Supported bool `json:"supported"`
	// MaxResults is the maximum number of resources a filtered query returns (RFC 7643 §5).
	MaxResults int `json:"maxResults"`
}

// PaginationConfig is the "pagination" member of RFC 9865 §4.
type PaginationConfig struct {
	// Cursor says whether cursor-based pagination is supported.
	Cursor bool `json:"cursor"`
	// Index says whether index-based pagination (RFC 7644 §3.4.2.4) is supported.
	Index bool `json:"index"`
	// DefaultPaginationMethod is "cursor" or "index": what the server uses
	// when the request names neither.
	DefaultPaginationMethod string `json:"defaultPaginationMethod,omitempty"`
	// DefaultPageSize is the page size when the client gives no count.
	DefaultPageSize int `json:"defaultPageSize,omitempty"`
	// MaxPageSize is the largest page the server returns.
	MaxPageSize int `json:"maxPageSize,omitempty"`
	// CursorTimeout is how many seconds a cursor stays valid.
	CursorTimeout int `json:"cursorTimeout,omitempty"`
}

// AuthenticationScheme is one element of "authenticationSchemes"
// (RFC 7643 §5), e.g. type "oauthbearertoken" or "httpbasic".
type AuthenticationScheme struct {
	// Type is the scheme's type, e.g. "oauthbearertoken" or "httpbasic" (RFC 7643 §5).
	Type string `json:"type"`
	// Name is the scheme's common name, e.g. "HTTP Basic" (RFC 7643 §5).
	Name string `json:"name"`
	// Description is a human-readable description of the scheme (RFC 7643 §5).
	Description string `json:"description"`
	// SpecURI is an HTTP-addressable URL of the scheme's specification (RFC 7643 §5).
	SpecURI string `json:"specUri,omitempty"`
	// DocumentationURI is an HTTP-addressable URL of the scheme's help documentation (RFC 7643 §5).
	DocumentationURI string `json:"documentationUri,omitempty"`
	// Primary marks the preferred scheme (RFC 7643 §5, "primary" of a multi-valued attribute).
	Primary bool `json:"primary,omitempty"`
}

// DiscoveryMeta is the "meta" of a discovery resource (RFC 7643 §5-7):
// only resourceType and location are meaningful.
type DiscoveryMeta struct {
	// ResourceType is the discovery resource's type: "ServiceProviderConfig", "ResourceType" or "Schema".
	ResourceType string `json:"resourceType"`
	// Location is the URI of the discovery resource (RFC 7643 §3.1 "meta.location").
	Location string `json:"location,omitempty"`
}

// ResourceTypeDocument is the representation of a resource type served at
// /ResourceTypes (RFC 7643 §6).
type ResourceTypeDocument struct {
	// Schemas is the document's schema URIs, [ResourceTypeSchema].
	Schemas []string `json:"schemas"`
	// ID is the resource type's identifier, e.g. "User" (RFC 7643 §6 "id").
	ID string `json:"id,omitempty"`
	// Name is the resource type's name, e.g. "User" (RFC 7643 §6 "name").
	Name string `json:"name"`
	// Endpoint is the resource type's HTTP path relative to the base URL, e.g. "/Users" (RFC 7643 §6).
	Endpoint string `json:"endpoint"`
	// Description is the resource type's human-readable description (RFC 7643 §6).
	Description string `json:"description,omitempty"`
	// Schema is the URI of the resource type's core schema (RFC 7643 §6).
	Schema string `json:"schema"`
	// SchemaExtensions lists the resource type's schema extensions (RFC 7643 §6).
	SchemaExtensions []SchemaExtensionRef `json:"schemaExtensions,omitempty"`
	// Meta is the document's "meta" (resourceType "ResourceType" and location).
	Meta DiscoveryMeta `json:"meta"`
}

// SchemaExtensionRef is one element of "schemaExtensions" (RFC 7643 §6).
type SchemaExtensionRef struct {
	// Schema is the URI of the extension schema (RFC 7643 §6).
	Schema string `json:"schema"`
	// Required says whether resources of the type must include the extension (RFC 7643 §6).
	Required bool `json:"required"`
}

// ResourceTypeRepresentation returns rt's RFC 7643 §6 representation. Its
// meta.location is baseURL + "/ResourceTypes/" + id; with an empty baseURL
// it is relative ("/ResourceTypes/User") and the HTTP layer prefixes it.
func ResourceTypeRepresentation(rt *ResourceType, baseURL string) *ResourceTypeDocument {
	d := &ResourceTypeDocument{
		Schemas:     []string{ResourceTypeSchema},
		ID:          rt.ID,
		Name:        rt.Name,
		Endpoint:    rt.Endpoint,
		Description: rt.Description,
		Schema:      rt.Schema.ID,
		Meta:        DiscoveryMeta{ResourceType: "ResourceType", Location: joinURL(baseURL, "/ResourceTypes/"+rt.ID)},
	}
	for _, e := range rt.Extensions {
		d.SchemaExtensions = append(d.SchemaExtensions, SchemaExtensionRef{Schema: e.Schema.ID, Required: e.Required})
	}
	return d
}

// SchemaDocument is the representation of a schema served at /Schemas
// (RFC 7643 §7).
type SchemaDocument struct {
	// Schemas is the document's schema URIs, [SchemaSchema].
	Schemas []string `json:"schemas"`
	// ID is the schema's URI (RFC 7643 §7 "id").
	ID string `json:"id"`
	// Name is the schema's human-readable name (RFC 7643 §7).
	Name string `json:"name,omitempty"`
	// Description is the schema's human-readable description (RFC 7643 §7).
	Description string `json:"description,omitempty"`
	// Attributes defines the schema's attributes (RFC 7643 §7).
	Attributes []*Attribute `json:"attributes"`
	// Meta is the document's "meta" (resourceType "Schema" and location).
	Meta DiscoveryMeta `json:"meta"`
}

// SchemaRepresentation returns s's RFC 7643 §7 representation. Its
// meta.location is baseURL + "/Schemas/" + id; with an empty baseURL it is
// relative ("/Schemas/urn:...") and the HTTP layer prefixes it.
func SchemaRepresentation(s *Schema, baseURL string) *SchemaDocument {
	attrs := s.Attributes
	if attrs == nil {
		attrs = []*Attribute{}
	}
	return &SchemaDocument{
		Schemas:     []string{SchemaSchema},
		ID:          s.ID,
		Name:        s.Name,
		Description: s.Description,
		Attributes:  attrs,
		Meta:        DiscoveryMeta{ResourceType: "Schema", Location: joinURL(baseURL, "/Schemas/"+s.ID)},
	}
}

// MarshalJSON encodes s in its RFC 7643 §7 representation with a relative
// meta.location; see SchemaRepresentation. ParseSchema reads it back.
func (s *Schema) MarshalJSON() ([]byte, error) {
	return json.Marshal(SchemaRepresentation(s, ""))
}

func joinURL(base, path string) string {
	return strings.TrimSuffix(base, "/") + path
}
