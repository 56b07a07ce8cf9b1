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
	Schemas          []string     `json:"schemas"`
	DocumentationURI string       `json:"documentationUri,omitempty"`
	Patch            Supported    `json:"patch"`
	Bulk             BulkConfig   `json:"bulk"`
	Filter           FilterConfig `json:"filter"`
	ChangePassword   Supported    `json:"changePassword"`
	Sort             Supported    `json:"sort"`
	ETag             Supported    `json:"etag"`
	// Pagination is RFC 9865 §4; nil omits it (index pagination only).
	Pagination            *PaginationConfig      `json:"pagination,omitempty"`
	AuthenticationSchemes []AuthenticationScheme `json:"authenticationSchemes"`
	Meta                  *DiscoveryMeta         `json:"meta,omitempty"`
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
	Supported bool `json:"supported"`
}

// BulkConfig is the "bulk" member of RFC 7643 §5.
type BulkConfig struct {
	Supported      bool `json:"supported"`
	MaxOperations  int  `json:"maxOperations"`
	MaxPayloadSize int  `json:"maxPayloadSize"`
}

// FilterConfig is the "filter" member of RFC 7643 §5.
type FilterConfig struct {
	Supported  bool `json:"supported"`
	MaxResults int  `json:"maxResults"`
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
	Type             string `json:"type"`
	Name             string `json:"name"`
	Description      string `json:"description"`
	SpecURI          string `json:"specUri,omitempty"`
	DocumentationURI string `json:"documentationUri,omitempty"`
	Primary          bool   `json:"primary,omitempty"`
}

// DiscoveryMeta is the "meta" of a discovery resource (RFC 7643 §5-7):
// only resourceType and location are meaningful.
type DiscoveryMeta struct {
	ResourceType string `json:"resourceType"`
	Location     string `json:"location,omitempty"`
}

// ResourceTypeDocument is the representation of a resource type served at
// /ResourceTypes (RFC 7643 §6).
type ResourceTypeDocument struct {
	Schemas          []string             `json:"schemas"`
	ID               string               `json:"id,omitempty"`
	Name             string               `json:"name"`
	Endpoint         string               `json:"endpoint"`
	Description      string               `json:"description,omitempty"`
	Schema           string               `json:"schema"`
	SchemaExtensions []SchemaExtensionRef `json:"schemaExtensions,omitempty"`
	Meta             DiscoveryMeta        `json:"meta"`
}

// SchemaExtensionRef is one element of "schemaExtensions" (RFC 7643 §6).
type SchemaExtensionRef struct {
	Schema   string `json:"schema"`
	Required bool   `json:"required"`
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
	Schemas     []string      `json:"schemas"`
	ID          string        `json:"id"`
	Name        string        `json:"name,omitempty"`
	Description string        `json:"description,omitempty"`
	Attributes  []*Attribute  `json:"attributes"`
	Meta        DiscoveryMeta `json:"meta"`
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
