package schema

// URNs of the schemas defined by RFC 7643 §4 and RFC 7644 §3.
const (
	UserSchema           = "urn:ietf:params:scim:schemas:core:2.0:User"
	GroupSchema          = "urn:ietf:params:scim:schemas:core:2.0:Group"
	EnterpriseUserSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	ListResponseSchema   = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	PatchOpSchema        = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	SearchRequestSchema  = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	BulkRequestSchema    = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	BulkResponseSchema   = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
)

// str, ref, boolean, cplx and multi are terse constructors for the
// built-in definitions below.
func str(name, desc string) *Attribute {
	return &Attribute{Name: name, Type: String, Description: desc}
}

func ref(name, desc string, types ...string) *Attribute {
	return &Attribute{Name: name, Type: Reference, ReferenceTypes: types, Description: desc}
}

func cplx(name, desc string, subs ...*Attribute) *Attribute {
	return &Attribute{Name: name, Type: Complex, Description: desc, SubAttributes: subs}
}

func multi(a *Attribute) *Attribute { a.MultiValued = true; return a }

func canonical(a *Attribute, values ...string) *Attribute { a.CanonicalValues = values; return a }

func readOnly(a *Attribute) *Attribute { a.Mutability = ReadOnly; return a }

// multiValuedComplex builds the value/display/type/primary shape shared by
// emails, phoneNumbers, ims, photos, entitlements, roles and
// x509Certificates (RFC 7643 §2.4, §4.1.2).
func multiValuedComplex(name, desc string, value *Attribute, types ...string) *Attribute {
	return multi(cplx(name, desc,
		value,
		str("display", "A human-readable name, primarily used for display purposes."),
		canonical(str("type", "A label indicating the attribute's function."), types...),
		&Attribute{Name: "primary", Type: Boolean, Description: "Indicates the primary or preferred value; at most one value may be primary."},
	))
}

// User returns a new copy of the core User schema (RFC 7643 §4.1, §8.7.1).
func User() *Schema {
	password := str("password", "The User's cleartext password, used to set or compare; never returned.")
	password.Mutability, password.Returned = WriteOnly, ReturnedNever
	userName := str("userName", "Unique identifier for the User, typically used to authenticate; unique case-insensitively.")
	userName.Required, userName.Uniqueness = true, UniqueServer
	groups := multi(cplx("groups", "A list of groups to which the user belongs, either direct or indirect.",
		readOnly(str("value", "The identifier of the User's group.")),
		readOnly(ref("$ref", "The URI of the corresponding Group resource.", "User", "Group")),
		readOnly(str("display", "A human-readable name, primarily used for display purposes.")),
		readOnly(canonical(str("type", "How the membership is derived."), "direct", "indirect")),
	))
	groups.Mutability = ReadOnly
	binaryValue := &Attribute{Name: "value", Type: Binary, Description: "The value of an X.509 certificate."}
	return MustSchema(&Schema{ID: UserSchema, Name: "User", Description: "User Account", Attributes: []*Attribute{
		userName,
		cplx("name", "The components of the user's real name.",
			str("formatted", "The full name, formatted for display."),
			str("familyName", "The family name."),
			str("givenName", "The given name."),
			str("middleName", "The middle name(s)."),
			str("honorificPrefix", "The honorific prefix(es), e.g. 'Ms.'."),
			str("honorificSuffix", "The honorific suffix(es), e.g. 'III'."),
		),
		str("displayName", "The name of the User, suitable for display to end-users."),
		str("nickName", "The casual way to address the user."),
		ref("profileUrl", "A fully qualified URL pointing to the User's online profile.", "external"),
		str("title", "The user's title, such as 'Vice President'."),
		str("userType", "Identifies the relationship between the organization and the user."),
		str("preferredLanguage", "The User's preferred written or spoken language (RFC 7231 Accept-Language)."),
		str("locale", "The User's default location for localization, e.g. 'en-US'."),
		str("timezone", "The User's time zone in IANA Time Zone database format, e.g. 'America/Los_Angeles'."),
		{Name: "active", Type: Boolean, Description: "The User's administrative status."},
		password,
		multiValuedComplex("emails", "Email addresses for the user.", str("value", "Email address for the user."), "work", "home", "other"),
		multiValuedComplex("phoneNumbers", "Phone numbers for the User.", str("value", "Phone number of the User."), "work", "home", "mobile", "fax", "pager", "other"),
		multiValuedComplex("ims", "Instant messaging addresses for the User.", str("value", "Instant messaging address for the User."), "aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"),
		multiValuedComplex("photos", "URLs of photos of the User.", ref("value", "URL of a photo of the User.", "external"), "photo", "thumbnail"),
		multi(cplx("addresses", "A physical mailing address for this User.",
			str("formatted", "The full mailing address, formatted for display."),
			str("streetAddress", "The full street address component."),
			str("locality", "The city or locality component."),
			str("region", "The state or region component."),
			str("postalCode", "The zip code or postal code component."),
			str("country", "The country name component (ISO 3166-1 alpha-2)."),
			canonical(str("type", "A label indicating the attribute's function."), "work", "home", "other"),
			&Attribute{Name: "primary", Type: Boolean, Description: "Indicates the primary mailing address."},
		)),
		groups,
		multiValuedComplex("entitlements", "A list of entitlements for the User.", str("value", "The value of an entitlement.")),
		multiValuedComplex("roles", "A list of roles for the User.", str("value", "The value of a role.")),
		multiValuedComplex("x509Certificates", "A list of certificates issued to the User.", binaryValue),
	}})
}

