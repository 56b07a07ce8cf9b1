package storetest

import (
	"fmt"
	"sync"

	"github.com/scimkit/scimkit/schema"
)

// TestExtensionSchema is the URN of the suite's User extension, which adds
// attributes of every SCIM data type and two uniqueness-constrained
// attributes to the User resource type (RFC 7643 §3.3 extensions).
const TestExtensionSchema = "urn:scimkit:params:scim:schemas:extension:storetest:2.0:User"

// DeviceSchema is the URN of the core schema of the suite's Device
// resource type, a type that is neither a User nor a Group.
const DeviceSchema = "urn:scimkit:params:scim:schemas:core:2.0:Device"

var (
	typesOnce                    sync.Once
	userType, groupType, devType *schema.ResourceType
)

func initTypes() {
	typesOnce.Do(func() {
		ext := schema.MustSchema(&schema.Schema{ID: TestExtensionSchema, Name: "StoreTest", Attributes: []*schema.Attribute{
			{Name: "score", Type: schema.Integer},
			{Name: "ratio", Type: schema.Decimal},
			{Name: "hired", Type: schema.DateTime},
			{Name: "vip", Type: schema.Boolean},
			// badge is unique and caseExact: "AB" and "ab" may coexist.
			{Name: "badge", Type: schema.String, CaseExact: true, Uniqueness: schema.UniqueServer},
			// alias is unique ("global", treated as per tenant and type) and
			// compared case-insensitively.
			{Name: "alias", Type: schema.String, Uniqueness: schema.UniqueGlobal},
			{Name: "tags", Type: schema.String, MultiValued: true},
			{Name: "code", Type: schema.String, CaseExact: true},
			// pin, note and key are left out or trimmed by the default
			// projection (RFC 7643 §7 "returned").
			{Name: "pin", Type: schema.String, Returned: schema.ReturnedNever},
			{Name: "note", Type: schema.String, Returned: schema.ReturnedRequest},
			{Name: "key", Type: schema.Complex, SubAttributes: []*schema.Attribute{
				{Name: "id", Type: schema.String},
				{Name: "secret", Type: schema.String, Returned: schema.ReturnedNever},
			}},
		}})
		userType = schema.MustResourceType(&schema.ResourceType{Name: "User", Endpoint: "/Users", Schema: schema.User(),
			Extensions: []schema.Extension{{Schema: schema.EnterpriseUser()}, {Schema: ext}}})
		groupType = schema.GroupResourceType()
		dev := schema.MustSchema(&schema.Schema{ID: DeviceSchema, Name: "Device", Attributes: []*schema.Attribute{
			{Name: "serial", Type: schema.String, Required: true, Uniqueness: schema.UniqueServer},
			{Name: "label", Type: schema.String},
			// commissioned is a unique dateTime: one instant, however written.
			{Name: "commissioned", Type: schema.DateTime, Uniqueness: schema.UniqueServer},
		}})
		devType = schema.MustResourceType(&schema.ResourceType{Name: "Device", Endpoint: "/Devices", Schema: dev})
	})
}

// UserType returns the User resource type the suite uses: the core User
// schema with the Enterprise User extension and the suite's test extension
// (TestExtensionSchema). It is shared and read-only.
func UserType() *schema.ResourceType { initTypes(); return userType }

// GroupType returns the Group resource type the suite uses
// (schema.GroupResourceType). It is shared and read-only.
func GroupType() *schema.ResourceType { initTypes(); return groupType }

// DeviceType returns a resource type that is neither User nor Group, with
// a unique "serial" attribute and a unique dateTime "commissioned". It is shared and read-only.
func DeviceType() *schema.ResourceType { initTypes(); return devType }

// TypicalUser returns the i-th "typical user" of the benchmarks: userName,
// name, displayName, active, two emails (work primary, home) and the
// Enterprise User extension (employeeNumber, department, costCenter,
// manager). Its JSON representation is about 600 bytes. It is valid for
// both UserType and schema.UserResourceType.
func TypicalUser(i int) *schema.Resource {
	given, family := firstNames[i%len(firstNames)], lastNames[(i/len(firstNames))%len(lastNames)]
	login := fmt.Sprintf("%s.%s%d", lower(given), lower(family), i)
	return &schema.Resource{
		ExternalID: fmt.Sprintf("00u%017d", i),
		Schemas:    []string{schema.UserSchema, schema.EnterpriseUserSchema},
		Attrs: map[string]any{
			"userName":    login + "@example.com",
			"name":        map[string]any{"givenName": given, "familyName": family, "formatted": given + " " + family},
			"displayName": given + " " + family,
			"active":      true,
			"emails": []any{
				map[string]any{"value": login + "@example.com", "type": "work", "primary": true},
				map[string]any{"value": login + "@home.example.org", "type": "home"},
			},
			schema.EnterpriseUserSchema: map[string]any{
				"employeeNumber": fmt.Sprintf("%06d", i),
				"department":     departments[i%len(departments)],
				"costCenter":     fmt.Sprintf("CC-%03d", i%97),
				"manager":        map[string]any{"value": fmt.Sprintf("mgr-%d", i%50)},
			},
		},
	}
}

var (
	firstNames  = []string{"Barbara", "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Élodie", "Søren", "Zoë", "Åsa", "Jürgen", "Ægir"}
	lastNames   = []string{"Jensen", "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Müller", "Øvergård", "Çelik"}
	departments = []string{"Engineering", "Sales", "Marketing", "Finance", "Legal", "Support", "Operations"}
)

func lower(s string) string { return fold(s) }
