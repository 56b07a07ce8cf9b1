package schema

import "strings"

// Common attributes present in every resource (RFC 7643 §3.1). They are not
// part of any schema's attribute list but resolve through
// ResourceType.Lookup with a nil AttrRef.Schema.
var (
	// IDAttribute is "id": server-assigned, caseExact, readOnly, always returned.
	IDAttribute = &Attribute{Name: "id", Type: String, CaseExact: true, Mutability: ReadOnly, Returned: ReturnedAlways, Uniqueness: UniqueServer,
		Description: "Unique identifier for the SCIM resource as defined by the service provider."}
	// ExternalIDAttribute is "externalId": set by the provisioning client, caseExact.
	ExternalIDAttribute = &Attribute{Name: "externalId", Type: String, CaseExact: true, Mutability: ReadWrite,
		Description: "Identifier of the resource as defined by the provisioning client."}
	// SchemasAttribute is "schemas": the URNs of the schemas a resource uses.
	SchemasAttribute = &Attribute{Name: "schemas", Type: Reference, MultiValued: true, Required: true, CaseExact: true, Returned: ReturnedAlways,
		ReferenceTypes: []string{"uri"}, Description: "The schema URNs used by the resource."}
	// MetaAttribute is "meta": readOnly resource metadata.
	MetaAttribute = &Attribute{Name: "meta", Type: Complex, Mutability: ReadOnly, Description: "Resource metadata.",
		SubAttributes: []*Attribute{
			{Name: "resourceType", Type: String, CaseExact: true, Mutability: ReadOnly, Description: "The name of the resource type of the resource."},
			{Name: "created", Type: DateTime, Mutability: ReadOnly, Description: "The time the resource was added to the service provider."},
			{Name: "lastModified", Type: DateTime, Mutability: ReadOnly, Description: "The most recent time the resource was modified."},
			{Name: "location", Type: Reference, ReferenceTypes: []string{"uri"}, CaseExact: true, Mutability: ReadOnly, Description: "The URI of the resource."},
			{Name: "version", Type: String, CaseExact: true, Mutability: ReadOnly, Description: "The version (ETag) of the resource."},
		}}
)

func init() {
	for _, a := range []*Attribute{IDAttribute, ExternalIDAttribute, SchemasAttribute, MetaAttribute} {
		a.index()
	}
}

func commonAttribute(name string) *Attribute {
	for _, a := range []*Attribute{IDAttribute, ExternalIDAttribute, MetaAttribute, SchemasAttribute} {
		if len(name) == len(a.Name) && strings.EqualFold(name, a.Name) {
			return a
		}
	}
	return nil
}