// Group returns a new copy of the core Group schema (RFC 7643 §4.2, §8.7.1).
// displayName is required, as §4.2 states.
func Group() *Schema {
	displayName := str("displayName", "A human-readable name for the Group.")
	displayName.Required = true
	value := str("value", "Identifier of the member of this Group.")
	value.Mutability, value.CaseExact = Immutable, true
	memberRef := ref("$ref", "The URI of the member resource.", "User", "Group")
	memberRef.Mutability = Immutable
	typ := canonical(str("type", "The type of the member."), "User", "Group")
	typ.Mutability = Immutable
	display := str("display", "A human-readable name of the member.")
	display.Mutability = Immutable
	return MustSchema(&Schema{ID: GroupSchema, Name: "Group", Description: "Group", Attributes: []*Attribute{
		displayName,
		multi(cplx("members", "A list of members of the Group.", value, memberRef, typ, display)),
	}})
}

// EnterpriseUser returns a new copy of the Enterprise User extension
// (RFC 7643 §4.3, §8.7.1).
func EnterpriseUser() *Schema {
	managerName := readOnly(str("displayName", "The displayName of the User's manager."))
	return MustSchema(&Schema{ID: EnterpriseUserSchema, Name: "EnterpriseUser", Description: "Enterprise User", Attributes: []*Attribute{
		str("employeeNumber", "Numeric or alphanumeric identifier assigned to a person."),
		str("costCenter", "Identifies the name of a cost center."),
		str("organization", "Identifies the name of an organization."),
		str("division", "Identifies the name of a division."),
		str("department", "Identifies the name of a department."),
		cplx("manager", "The User's manager.",
			str("value", "The id of the SCIM resource representing the User's manager."),
			ref("$ref", "The URI of the SCIM resource representing the User's manager.", "User"),
			managerName,
		),
	}})
}

// UserResourceType returns a new User resource type (endpoint /Users) with
// the Enterprise User extension, optional (RFC 7643 §8.6).
func UserResourceType() *ResourceType {
	return MustResourceType(&ResourceType{Name: "User", Endpoint: "/Users", Description: "User Account",
		Schema: User(), Extensions: []Extension{{Schema: EnterpriseUser()}}})
}

// GroupResourceType returns a new Group resource type (endpoint /Groups).
func GroupResourceType() *ResourceType {
	return MustResourceType(&ResourceType{Name: "Group", Endpoint: "/Groups", Description: "Group", Schema: Group()})
}

// GroupResourceTypeUniqueNames is GroupResourceType with displayName
// unique (uniqueness "server": per tenant, compared case-insensitively),
// for identity providers that match groups by displayName, as Microsoft
// Entra ID does: a second group of an existing name is refused with 409
// uniqueness rather than created beside it, which would leave the IdP's
// displayName lookups ambiguous. RFC 7643 §4.2 itself does not make
// displayName unique.
func GroupResourceTypeUniqueNames() *ResourceType {
	g := Group()
	g.Attribute("displayName").Uniqueness = UniqueServer
	return MustResourceType(&ResourceType{Name: "Group", Endpoint: "/Groups", Description: "Group", Schema: g})
}
