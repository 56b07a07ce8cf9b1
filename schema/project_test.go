package schema_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/scimkit/scimkit/schema"
)

var testMeta = schema.Meta{ResourceType: "User", Created: time.Date(2010, 1, 23, 4, 56, 22, 0, time.UTC),
	LastModified: time.Date(2011, 5, 13, 4, 42, 34, 0, time.UTC), Location: "/Users/2819c223", Version: `W/"1"`}

// storedUser is the RFC 7643 §8.3 user as a store would return it.
func storedUser(t testing.TB) (*schema.ResourceType, *schema.Resource) {
	t.Helper()
	rt := schema.UserResourceType()
	r, err := rt.Decode(fixture(t, "rfc7643-8.3.json"), schema.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r.ID, r.Meta = "2819c223", testMeta
	return rt, r
}

// keys lists the JSON members of p, extension members as "urn:...:name".
func keys(p *schema.Resource) []string {
	var out []string
	if p.ID != "" {
		out = append(out, "id")
	}
	if p.ExternalID != "" {
		out = append(out, "externalId")
	}
	if p.Meta != (schema.Meta{}) {
		out = append(out, "meta")
	}
	for k, v := range p.Attrs {
		if m, ok := v.(map[string]any); ok && k == schema.EnterpriseUserSchema {
			for sk := range m {
				out = append(out, "ent:"+sk)
			}
			continue
		}
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestProjectMembers(t *testing.T) {
	rt, r := storedUser(t)
	all := keys(r)
	without := func(drop ...string) []string {
		return slices.DeleteFunc(slices.Clone(all), func(s string) bool { return slices.Contains(drop, s) })
	}
	tests := []struct {
		name        string
		attrs, excl []string
		want        []string
	}{
		{"default drops never", nil, nil, without("password")},
		{"attributes=userName", []string{"userName"}, nil, []string{"id", "userName"}},
		{"attributes any case", []string{"USERNAME", "DisplayName"}, nil, []string{"displayName", "id", "userName"}},
		{"attributes=password is never returned", []string{"password"}, nil, []string{"id"}},
		{"attributes=meta", []string{"meta"}, nil, []string{"id", "meta"}},
		{"attributes=externalId", []string{"externalId"}, nil, []string{"externalId", "id"}},
		{"attributes=enterprise URN", []string{schema.EnterpriseUserSchema}, nil,
			[]string{"ent:costCenter", "ent:department", "ent:division", "ent:employeeNumber", "ent:manager", "ent:organization", "id"}},
		{"attributes=qualified extension attribute", []string{schema.EnterpriseUserSchema + ":EMPLOYEENUMBER"}, nil, []string{"ent:employeeNumber", "id"}},
		{"attributes=core-qualified", []string{schema.UserSchema + ":userName"}, nil, []string{"id", "userName"}},
		{"attributes unknown ignored", []string{"nope", "urn:x:y:z", "userName"}, nil, []string{"id", "userName"}},
		{"excluded=emails", nil, []string{"emails"}, without("password", "emails")},
		{"excluded=id is always returned", nil, []string{"id", "schemas"}, without("password")},
		{"excluded=meta,externalId", nil, []string{"meta", "externalId"}, without("password", "meta", "externalId")},
		{"excluded=enterprise URN", nil, []string{schema.EnterpriseUserSchema},
			without("password", "ent:costCenter", "ent:department", "ent:division", "ent:employeeNumber", "ent:manager", "ent:organization")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := rt.Project(r, tt.attrs, tt.excl)
			if diff := cmp.Diff(tt.want, keys(p)); diff != "" {
				t.Errorf("members (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(r.Schemas, p.Schemas); diff != "" {
				t.Errorf("schemas must always be returned (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProjectSubAttributes(t *testing.T) {
	rt, r := storedUser(t)
	tests := []struct {
		name        string
		attrs, excl []string
		attr        string
		want        any
	}{
		{"name.givenName", []string{"name.givenName"}, nil, "name", map[string]any{"givenName": "Barbara"}},
		{"Name.GivenName any case", []string{"Name.GivenName", "name.familyName"}, nil, "name",
			map[string]any{"givenName": "Barbara", "familyName": "Jensen"}},
		{"emails.value", []string{"emails.value"}, nil, "emails",
			[]any{map[string]any{"value": "bjensen@example.com"}, map[string]any{"value": "babs@jensen.org"}}},
		{"excluded emails.type", nil, []string{"emails.type", "emails.primary"}, "emails",
			[]any{map[string]any{"value": "bjensen@example.com"}, map[string]any{"value": "babs@jensen.org"}}},
		{"excluded name.formatted", nil, []string{"name.formatted", "name.middleName", "name.honorificPrefix", "name.honorificSuffix"}, "name",
			map[string]any{"givenName": "Barbara", "familyName": "Jensen"}},
		{"extension manager.value", []string{schema.EnterpriseUserSchema + ":manager.value"}, nil, schema.EnterpriseUserSchema,
			map[string]any{"manager": map[string]any{"value": "26118915-6090-4610-87e4-49d8ca9f808d"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := rt.Project(r, tt.attrs, tt.excl)
			if diff := cmp.Diff(tt.want, p.Attrs[tt.attr]); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.attr, diff)
			}
		})
	}
}

func TestProjectMeta(t *testing.T) {
	rt, r := storedUser(t)
	tests := []struct {
		name        string
		attrs, excl []string
		want        schema.Meta
	}{
		{"default", nil, nil, testMeta},
		{"attributes=meta.lastModified", []string{"meta.lastModified"}, nil, schema.Meta{LastModified: testMeta.LastModified}},
		{"excluded=meta.version", nil, []string{"meta.VERSION"}, func() schema.Meta { m := testMeta; m.Version = ""; return m }()},
		{"attributes=userName", []string{"userName"}, nil, schema.Meta{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, rt.Project(r, tt.attrs, tt.excl).Meta); diff != "" {
				t.Errorf("meta (-want +got):\n%s", diff)
			}
		})
	}
}

// TestProjectReturned checks returned:request and returned:always on a
// custom schema (RFC 7643 §7).
func TestProjectReturned(t *testing.T) {
	core := schema.MustSchema(&schema.Schema{ID: "urn:test:Thing", Attributes: []*schema.Attribute{
		{Name: "always", Returned: schema.ReturnedAlways},
		{Name: "onRequest", Returned: schema.ReturnedRequest},
		{Name: "plain"},
		{Name: "c", Type: schema.Complex, SubAttributes: []*schema.Attribute{
			{Name: "id", Returned: schema.ReturnedAlways}, {Name: "x"}, {Name: "hidden", Returned: schema.ReturnedNever}, {Name: "req", Returned: schema.ReturnedRequest},
		}},
	}})
	rt := schema.MustResourceType(&schema.ResourceType{Name: "Thing", Endpoint: "/Things", Schema: core})
	r := &schema.Resource{ID: "1", Attrs: map[string]any{"always": "a", "onRequest": "r", "plain": "p",
		"c": map[string]any{"id": "i", "x": "x", "hidden": "h", "req": "q"}}}
	tests := []struct {
		name        string
		attrs, excl []string
		want        map[string]any
	}{
		{"default", nil, nil, map[string]any{"always": "a", "plain": "p", "c": map[string]any{"id": "i", "x": "x"}}},
		{"attributes=plain", []string{"plain"}, nil, map[string]any{"always": "a", "plain": "p", "c": map[string]any{"id": "i"}}},
		{"attributes=onRequest", []string{"onRequest"}, nil, map[string]any{"always": "a", "onRequest": "r", "c": map[string]any{"id": "i"}}},
		{"attributes=c.req", []string{"c.req"}, nil, map[string]any{"always": "a", "c": map[string]any{"id": "i", "req": "q"}}},
		{"attributes=c", []string{"c"}, nil, map[string]any{"always": "a", "c": map[string]any{"id": "i", "x": "x"}}},
		{"attributes=c.hidden", []string{"c.hidden"}, nil, map[string]any{"always": "a", "c": map[string]any{"id": "i"}}},
		{"excluded=always,c", nil, []string{"always", "c"}, map[string]any{"always": "a", "plain": "p", "c": map[string]any{"id": "i"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := rt.Project(r, tt.attrs, tt.excl)
			if diff := cmp.Diff(tt.want, p.Attrs, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("attrs (-want +got):\n%s", diff)
			}
			if p.ID != "1" {
				t.Errorf("id = %q, want always returned", p.ID)
			}
		})
	}
}

func TestProjectGroupExcludeMembers(t *testing.T) {
	rt := schema.GroupResourceType()
	r, err := rt.Decode(fixture(t, "rfc7643-8.4.json"), schema.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := rt.Project(r, nil, []string{"members"})
	if diff := cmp.Diff(map[string]any{"displayName": "Tour Guides"}, p.Attrs); diff != "" {
		t.Errorf("excludedAttributes=members (-want +got):\n%s", diff)
	}
	if _, ok := r.Attrs["members"]; !ok {
		t.Error("Project modified its input")
	}
}

// TestProjectDefaultFastPath: without attributes or excludedAttributes,
// Project may return r as it is when nothing present is hidden; the result
// must equal the full projection's. A ResourceType not built by
// NewResourceType always takes the full path, which is the reference here.
func TestProjectDefaultFastPath(t *testing.T) {
	withPassword := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","password":"secret","emails":[{"value":"a@x"}]}`
	cases := map[string][]byte{"password": []byte(withPassword)}
	for name := range fixtureTypes() {
		cases[name] = fixture(t, name)
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			rt := fixtureTypes()[name]
			if rt == nil {
				rt = schema.UserResourceType()
			}
			full := &schema.ResourceType{Name: rt.Name, Endpoint: rt.Endpoint, Schema: rt.Schema, Extensions: rt.Extensions}
			r, err := rt.Decode(data, schema.DecodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want, err := full.Project(r, nil, nil).MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			got, err := rt.Project(r, nil, nil).MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("default projection (-full +fast):\n%s", diff)
			}
		})
	}
}

// TestDefaultTreatment: what DefaultTreatment says of a member is what
// Project(r, nil, nil) does to a resource holding only that member.
func TestDefaultTreatment(t *testing.T) {
	ext := schema.MustSchema(&schema.Schema{ID: "urn:example:params:scim:schemas:extension:t:2.0:User", Name: "T", Attributes: []*schema.Attribute{
		{Name: "plain", Type: schema.String},
		{Name: "asked", Type: schema.String, Returned: schema.ReturnedRequest},
		{Name: "secret", Type: schema.String, Returned: schema.ReturnedNever},
		{Name: "pin", Type: schema.String, Mutability: schema.WriteOnly},
		{Name: "key", Type: schema.Complex, SubAttributes: []*schema.Attribute{
			{Name: "id", Type: schema.String}, {Name: "secret", Type: schema.String, Returned: schema.ReturnedNever}}},
		{Name: "card", Type: schema.Complex, Returned: schema.ReturnedRequest, SubAttributes: []*schema.Attribute{
			{Name: "id", Type: schema.String, Returned: schema.ReturnedAlways}, {Name: "label", Type: schema.String}}},
		{Name: "badge", Type: schema.Complex, Returned: schema.ReturnedRequest, SubAttributes: []*schema.Attribute{
			{Name: "label", Type: schema.String}}},
	}})
	rt := schema.MustResourceType(&schema.ResourceType{Name: "User", Endpoint: "/Users", Schema: schema.User(),
		Extensions: []schema.Extension{{Schema: schema.EnterpriseUser()}, {Schema: ext}}})
	ent := rt.Extensions[0].Schema
	tests := []struct {
		s     *schema.Schema
		name  string
		value any
		want  schema.Treatment
	}{
		{rt.Schema, "userName", "bjensen", schema.Kept},
		{rt.Schema, "USERNAME", "bjensen", schema.Kept},
		{rt.Schema, "password", "t1meMa$heen", schema.Dropped},
		{rt.Schema, "emails", []any{map[string]any{"value": "b@example.com"}}, schema.Kept},
		{rt.Schema, "groups", []any{map[string]any{"value": "g1"}}, schema.Kept},
		{rt.Schema, "notInTheSchema", "x", schema.Kept},
		{rt.Schema, schema.UserSchema, map[string]any{"userName": "x"}, schema.Dropped},
		{rt.Schema, schema.EnterpriseUserSchema, map[string]any{"department": "x"}, schema.ExtensionContainer},
		{ent, "manager", map[string]any{"value": "m"}, schema.Kept},
		{ent, "notInTheSchema", "x", schema.Kept},
		{ext, "plain", "x", schema.Kept},
		{ext, "asked", "x", schema.Dropped},
		{ext, "secret", "x", schema.Dropped},
		{ext, "pin", "x", schema.Dropped},
		{ext, "key", map[string]any{"id": "k", "secret": "s"}, schema.Trimmed},
		{ext, "card", map[string]any{"id": "c", "label": "l"}, schema.Trimmed},
		{ext, "badge", map[string]any{"label": "l"}, schema.Dropped},
	}
	for _, tc := range tests {
		t.Run(tc.s.Name+"/"+tc.name, func(t *testing.T) {
			got, es := rt.DefaultTreatment(tc.s, tc.name)
			if got != tc.want {
				t.Fatalf("DefaultTreatment = %d, want %d", got, tc.want)
			}
			if (got == schema.ExtensionContainer) != (es != nil) {
				t.Errorf("extension schema %v for treatment %d", es, got)
			}
			attrs := map[string]any{tc.name: tc.value}
			if tc.s != rt.Schema {
				attrs = map[string]any{tc.s.ID: map[string]any{tc.name: tc.value, "__keep": "k"}}
			}
			p := rt.Project(&schema.Resource{Attrs: attrs}, nil, nil)
			out := p.Attrs
			if tc.s != rt.Schema {
				out, _ = p.Attrs[tc.s.ID].(map[string]any)
			}
			v, ok := out[tc.name]
			switch got {
			case schema.Kept, schema.ExtensionContainer:
				if !cmp.Equal(v, tc.value) {
					t.Errorf("Project kept %v, want %v unchanged", v, tc.value)
				}
			case schema.Dropped:
				if ok {
					t.Errorf("Project kept %v", v)
				}
			case schema.Trimmed:
				if !ok || cmp.Equal(v, tc.value) {
					t.Errorf("Project gave %v (present %v), want a trimmed %v", v, ok, tc.value)
				}
			}
		})
	}
}
