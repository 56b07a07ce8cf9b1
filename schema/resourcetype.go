package schema

import (
	"strings"
)

// ResourceTypeSchema is the URN of the ResourceType representation
// (RFC 7643 §6).
const ResourceTypeSchema = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"

// Extension is a schema extension of a resource type (RFC 7643 §6,
// "schemaExtensions").
type Extension struct {
	// Schema is the extension's schema.
	Schema *Schema
	// Required says whether resources of the type must include the extension (RFC 7643 §6).
	Required bool
}

// ResourceType is a SCIM resource type (RFC 7643 §6): a name, an endpoint,
// a core schema and optional schema extensions. Create one with
// NewResourceType; it is read-only afterwards and safe for concurrent use.
type ResourceType struct {
	// ID is the resource type's identifier, usually equal to Name.
	ID string
	// Name is the resource type name, e.g. "User"; it is meta.resourceType.
	Name string
	// Endpoint is the path relative to the base URL, e.g. "/Users".
	Endpoint string
	// Description is a human-readable description.
	Description string
	// Schema is the core schema.
	Schema *Schema
	// Extensions are the schema extensions the type accepts.
	Extensions []Extension

	// hidden holds the attributes that a projection without attributes or
	// excludedAttributes may have to drop or trim: returned never or
	// request, writeOnly, or with such a sub-attribute. Built by
	// NewResourceType; nil means "unknown", and Project takes its slow path.
	hidden map[*Attribute]bool
}

// NewResourceType checks rt (name, endpoint, core schema, distinct
// extension URNs) and returns it.
func NewResourceType(rt *ResourceType) (*ResourceType, error) {
	if rt.Name == "" || !validAttrName(rt.Name) {
		return nil, ErrInvalidValue.WithDetail("resource type name %q is not valid", rt.Name)
	}
	if rt.ID == "" {
		rt.ID = rt.Name
	}
	if !strings.HasPrefix(rt.Endpoint, "/") || strings.Count(rt.Endpoint, "/") != 1 {
		return nil, ErrInvalidValue.WithDetail("resource type %s: endpoint %q must be one path segment starting with '/'", rt.Name, rt.Endpoint)
	}
	if rt.Schema == nil || rt.Schema.attrs == nil {
		return nil, ErrInvalidValue.WithDetail("resource type %s: core schema missing or not prepared with NewSchema", rt.Name)
	}
	seen := map[string]bool{strings.ToLower(rt.Schema.ID): true}
	for _, e := range rt.Extensions {
		if e.Schema == nil || e.Schema.attrs == nil {
			return nil, ErrInvalidValue.WithDetail("resource type %s: extension schema missing or not prepared with NewSchema", rt.Name)
		}
		if seen[strings.ToLower(e.Schema.ID)] {
			return nil, ErrInvalidValue.WithDetail("resource type %s: schema %s appears twice", rt.Name, e.Schema.ID)
		}
		seen[strings.ToLower(e.Schema.ID)] = true
	}
	rt.hidden = map[*Attribute]bool{}
	for _, s := range rt.schemas() {
		for _, a := range s.Attributes {
			if hiddenByDefault(a) {
				rt.hidden[a] = true
			}
		}
	}
	return rt, nil
}

// schemas returns the core schema followed by the extension schemas.
func (rt *ResourceType) schemas() []*Schema {
	out := make([]*Schema, 0, 1+len(rt.Extensions))
	out = append(out, rt.Schema)
	for _, e := range rt.Extensions {
		out = append(out, e.Schema)
	}
	return out
}

// hiddenByDefault reports whether a default projection may change a value
// of a: a or one of its sub-attributes is returned never or request, or
// writeOnly (RFC 7643 §7).
func hiddenByDefault(a *Attribute) bool {
	switch {
	case a.Returned == ReturnedNever, a.Returned == ReturnedRequest, a.Mutability == WriteOnly:
		return true
	}
	for _, s := range a.SubAttributes {
		if hiddenByDefault(s) {
			return true
		}
	}
	return false
}

// MustResourceType is like NewResourceType but panics on error.
func MustResourceType(rt *ResourceType) *ResourceType {
	rt, err := NewResourceType(rt)
	if err != nil {
		panic(err)
	}
	return rt
}

// SchemaByURN returns the core or extension schema whose id equals urn
// case-insensitively, or nil.
func (rt *ResourceType) SchemaByURN(urn string) *Schema {
	if strings.EqualFold(rt.Schema.ID, urn) {
		return rt.Schema
	}
	for _, e := range rt.Extensions {
		if strings.EqualFold(e.Schema.ID, urn) {
			return e.Schema
		}
	}
	return nil
}

// PasswordAttribute returns the password attribute of rt (RFC 7643
// §4.1.1): the core schema's single-valued string attribute named
// "password", or nil. It is the one rule of what a password is for the
// handler's policy, PATCH, discovery and the stores.
func (rt *ResourceType) PasswordAttribute() *Attribute {
	if a := rt.Schema.Attribute("password"); a != nil && a.Name == "password" && a.Type == String && !a.MultiValued {
		return a
	}
	return nil
}

