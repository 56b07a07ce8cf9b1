package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// RFC 7643 §5 and RFC 7644 §4: /ServiceProviderConfig.
func TestServiceProviderConfig(t *testing.T) { Each(t, testServiceProviderConfig) }

func testServiceProviderConfig(t *testing.T, b Backend) {
	s := b.Start(t)
	for _, p := range []string{"/ServiceProviderConfig", "/serviceproviderconfig", "/ServiceProviderConfig/"} {
		r := get(t, s, p)
		wantStatus(t, r, 200)
		m := r.JSON
		if !hasString(m["schemas"], "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig") {
			t.Errorf("%s: schemas %v", p, m["schemas"])
		}
		for _, k := range []string{"patch.supported", "bulk.supported", "filter.supported", "changePassword.supported", "sort.supported", "etag.supported"} {
			if _, ok := Get(m, k).(bool); !ok {
				t.Errorf("%s: %s is %v, want a boolean (RFC 7643 §5)", p, k, Get(m, k))
			}
		}
		for _, k := range []string{"bulk.maxOperations", "bulk.maxPayloadSize", "filter.maxResults"} {
			if Int(m, k) < 0 {
				t.Errorf("%s: %s is %v, want an integer", p, k, Get(m, k))
			}
		}
		if Get(m, "patch.supported") != true || Get(m, "filter.supported") != true || Get(m, "sort.supported") != true {
			t.Errorf("patch, filter and sort are supported: %s", r.Body)
		}
		schemes := asList(m["authenticationSchemes"])
		if len(schemes) == 0 {
			t.Fatalf("authenticationSchemes is empty: %s", r.Body)
		}
		for _, e := range schemes {
			as := e.(map[string]any)
			if Str(as, "type") == "" || Str(as, "name") == "" || Str(as, "description") == "" {
				t.Errorf("authentication scheme needs type, name and description (RFC 7643 §5): %v", as)
			}
		}
		if !strings.EqualFold(Str(schemes[0].(map[string]any), "type"), "oauthbearertoken") {
			t.Errorf("first scheme type = %q, want oauthbearertoken", Str(schemes[0].(map[string]any), "type"))
		}
		if Str(m, "meta.resourceType") != "ServiceProviderConfig" || Str(m, "meta.location") != s.URL+"/ServiceProviderConfig" {
			t.Errorf("meta = %v", m["meta"])
		}
		// RFC 9865 §4: pagination.
		if Get(m, "pagination.cursor") != true || Get(m, "pagination.index") != true {
			t.Errorf("pagination = %v", m["pagination"])
		}
	}
	// RFC 7644 §4: "An HTTP GET to this endpoint will return a JSON structure
	// ... filter ... SHALL be ignored" vs scimkit's 403: either is not a 5xx.
	r := get(t, s, filterQ("/ServiceProviderConfig", `patch.supported eq true`))
	if r.Status != 200 && r.Status != 403 && r.Status != 400 {
		t.Errorf("filter on ServiceProviderConfig: %d", r.Status)
	}
	// Writes on discovery endpoints are 405 with a SCIM error.
	for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		r := s.Do(t, Request{Method: m, Path: "/ServiceProviderConfig", Body: "{}"})
		wantError(t, r, 405, "")
	}
}

// attr finds an attribute definition by name in a schema representation.
func attr(attrs []any, name string) map[string]any {
	for _, e := range attrs {
		a := e.(map[string]any)
		if strings.EqualFold(Str(a, "name"), name) {
			return a
		}
	}
	return nil
}

// RFC 7643 §7 and §8.7: /Schemas lists User, Group and Enterprise User
// with their characteristics.
func TestSchemas(t *testing.T) { Each(t, testSchemas) }

