// Package schema is the SCIM 2.0 data model of RFC 7643: attribute
// characteristics (§2, §7), schemas and resource types (§6, §7), the
// built-in User, Group and Enterprise User schemas (§4), resources and their
// JSON representation, and the protocol error type shared by every scimkit
// package (RFC 7644 §3.12).
//
//	users := schema.UserResourceType()
//	body := []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
//		"UserName":"bjensen@example.com","active":"True","groups":[{"value":"g1"}]}`) // a POST /Users body
//	r, err := users.Decode(body, schema.DecodeOptions{CoerceStrings: true})
//	if err != nil {
//		return err // a *schema.Error: status 400, scimType invalidSyntax or invalidValue, a detail
//	}
//	// Create rules of RFC 7643 §7: readOnly "groups" is dropped, required
//	// userName checked. The result is what a store keeps.
//	r, err = users.Validate(schema.ModeCreate, nil, r, schema.DecodeOptions{})
//	if err != nil {
//		return err
//	}
//	out := users.Project(r, []string{"userName", "emails"}, nil) // ?attributes=userName,emails
//	data, err := json.Marshal(out) // {"schemas":[…],"userName":"bjensen@example.com"}
//
// ExampleResourceType_Decode and ExampleResourceType_Project run these
// steps with their output.
//
// Schemas are defined once, validated by NewSchema, and read-only after
// that. Attribute names are case-insensitive everywhere (RFC 7643 §2.1):
// lookups accept any spelling, and decoded resources use the schema's
// canonical spelling.
//
// Client input goes through ResourceType.Decode (parse, canonicalise,
// type-check; tolerant of what Okta and Entra really send, see
// DecodeOptions), then ResourceType.Validate (RFC 7643 §7 mutability,
// required, primary, canonicalValues for create, replace or patch);
// responses go through ResourceType.Project (attributes,
// excludedAttributes and "returned", RFC 7644 §3.4.2.5). ParseSchema
// loads schema definitions in their /Schemas form, and
// SchemaRepresentation, ResourceTypeRepresentation and
// ServiceProviderConfig give the discovery documents of RFC 7643 §5-7.
//
// Package schema has no I/O and depends on no database or HTTP code; filter,
// patch, store and scim build on it.
package schema
