package filter

import (
	"testing"

	"github.com/scimkit/scimkit/schema"
)

// matchCases are evaluated against fullUser (RFC 7643 §8.2 plus the
// enterprise extension of §8.3).
var matchCases = []struct {
	in   string
	want bool
}{
	// RFC 7644 §3.4.2.2 examples.
	{`userName eq "bjensen"`, false},
	{`userName eq "bjensen@example.com"`, true},
	{`name.familyName co "O'Malley"`, false},
	{`name.familyName co "ens"`, true},
	{`userName sw "J"`, false},
	{`userName sw "B"`, true},
	{`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "b"`, true},
	{`title pr`, true},
	{`meta.lastModified gt "2011-05-13T04:42:34Z"`, false},
	{`meta.lastModified ge "2011-05-13T04:42:34Z"`, true},
	{`meta.lastModified lt "2011-05-13T04:42:34Z"`, false},
	{`meta.lastModified le "2011-05-13T04:42:34Z"`, true},
	{`title pr and userType eq "Employee"`, true},
	{`title pr or userType eq "Intern"`, true},
	{`schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`, true},
	{`userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`, true},
	{`userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`, false},
	{`userType eq "Employee" and (emails.type eq "work")`, true},
	{`userType eq "Employee" and emails[type eq "work" and value co "@example.com"]`, true},
	{`emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`, true},

	// Case rules: userName is not caseExact, id and externalId are.
	{`USERNAME eq "BJENSEN@EXAMPLE.COM"`, true},
	{`userName EQ "bJensen@Example.com"`, true},
	{`id eq "2819C223-7F76-453A-919D-413861904646"`, false},
	{`id eq "2819c223-7f76-453a-919d-413861904646"`, true},
	{`externalId eq "701984"`, true},
	{`meta.resourceType eq "user"`, false}, // caseExact
	{`meta.resourceType eq "User"`, true},
	{`meta.version eq "W/\"a330bc54f0671c9\""`, true},
	{`meta.location sw "https://example.com/v2/Users/"`, true},
	{`meta.created lt "2010-01-23T05:56:22+01:00"`, false}, // same instant
	{`meta.created eq "2010-01-23T05:56:22+01:00"`, true},
	{`meta.created eq "2010-01-23T04:56:22.000Z"`, true},
	{`meta pr`, true},
	{`displayName gt "babs"`, true},
	{`displayName gt "BABS JENSEN"`, false},
	{`displayName ge "BABS JENSEN"`, true},
	{`displayName lt "c"`, true},
	{`displayName le "Babs"`, false},
	{`displayName ew "JENSEN"`, true},

	// Multi-valued.
	{`emails eq "babs@jensen.org"`, true},
	{`emails co "JENSEN"`, true},
	{`emails.type eq "home"`, true},
	{`emails.type eq "other"`, false},
	{`emails.type ne "other"`, true},
	{`emails.type ne "home"`, false}, // ne is not(eq)
	{`emails[type eq "home" and primary eq true]`, false},
	{`emails[type eq "work" and primary eq true]`, true},
	{`emails[type eq "home" and not (primary eq true)]`, true},
	{`emails[type eq "work"].value eq "bjensen@example.com"`, true},
	{`emails[type eq "home"].value eq "bjensen@example.com"`, false},
	{`emails[primary pr]`, true},
	{`phoneNumbers[type eq "mobile" and value sw "555-555-4"]`, true},
	{`addresses.locality eq "hollywood"`, true},
	{`addresses[type eq "home"].postalCode gt "9"`, true},
	{`groups.display eq "us employees"`, true},
	{`groups[display co "guide"]`, true},
	{`emails pr`, true},
	{`entitlements pr`, false},
	{`x509Certificates pr`, true},
	{`schemas eq "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER"`, false}, // schemas is caseExact

	// Absent attributes.
	{`nickName eq "Babs"`, true},
	{`profileUrl pr`, true},
	{`roles pr`, false},
	{`roles.value eq "x"`, false},
	{`roles.value ne "x"`, true},
	{`name.middleName pr`, true},
	{`name.honorificPrefix eq "ms."`, true},
	{`ims.display pr`, false},
	{`title eq null`, false},
	{`title ne null`, true},
	{`roles eq null`, true},
	{`roles ne null`, false},
	{`not (roles pr)`, true},

	// Typed comparisons.
	{`active eq true`, true},
	{`active eq false`, false},
	{`active ne false`, true},
	{`active eq "TRUE"`, true},
	{`active eq "false"`, false},
	{`emails.primary eq true`, true},

	// Extension attributes, qualified or not.
	{entURN + `:employeeNumber eq "701984"`, true},
	{`employeeNumber eq "701984"`, true},
	{entURN + `:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`, true},
	{`manager.displayName eq "john smith"`, true},
	{entURN + `:manager eq "26118915-6090-4610-87e4-49d8ca9f808d"`, true},
	{entURN + `:manager[value sw "2611"]`, true},
	{`urn:ietf:params:scim:schemas:extension:Enterprise:2.0:user:Department eq "TOUR OPERATIONS"`, true},
	{entURN + `:costCenter gt "4000"`, true},
	{entURN + `:division pr and not (` + entURN + `:organization eq "Universal Studios")`, false},
}

