package filter

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scimkit/schema"
)

const entURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// parseCases are valid filters and the trees they parse to. The first
// group is RFC 7644 §3.4.2.2's examples, verbatim.
var parseCases = []struct {
	in   string
	want Expr
}{
	{`userName eq "bjensen"`, cmpx("userName", Eq, "bjensen")},
	{`name.familyName co "O'Malley"`, cmpx("name.familyName", Co, "O'Malley")},
	{`userName sw "J"`, cmpx("userName", Sw, "J")},
	{`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`, cmpx("urn:ietf:params:scim:schemas:core:2.0:User:userName", Sw, "J")},
	{`title pr`, pr("title")},
	{`meta.lastModified gt "2011-05-13T04:42:34Z"`, cmpx("meta.lastModified", Gt, "2011-05-13T04:42:34Z")},
	{`meta.lastModified ge "2011-05-13T04:42:34Z"`, cmpx("meta.lastModified", Ge, "2011-05-13T04:42:34Z")},
	{`meta.lastModified lt "2011-05-13T04:42:34Z"`, cmpx("meta.lastModified", Lt, "2011-05-13T04:42:34Z")},
	{`meta.lastModified le "2011-05-13T04:42:34Z"`, cmpx("meta.lastModified", Le, "2011-05-13T04:42:34Z")},
	{`title pr and userType eq "Employee"`, and(pr("title"), cmpx("userType", Eq, "Employee"))},
	{`title pr or userType eq "Intern"`, or(pr("title"), cmpx("userType", Eq, "Intern"))},
	{`schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`, cmpx("schemas", Eq, entURN)},
	{`userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`,
		and(cmpx("userType", Eq, "Employee"), or(cmpx("emails", Co, "example.com"), cmpx("emails.value", Co, "example.org")))},
	{`userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`,
		and(cmpx("userType", Ne, "Employee"), not(or(cmpx("emails", Co, "example.com"), cmpx("emails.value", Co, "example.org"))))},
	{`userType eq "Employee" and (emails.type eq "work")`, and(cmpx("userType", Eq, "Employee"), cmpx("emails.type", Eq, "work"))},
	{`userType eq "Employee" and emails[type eq "work" and value co "@example.com"]`,
		and(cmpx("userType", Eq, "Employee"), vp("emails", and(cmpx("type", Eq, "work"), cmpx("value", Co, "@example.com"))))},
	{`emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`,
		or(vp("emails", and(cmpx("type", Eq, "work"), cmpx("value", Co, "@example.com"))), vp("ims", and(cmpx("type", Eq, "xmpp"), cmpx("value", Co, "@foo.com"))))},

	// What Okta and Entra send.
	{`userName eq "test.user@okta.local"`, cmpx("userName", Eq, "test.user@okta.local")},
	{`externalId eq "00u1abcd2EFGH3ijk4l5"`, cmpx("externalId", Eq, "00u1abcd2EFGH3ijk4l5")},
	{`displayName eq "Test Group"`, cmpx("displayName", Eq, "Test Group")},
	{`id eq "2819c223-7f76-453a-919d-413861904646"`, cmpx("id", Eq, "2819c223-7f76-453a-919d-413861904646")},
	{`id eq "g1" and members[value eq "u1"]`, and(cmpx("id", Eq, "g1"), vp("members", cmpx("value", Eq, "u1")))},
	{`emails[type eq "work"].value eq "bjensen@example.com"`, vp("emails", and(cmpx("type", Eq, "work"), cmpx("value", Eq, "bjensen@example.com")))},
	{`externalId eq jyoung`, cmpx("externalId", Eq, "jyoung")},
	{entURN + `:employeeNumber eq "701984"`, cmpx(entURN+":employeeNumber", Eq, "701984")},
	{entURN + `:manager.value eq "26118915"`, cmpx(entURN+":manager.value", Eq, "26118915")},
	{`members.$ref pr`, pr("members.$ref")},

	// Case, spacing, precedence.
	{`userName EQ "x"`, cmpx("userName", Eq, "x")},
	{`USERNAME Eq "x"`, cmpx("USERNAME", Eq, "x")},
	{`title PR AND userType eq "a" OR NOT (userType Ne "b")`, or(and(pr("title"), cmpx("userType", Eq, "a")), not(cmpx("userType", Ne, "b")))},
	{"  userName\teq   \"x\"  ", cmpx("userName", Eq, "x")},
	{`userName eq"x"and(title pr)`, and(cmpx("userName", Eq, "x"), pr("title"))},
	{`not(title pr)`, not(pr("title"))},
	{`a pr or b pr and c pr`, or(pr("a"), and(pr("b"), pr("c")))},
	{`a pr and b pr or c pr`, or(and(pr("a"), pr("b")), pr("c"))},
	{`a pr and b pr and c pr`, and(and(pr("a"), pr("b")), pr("c"))},
	{`a pr and (b pr and c pr)`, and(pr("a"), and(pr("b"), pr("c")))},
	{`a pr or (b pr or c pr)`, or(pr("a"), or(pr("b"), pr("c")))},
	{`(a pr or b pr) and c pr`, and(or(pr("a"), pr("b")), pr("c"))},
	{`((a pr))`, pr("a")},
	{`emails[not (type eq "work") and (value co "x" or primary eq true)]`,
		vp("emails", and(not(cmpx("type", Eq, "work")), or(cmpx("value", Co, "x"), cmpx("primary", Eq, true))))},
	{`emails[type eq "a" or type eq "b"].value co "x"`, vp("emails", and(or(cmpx("type", Eq, "a"), cmpx("type", Eq, "b")), cmpx("value", Co, "x")))},
	{`emails [ type eq "a" ] and x pr`, and(vp("emails", cmpx("type", Eq, "a")), pr("x"))},
	{`not eq "x"`, cmpx("not", Eq, "x")}, // an attribute named "not"

	// Values.
	{`active eq true`, cmpx("active", Eq, true)},
	{`active eq FALSE`, cmpx("active", Eq, false)},
	{`title eq null`, cmpx("title", Eq, nil)},
	{`x eq 42`, cmpx("x", Eq, int64(42))},
	{`x eq -42`, cmpx("x", Eq, int64(-42))},
	{`x eq 0`, cmpx("x", Eq, int64(0))},
	{`x eq 4.5`, cmpx("x", Eq, 4.5)},
	{`x eq -0.5e-3`, cmpx("x", Eq, -0.0005)},
	{`x eq 1E3`, cmpx("x", Eq, 1000.0)},
	{`x eq 9223372036854775807`, cmpx("x", Eq, int64(9223372036854775807))},
	{`x eq -9223372036854775808`, cmpx("x", Eq, int64(-9223372036854775808))},
	{`x eq 12345678901234567890.0`, cmpx("x", Eq, 12345678901234567890.0)},
	{`x eq "a\"b"`, cmpx("x", Eq, `a"b`)},
	{`x eq "a\\b\/c\b\f\n\r\t"`, cmpx("x", Eq, "a\\b/c\b\f\n\r\t")},
	{`x eq "J\u00e9r\u00C9me"`, cmpx("x", Eq, "JérÉme")},
	{`x eq "\ud83d\ude00"`, cmpx("x", Eq, "😀")},
	{`x eq "\ud83d"`, cmpx("x", Eq, "\uFFFD")},
	{`x eq "😀 ß İ"`, cmpx("x", Eq, "😀 ß İ")},
	{`x eq ""`, cmpx("x", Eq, "")},
	{`x eq "a]b" and y eq "(c)"`, and(cmpx("x", Eq, "a]b"), cmpx("y", Eq, "(c)"))},
	{`x eq "and" or y eq "or"`, or(cmpx("x", Eq, "and"), cmpx("y", Eq, "or"))},
	{`x eq 00u1abc`, cmpx("x", Eq, "00u1abc")},
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if diff := cmp.Diff(tc.want, got, treeOpts); diff != "" {
				t.Errorf("Parse(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

// TestParseLibraryAgrees checks that the fast path and the value-filter
// shortcut build the same trees as filter-parser.
func TestParseLibraryAgrees(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseLibrary(tc.in)
			if err != nil {
				t.Fatalf("parseLibrary(%q): %v", tc.in, err)
			}
			if diff := cmp.Diff(tc.want, got, treeOpts); diff != "" {
				t.Errorf("parseLibrary(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestStringRoundTrip(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.in, func(t *testing.T) {
			s := tc.want.String()
			got, err := Parse(s)
			if err != nil {
				t.Fatalf("Parse(String() = %q): %v", s, err)
			}
			if diff := cmp.Diff(tc.want, got, treeOpts); diff != "" {
				t.Errorf("Parse(%q) (-want +got):\n%s", s, diff)
			}
			if again := got.String(); again != s {
				t.Errorf("String not canonical: %q then %q", s, again)
			}
		})
	}
}

func TestStringCanonical(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`userName EQ "x"`, `userName eq "x"`},
		{`title PR AND userType eq "a" OR NOT (userType Ne "b")`, `title pr and userType eq "a" or not (userType ne "b")`},
		{`(a pr or b pr) and c pr`, `(a pr or b pr) and c pr`},
		{`a pr and (b pr and c pr)`, `a pr and (b pr and c pr)`},
		{`((a pr)) or (b pr)`, `a pr or b pr`},
		{`x eq 1E3`, `x eq 1000.0`},
		{`x eq "\u00e9\n\u0001"`, `x eq "é\n\u0001"`},
		{`emails[type eq "work"].value eq "x"`, `emails[type eq "work" and value eq "x"]`},
		{`externalId eq jyoung`, `externalId eq "jyoung"`},
	} {
		e, err := Parse(tc.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.in, err)
		}
		if got := e.String(); got != tc.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// parseErrors are invalid filters and a fragment the error detail must
// contain.
var parseErrors = []struct{ in, detail string }{
	{``, "empty"},
	{`   `, "empty"},
	{`userName`, "position 9: expected an operator"},
	{`userName eq`, `position 12: expected a comparison value`},
	{`userName eqq "x"`, `unknown operator "eqq"`},
	{`userName = "x"`, `unknown operator "="`},
	{`userName eq "x`, `position 13: string has no closing '"'`},
	{`userName eq "a\x"`, `invalid escape \x`},
	{`userName eq "\u00g1"`, `4 hexadecimal digits`},
	{"userName eq \"a\tb\"", "control character U+0009"},
	{"userName eq \"\xff\"", "not valid UTF-8"},
	{`userName eq "x" and`, "found the end of the filter"},
	{`userName eq "x" userName eq "y"`, `expected "and", "or" or the end of the filter, found "userName"`},
	{`title eq Tour Guide`, `found "Guide" (string values must be in double quotes)`},
	{`(userName eq "x"`, `missing ")" to close the "(" at position 1`},
	{`userName eq "x")`, `")" without a matching "("`},
	{`not userName eq "x"`, `expected "(" after "not", found "userName"`},
	{`not (title pr`, `missing ")"`},
	{`emails[type eq "work"`, `missing "]" to close the "[" at position 7`},
	{`emails[type eq "work"]]`, `"]" without a matching "["`},
	{`emails[]`, "empty value filter"},
	{`emails[type[value eq "x"]]`, "cannot be nested"},
	{`emails.type[value eq "x"]`, "not to the sub-attribute"},
	{`emails[type eq "work"].va!ue eq "x"`, "not a valid sub-attribute name"},
	{`1abc eq "x"`, `"1abc" is not a valid attribute name`},
	{`a.b.c eq "x"`, "more than one '.'"},
	{`urn:a::b eq "x"`, "empty segment"},
	{`urn:a_b:c eq "x"`, "only letters, digits"},
	{`urn:x: eq "x"`, "an attribute name must follow"},
	{`x eq 12345678901234567890`, "out of range"},
	{`x eq 1e999`, "out of range"},
	{`"x" eq "y"`, `expected an attribute path, "not" or "(", found the string "x"`},
	{`x eq (`, `expected a comparison value`},
	{`x eq "1" and ()`, `found ")"`},
	{`userName eq "é" and ñ`, "position 21"},
}

func TestParseErrors(t *testing.T) {
	for _, tc := range parseErrors {
		t.Run(tc.in, func(t *testing.T) {
			_, err := Parse(tc.in)
			checkError(t, err, schema.ErrInvalidFilter, tc.detail)
			_, err = parseLibrary(tc.in)
			checkError(t, err, schema.ErrInvalidFilter, tc.detail)
		})
	}
}

func checkError(t *testing.T, err error, want *schema.Error, detail string) {
	t.Helper()
	var se *schema.Error
	if !errors.Is(err, want) || !errors.As(err, &se) {
		t.Fatalf("error = %v, want a *schema.Error %s", err, want.ScimType)
	}
	if se.Status != 400 || !strings.Contains(se.Detail, detail) {
		t.Errorf("detail = %q (status %d), want 400 and %q", se.Detail, se.Status, detail)
	}
}

func TestLimits(t *testing.T) {
	deep := strings.Repeat("(", 40) + "a pr" + strings.Repeat(")", 40)
	nots := strings.Repeat("not (", 40) + "a pr" + strings.Repeat(")", 40)
	long := `userName eq "` + strings.Repeat("x", 5000) + `"`
	chain := "a pr" + strings.Repeat(" and a pr", 250)
	for _, tc := range []struct {
		name   string
		lim    Limits
		in     string
		detail string
	}{
		{"length", Limits{}, long, "the limit is 4096 bytes"},
		{"custom length", Limits{MaxLength: 10}, `userName eq "x"`, "the limit is 10 bytes"},
		{"parens", Limits{}, deep, "more than 32 levels"},
		{"not", Limits{}, nots, "more than 32 levels"},
		{"custom depth", Limits{MaxDepth: 1}, `emails[type eq "a" or (value pr)]`, "more than 1 levels"},
		{"terms", Limits{}, chain, "more than 200 comparisons"},
		{"custom terms", Limits{MaxTerms: 2}, `a pr and emails[b pr and c pr]`, "more than 2 comparisons"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.lim.Parse(tc.in)
			checkError(t, err, schema.ErrInvalidFilter, tc.detail)
		})
	}
	ok := strings.Repeat("(", 31) + "a pr" + strings.Repeat(")", 31)
	if _, err := Parse(ok); err != nil {
		t.Errorf("31 levels: %v", err)
	}
	ok = "a pr" + strings.Repeat(" or a pr", 199)
	if _, err := Parse(ok); err != nil {
		t.Errorf("200 terms: %v", err)
	}
}
