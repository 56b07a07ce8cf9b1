package filter

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/scimkit/scimkit/schema"
)

// Tree builders for expected parse results.

func ap(s string) AttrPath {
	p, msg := parseAttrPath(s)
	if msg != "" {
		panic(msg)
	}
	return p
}

func cmpx(path string, op Operator, v any) *Compare {
	return &Compare{Path: ap(path), Op: op, Value: v}
}
func pr(path string) *Compare           { return &Compare{Path: ap(path), Op: Pr} }
func and(l, r Expr) *Logical            { return &Logical{Op: "and", Left: l, Right: r} }
func or(l, r Expr) *Logical             { return &Logical{Op: "or", Left: l, Right: r} }
func not(x Expr) *Not                   { return &Not{X: x} }
func vp(path string, f Expr) *ValuePath { return &ValuePath{Path: ap(path), Filter: f} }

// treeOpts compares parsed (unbound) trees.
var treeOpts = cmp.Options{cmpopts.IgnoreUnexported(Compare{}, ValuePath{})}

// parseLibrary parses s on the general path only: filter-parser builds
// every group, even a single comparison.
func parseLibrary(s string) (Expr, error) {
	p := newParser(s, Limits{})
	p.noShort = true
	return p.group(tokEOF, token{})
}

// fullUser returns the full User representation of RFC 7643 §8.2, with
// the Enterprise User extension values of RFC 7643 §8.3.
func fullUser(t testing.TB) *schema.Resource {
	t.Helper()
	must := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	return &schema.Resource{
		ID:         "2819c223-7f76-453a-919d-413861904646",
		ExternalID: "701984",
		Schemas:    []string{schema.UserSchema, schema.EnterpriseUserSchema},
		Meta: schema.Meta{
			ResourceType: "User",
			Created:      must("2010-01-23T04:56:22Z"),
			LastModified: must("2011-05-13T04:42:34Z"),
			Version:      `W/"a330bc54f0671c9"`,
			Location:     "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
		},
		Attrs: map[string]any{
			"userName": "bjensen@example.com",
			"name": map[string]any{
				"formatted": "Ms. Barbara J Jensen, III", "familyName": "Jensen", "givenName": "Barbara",
				"middleName": "Jane", "honorificPrefix": "Ms.", "honorificSuffix": "III",
			},
			"displayName": "Babs Jensen",
			"nickName":    "Babs",
			"profileUrl":  "https://login.example.com/bjensen",
			"emails": []any{
				map[string]any{"value": "bjensen@example.com", "type": "work", "primary": true},
				map[string]any{"value": "babs@jensen.org", "type": "home"},
			},
			"addresses": []any{
				map[string]any{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood",
					"region": "CA", "postalCode": "91608", "country": "USA",
					"formatted": "100 Universal City Plaza\nHollywood, CA 91608 USA", "primary": true},
				map[string]any{"type": "home", "streetAddress": "456 Hollywood Blvd", "locality": "Hollywood",
					"region": "CA", "postalCode": "91608", "country": "USA",
					"formatted": "456 Hollywood Blvd\nHollywood, CA 91608 USA"},
			},
			"phoneNumbers": []any{
				map[string]any{"value": "555-555-5555", "type": "work"},
				map[string]any{"value": "555-555-4444", "type": "mobile"},
			},
			"ims": []any{map[string]any{"value": "someaimhandle", "type": "aim"}},
			"photos": []any{
				map[string]any{"value": "https://photos.example.com/profilephoto/72930000000Ccne/F", "type": "photo"},
				map[string]any{"value": "https://photos.example.com/profilephoto/72930000000Ccne/T", "type": "thumbnail"},
			},
			"userType":          "Employee",
			"title":             "Tour Guide",
			"preferredLanguage": "en-US",
			"locale":            "en-US",
			"timezone":          "America/Los_Angeles",
			"active":            true,
			"password":          "t1meMa$heen",
			"groups": []any{
				map[string]any{"value": "e9e30dba-f08f-4109-8486-d5c6a331660a", "$ref": "https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a", "display": "Tour Guides"},
				map[string]any{"value": "fc348aa8-3835-40eb-a20b-c726e15c55b5", "$ref": "https://example.com/v2/Groups/fc348aa8-3835-40eb-a20b-c726e15c55b5", "display": "Employees"},
				map[string]any{"value": "71ddacd2-a8e7-49b8-a5db-ae50d0a5bfd7", "$ref": "https://example.com/v2/Groups/71ddacd2-a8e7-49b8-a5db-ae50d0a5bfd7", "display": "US Employees"},
			},
			"x509Certificates": []any{map[string]any{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx"}},
			schema.EnterpriseUserSchema: map[string]any{
				"employeeNumber": "701984",
				"costCenter":     "4130",
				"organization":   "Universal Studios",
				"division":       "Theme Park",
				"department":     "Tour Operations",
				"manager": map[string]any{
					"value":       "26118915-6090-4610-87e4-49d8ca9f808d",
					"$ref":        "../Users/26118915-6090-4610-87e4-49d8ca9f808d",
					"displayName": "John Smith",
				},
			},
		},
	}
}