func testSchemas(t *testing.T, b Backend) {
	s := b.Start(t)
	const user, group, ent = "urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:core:2.0:Group", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	r := get(t, s, "/Schemas")
	wantStatus(t, r, 200)
	if !hasString(r.JSON["schemas"], "urn:ietf:params:scim:api:messages:2.0:ListResponse") {
		t.Errorf("/Schemas is not a ListResponse: %v", r.JSON["schemas"])
	}
	byID := map[string]map[string]any{}
	for _, m := range r.Resources() {
		byID[Str(m, "id")] = m
	}
	if Int(r.JSON, "totalResults") != len(byID) {
		t.Errorf("totalResults %d, %d resources", Int(r.JSON, "totalResults"), len(byID))
	}
	for _, id := range []string{user, group, ent} {
		m := byID[id]
		if m == nil {
			t.Fatalf("/Schemas lacks %s", id)
		}
		if Str(m, "meta.resourceType") != "Schema" || Str(m, "meta.location") != s.URL+"/Schemas/"+id {
			t.Errorf("%s meta = %v", id, m["meta"])
		}
		if Str(m, "name") == "" {
			t.Errorf("%s has no name", id)
		}
		one := get(t, s, "/Schemas/"+id)
		wantStatus(t, one, 200)
		if Str(one.JSON, "id") != id {
			t.Errorf("GET /Schemas/%s: %s", id, one.Body)
		}
	}
	ua := asList(byID[user]["attributes"])
	checks := []struct {
		attrs      []any
		path, char string
		want       any
	}{
		{ua, "userName", "required", true},
		{ua, "userName", "uniqueness", "server"},
		{ua, "userName", "caseExact", false},
		{ua, "userName", "type", "string"},
		{ua, "password", "mutability", "writeOnly"},
		{ua, "password", "returned", "never"},
		{ua, "groups", "mutability", "readOnly"},
		{ua, "groups", "multiValued", true},
		{ua, "emails", "multiValued", true},
		{ua, "emails", "type", "complex"},
		{ua, "active", "type", "boolean"},
		{ua, "x509Certificates", "multiValued", true},
		{ua, "name", "type", "complex"},
		{asList(byID[group]["attributes"]), "displayName", "type", "string"},
		{asList(byID[group]["attributes"]), "members", "multiValued", true},
		{asList(byID[ent]["attributes"]), "manager", "type", "complex"},
		{asList(byID[ent]["attributes"]), "manager", "multiValued", false},
		{asList(byID[ent]["attributes"]), "employeeNumber", "type", "string"},
	}
	for _, c := range checks {
		a := attr(c.attrs, c.path)
		if a == nil {
			t.Errorf("attribute %s missing", c.path)
			continue
		}
		if got := a[c.char]; fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s.%s = %v, want %v", c.path, c.char, got, c.want)
		}
	}
	// Every attribute has the characteristics RFC 7643 §7 lists.
	for id, m := range byID {
		var walk func(prefix string, l []any)
		walk = func(prefix string, l []any) {
			for _, e := range l {
				a := e.(map[string]any)
				for _, k := range []string{"name", "type", "multiValued", "required", "mutability", "returned"} {
					if _, ok := a[k]; !ok {
						t.Errorf("%s %s%s lacks %q", id, prefix, Str(a, "name"), k)
					}
				}
				if Str(a, "type") == "string" {
					if _, ok := a["caseExact"]; !ok {
						t.Errorf("%s %s%s lacks caseExact", id, prefix, Str(a, "name"))
					}
				}
				if Str(a, "type") == "reference" && len(asList(a["referenceTypes"])) == 0 {
					t.Errorf("%s %s%s lacks referenceTypes", id, prefix, Str(a, "name"))
				}
				walk(prefix+Str(a, "name")+".", asList(a["subAttributes"]))
			}
		}
		walk("", asList(m["attributes"]))
	}
	wantError(t, get(t, s, "/Schemas/urn:nope"), 404, "")
}

// RFC 7643 §6 and RFC 7644 §4: /ResourceTypes.
func TestResourceTypes(t *testing.T) { Each(t, testResourceTypes) }

func testResourceTypes(t *testing.T, b Backend) {
	s := b.Start(t)
	r := get(t, s, "/ResourceTypes")
	wantStatus(t, r, 200)
	byName := map[string]map[string]any{}
	for _, m := range r.Resources() {
		byName[Str(m, "name")] = m
	}
	u, g := byName["User"], byName["Group"]
	if u == nil || g == nil {
		t.Fatalf("/ResourceTypes: %s", r.Body)
	}
	if Str(u, "endpoint") != "/Users" || Str(u, "schema") != "urn:ietf:params:scim:schemas:core:2.0:User" || Str(u, "id") != "User" {
		t.Errorf("User: %v", u)
	}
	if Str(g, "endpoint") != "/Groups" || Str(g, "schema") != "urn:ietf:params:scim:schemas:core:2.0:Group" {
		t.Errorf("Group: %v", g)
	}
	ext := asList(u["schemaExtensions"])
	if len(ext) != 1 || Str(ext[0].(map[string]any), "schema") != "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User" || Get(ext[0], "required") != false {
		t.Errorf("User schemaExtensions = %v", u["schemaExtensions"])
	}
	if !hasString(u["schemas"], "urn:ietf:params:scim:schemas:core:2.0:ResourceType") {
		t.Errorf("User schemas = %v", u["schemas"])
	}
	if Str(u, "meta.location") != s.URL+"/ResourceTypes/User" || Str(u, "meta.resourceType") != "ResourceType" {
		t.Errorf("User meta = %v", u["meta"])
	}
	for _, p := range []string{"/ResourceTypes/User", "/ResourceTypes/Group", "/resourcetypes/User"} {
		r := get(t, s, p)
		wantStatus(t, r, 200)
	}
	wantError(t, get(t, s, "/ResourceTypes/Nope"), 404, "")
}