func TestMatch(t *testing.T) {
	rt := schema.UserResourceType()
	user := fullUser(t)
	for _, tc := range matchCases {
		t.Run(tc.in, func(t *testing.T) {
			e, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			b, err := Bind(rt, e)
			if err != nil {
				t.Fatalf("Bind: %v", err)
			}
			if got := Match(rt, b, user); got != tc.want {
				t.Errorf("Match(%s) = %v, want %v", b, got, tc.want)
			}
			// ne is not(eq): both spellings agree.
			if got := Match(rt, &Not{X: b}, user); got == tc.want {
				t.Errorf("Match(not (%s)) = %v, want %v", b, got, !tc.want)
			}
		})
	}
}

func TestMatchEmptyResource(t *testing.T) {
	rt := schema.UserResourceType()
	empty := &schema.Resource{}
	blank := &schema.Resource{Attrs: map[string]any{
		"title": "", "emails": []any{}, "name": map[string]any{"givenName": ""}, "nickName": nil,
		"phoneNumbers": []any{map[string]any{"value": ""}},
	}}
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{`title pr`, false},
		{`emails pr`, false},
		{`name pr`, false},
		{`name.givenName pr`, false},
		{`nickName pr`, false},
		{`phoneNumbers pr`, false},
		{`phoneNumbers.value pr`, false},
		{`title eq ""`, true},
		{`title ne "x"`, true},
		{`id pr`, false},
		{`meta pr`, false},
		{`meta.created pr`, false},
		{`meta.created gt "2000-01-01T00:00:00Z"`, false},
		{`employeeNumber pr`, false},
		{`title eq null`, true},
	} {
		e, err := Parse(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Bind(rt, e)
		if err != nil {
			t.Fatalf("Bind(%s): %v", tc.in, err)
		}
		for _, r := range []*schema.Resource{empty, blank} {
			if tc.in == `title eq ""` && r == empty {
				continue // absent: false
			}
			if got := Match(rt, b, r); got != tc.want {
				t.Errorf("Match(%s) on %v = %v, want %v", tc.in, r.Attrs, got, tc.want)
			}
		}
	}
}