// IsExtension reports whether s is one of rt's extension schemas.
func (rt *ResourceType) IsExtension(s *Schema) bool {
	return s != nil && s != rt.Schema
}

// AttrRef identifies one attribute, and optionally one of its
// sub-attributes, of a resource type: the result of resolving a path such as
// "name.givenName" or "urn:...:enterprise:2.0:User:manager.value".
type AttrRef struct {
	// Schema is the schema that defines Attr: the core schema, an extension,
	// or nil for the common attributes id, externalId, meta and schemas
	// (RFC 7643 §3.1).
	Schema *Schema
	// Attr is the top-level attribute.
	Attr *Attribute
	// Sub is the sub-attribute, or nil when the path names Attr itself.
	Sub *Attribute
}

// Target returns the attribute the reference points at: Sub if set, else Attr.
func (r AttrRef) Target() *Attribute {
	if r.Sub != nil {
		return r.Sub
	}
	return r.Attr
}

// IsExtension reports whether the attribute lives under an extension URN in
// resource representations.
func (r AttrRef) IsExtension(rt *ResourceType) bool { return r.Schema != nil && r.Schema != rt.Schema }

// IsCommon reports whether the attribute is one of id, externalId, meta, schemas.
func (r AttrRef) IsCommon() bool { return r.Schema == nil }

// String returns the canonical, fully qualified path for extension
// attributes and the short path otherwise, e.g. "name.givenName" or
// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value".
func (r AttrRef) String() string {
	var b strings.Builder
	if r.Schema != nil && !isCoreURN(r.Schema.ID) {
		b.WriteString(r.Schema.ID)
		b.WriteByte(':')
	}
	b.WriteString(r.Attr.Name)
	if r.Sub != nil {
		b.WriteByte('.')
		b.WriteString(r.Sub.Name)
	}
	return b.String()
}

func isCoreURN(urn string) bool {
	return strings.HasPrefix(urn, "urn:ietf:params:scim:schemas:core:")
}

// Lookup resolves an attribute path of rt. uri is the schema URN prefix
// without its trailing colon ("" when the path is not qualified), name the
// attribute and sub the sub-attribute ("" for none). Names and URNs compare
// case-insensitively (RFC 7643 §2.1).
//
// An unqualified name is looked up among the common attributes, then the
// core schema, then, to tolerate clients that omit the URN, the extensions
// (the first extension that defines it wins). It returns false when the
// path does not name an attribute of rt or names a sub-attribute of a
// non-complex attribute.
func (rt *ResourceType) Lookup(uri, name, sub string) (AttrRef, bool) {
	var ref AttrRef
	uri = strings.TrimSuffix(uri, ":")
	switch {
	case uri != "":
		s := rt.SchemaByURN(uri)
		if s == nil {
			return AttrRef{}, false
		}
		ref.Schema, ref.Attr = s, s.Attribute(name)
		if ref.Attr == nil && s == rt.Schema {
			// "urn:...:core:2.0:User:id" qualifies a common attribute.
			ref.Schema, ref.Attr = nil, commonAttribute(name)
		}
	default:
		if a := commonAttribute(name); a != nil {
			ref.Attr = a
		} else if a := rt.Schema.Attribute(name); a != nil {
			ref.Schema, ref.Attr = rt.Schema, a
		} else {
			for _, e := range rt.Extensions {
				if a := e.Schema.Attribute(name); a != nil {
					ref.Schema, ref.Attr = e.Schema, a
					break
				}
			}
		}
	}
	if ref.Attr == nil {
		return AttrRef{}, false
	}
	if sub != "" {
		ref.Sub = ref.Attr.Sub(sub)
		if ref.Sub == nil {
			return AttrRef{}, false
		}
	}
	return ref, true
}

// LookupPath resolves a dotted path string such as "name.givenName",
// "emails.value", "meta.lastModified" or
// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value".
// It does not accept value filters; see package filter for those.
func (rt *ResourceType) LookupPath(path string) (AttrRef, bool) {
	uri, rest := SplitURN(rt, path)
	name, sub, _ := strings.Cut(rest, ".")
	if strings.Contains(sub, ".") {
		return AttrRef{}, false
	}
	return rt.Lookup(uri, name, sub)
}

// SplitURN splits a path into its schema URN prefix (without the trailing
// colon) and the attribute part. The URN is recognised when it matches one
// of rt's schema ids case-insensitively, so URNs that contain dots
// ("...:2.0:User") are handled. A path without a known URN prefix is
// returned whole as the attribute part.
func SplitURN(rt *ResourceType, path string) (uri, rest string) {
	if len(path) < 4 || !strings.EqualFold(path[:4], "urn:") {
		return "", path
	}
	try := func(id string) bool {
		if len(path) > len(id) && path[len(id)] == ':' && strings.EqualFold(path[:len(id)], id) {
			uri, rest = path[:len(id)], path[len(id)+1:]
			return true
		}
		return false
	}
	for _, e := range rt.Extensions {
		if try(e.Schema.ID) {
			return uri, rest
		}
	}
	if try(rt.Schema.ID) {
		return uri, rest
	}
	// Unknown URN: the attribute is what follows the last colon.
	i := strings.LastIndexByte(path, ':')
	return path[:i], path[i+1:]
}