// TestMatchTypes covers integer, decimal, dateTime, binary and reference
// attributes of a custom schema.
func TestMatchTypes(t *testing.T) {
	s := schema.MustSchema(&schema.Schema{ID: "urn:example:schemas:Device", Attributes: []*schema.Attribute{
		{Name: "name"},
		{Name: "serial", CaseExact: true},
		{Name: "count", Type: schema.Integer},
		{Name: "ratio", Type: schema.Decimal},
		{Name: "seen", Type: schema.DateTime},
		{Name: "blob", Type: schema.Binary},
		{Name: "home", Type: schema.Reference, ReferenceTypes: []string{"external"}},
		{Name: "tags", MultiValued: true},
		{Name: "scores", Type: schema.Integer, MultiValued: true},
	}})
	rt := schema.MustResourceType(&schema.ResourceType{Name: "Device", Endpoint: "/Devices", Schema: s})
	r := &schema.Resource{Attrs: map[string]any{
		"name": "Straße İstanbul 😀", "serial": "AbC", "count": int64(42), "ratio": 0.5,
		"seen": "2024-02-29T12:00:00+02:00", "blob": "QUJD", "home": "https://Example.com/x",
		"tags": []any{"Red", "green"}, "scores": []any{int64(1), int64(10)},
	}}
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{`count eq 42`, true},
		{`count eq 42.0`, true},
		{`count gt 41.5`, true},
		{`count ge 43`, false},
		{`count eq "42"`, true},
		{`count lt 1e3`, true},
		{`ratio eq 0.5`, true},
		{`ratio gt 0`, true},
		{`ratio le -1`, false},
		{`ratio eq "0.5"`, true},
		{`seen eq "2024-02-29T10:00:00Z"`, true},
		{`seen gt "2024-02-29T10:00:00.001Z"`, false},
		{`seen lt "2024-03-01T00:00:00"`, true},
		{`blob eq "QUJD"`, true},
		{`blob eq "qujd"`, false},
		{`home sw "https://example.com"`, true},
		{`serial eq "abc"`, false},
		{`serial eq "AbC"`, true},
		{`serial gt "AB"`, true},
		{`serial co "B"`, false},
		{`serial co "b"`, true},
		{`tags eq "red"`, true},
		{`tags[value eq "GREEN"]`, true},
		{`tags[value sw "b"]`, false},
		{`scores gt 5`, true},
		{`scores lt 1`, false},
		{`scores[value eq 10]`, true},
		{`name co "straße"`, true},
		{`name co "STRASSE"`, false},
		{`name co "ẞ"`, true},
		{`name sw "STRASSE"`, false},
		{`name co "istanbul"`, true},
		{`name co "ıstanbul"`, false},
		{`name ew "😀"`, true},
		{`name eq "straße İstanbul 😀"`, true},
		{`name eq "STRAẞE iSTANBUL 😀"`, true},
		{`name co "e\u0301"`, false},
	} {
		e, err := Parse(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Bind(rt, e)
		if err != nil {
			t.Fatalf("Bind(%s): %v", tc.in, err)
		}
		if got := Match(rt, b, r); got != tc.want {
			t.Errorf("Match(%s) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestBindErrors(t *testing.T) {
	rt := schema.UserResourceType()
	for _, tc := range []struct{ in, detail string }{
		{`foo eq "x"`, `unknown attribute "foo"`},
		{`name.foo eq "x"`, `has no sub-attribute "foo"`},
		{`urn:example:nope:userName eq "x"`, `unknown schema "urn:example:nope"`},
		{`emails[foo eq "x"]`, `emails has no sub-attribute "foo"`},
		{`emails[type[value eq "x"]]`, "nested"},
		{`password eq "secret"`, "never returned"},
		{`active gt true`, "operator gt is not supported for attribute active of type boolean"},
		{`active co "t"`, "operator co is not supported"},
		{`active eq "yes"`, "compare it with true or false"},
		{`active eq 1`, "compare it with true or false"},
		{`x509Certificates.value gt "a"`, "type binary"},
		{`meta.lastModified co "2011"`, "operator co is not supported"},
		{`meta.lastModified gt "yesterday"`, "xsd:dateTime"},
		{`meta.lastModified gt 5`, "xsd:dateTime"},
		{`title gt null`, "null can only be compared with eq or ne"},
		{`name eq "Barbara"`, "is complex; compare one of its sub-attributes"},
		{`addresses co "x"`, "is complex"},
		{`userName[value eq "x"]`, "not a multi-valued or complex attribute"},
		{`emails[emails.type eq "work" and foo.type eq "x"]`, "must be a sub-attribute name"},
		{`schemas[type eq "x"]`, `can only compare "value"`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			e, err := Parse(tc.in)
			if err != nil {
				_, err2 := parseLibrary(tc.in)
				checkError(t, err2, schema.ErrInvalidFilter, tc.detail)
				return
			}
			_, err = Bind(rt, e)
			checkError(t, err, schema.ErrInvalidFilter, tc.detail)
		})
	}
}

func TestBindValues(t *testing.T) {
	rt := schema.UserResourceType()
	for _, tc := range []struct {
		in   string
		want any
	}{
		{`active eq "True"`, true},
		{`userName eq 42`, "42"},
		{`userName eq true`, "true"},
		{`emails.value eq 1.5`, "1.5"},
		{`meta.created gt "2011-05-13T04:42:34Z"`, "2011-05-13T04:42:34Z"},
	} {
		e, _ := Parse(tc.in)
		b, err := Bind(rt, e)
		if err != nil {
			t.Fatalf("Bind(%s): %v", tc.in, err)
		}
		if got := b.(*Compare).Value; got != tc.want {
			t.Errorf("Bind(%s).Value = %#v, want %#v", tc.in, got, tc.want)
		}
	}
	e, _ := Parse(`meta.created gt "2011-05-13T06:42:34+02:00"`)
	b, _ := Bind(rt, e)
	if tm, ok := b.(*Compare).Time(); !ok || tm.UTC().Format("15:04") != "04:42" {
		t.Errorf("Time() = %v, %v", tm, ok)
	}
	if _, err := Bind(rt, e); err != nil || e.(*Compare).b != nil {
		t.Errorf("Bind modified its input")
	}
}

func TestMatchValue(t *testing.T) {
	rt := schema.UserResourceType()
	ref, _ := rt.LookupPath("emails")
	p, err := ParsePath(`emails[type eq "WORK" and value ew "@example.com"].value`)
	if err != nil {
		t.Fatal(err)
	}
	f, err := BindValue(rt, ref, p.Filter)
	if err != nil {
		t.Fatal(err)
	}
	emails := fullUser(t).Attrs["emails"].([]any)
	if !MatchValue(f, emails[0]) || MatchValue(f, emails[1]) {
		t.Errorf("MatchValue = %v, %v; want true, false", MatchValue(f, emails[0]), MatchValue(f, emails[1]))
	}
	gref, _ := schema.GroupResourceType().LookupPath("members")
	mp, _ := ParsePath(`members[value eq "ABC"]`)
	mf, err := BindValue(schema.GroupResourceType(), gref, mp.Filter)
	if err != nil {
		t.Fatal(err)
	}
	if MatchValue(mf, map[string]any{"value": "abc"}) || !MatchValue(mf, map[string]any{"value": "ABC"}) {
		t.Error("members.value is caseExact")
	}
	sref, _ := rt.LookupPath("schemas")
	sf, err := BindValue(rt, sref, cmpx("value", Eq, entURN))
	if err != nil || !MatchValue(sf, entURN) {
		t.Errorf("simple multi-valued element: %v", err)
	}
}

// TestMatchAllocs asserts that a plain eq on a string attribute, the
// comparison IdPs send on every sync, does not allocate.
func TestMatchAllocs(t *testing.T) {
	rt := schema.UserResourceType()
	user := fullUser(t)
	for _, in := range []string{
		`userName eq "BJENSEN@example.com"`, `externalId eq "701984"`, `id eq "x"`,
		`emails[type eq "work"].value eq "bjensen@example.com"`, `meta.lastModified gt "2011-05-13T04:42:34Z"`,
		`active eq true`, entURN + `:employeeNumber eq "701984"`,
	} {
		e, _ := Parse(in)
		b, err := Bind(rt, e)
		if err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(100, func() { Match(rt, b, user) }); n != 0 {
			t.Errorf("Match(%s) allocates %v times, want 0", in, n)
		}
	}
}
