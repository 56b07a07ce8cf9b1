package scim

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/scimkit/scimkit/password"
	"github.com/scimkit/scimkit/patch"
)

// TestBadInput sends hostile and malformed requests: each must get its
// specified 4xx with a SCIM error body, and none a 5xx.
func TestBadInput(t *testing.T) {
	h := newTestHandler(t, Config{})
	uid := createUser(t, h, "victim")
	gid := createGroup(t, h, "victims")
	ops := func(n int) string {
		op := `{"op":"replace","path":"displayName","value":"x"}`
		return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + strings.TrimSuffix(strings.Repeat(op+",", n), ",") + `]}`
	}
	members := func(n int) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"value":"m%d"}`, i)
		}
		return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[` + b.String() + `]}]}`
	}
	user := func(extra string) string {
		return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"n` + fmt.Sprint(len(extra)) + `"` + extra + `}`
	}
	values := func(n int, f string) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, f, i)
		}
		return b.String()
	}
	long := strings.Repeat("x", 100000)
	deepFilter := strings.Repeat("(", 200) + `userName eq "x"` + strings.Repeat(")", 200)
	longFilter := `userName eq "` + strings.Repeat("a", 10000) + `"`
	manyTerms := strings.TrimSuffix(strings.Repeat(`userName eq "x" or `, 500), " or ")
	for _, tt := range []struct {
		name        string
		method      string
		target      string
		body        string
		contentType string
		want        int
		scimType    string
	}{
		{"malformed JSON", "POST", "/Users", `{"userName":`, "", 400, "invalidSyntax"},
		{"trailing garbage", "POST", "/Users", `{"userName":"a"} x`, "", 400, "invalidSyntax"},
		{"JSON array", "POST", "/Users", `[{"userName":"a"}]`, "", 400, "invalidSyntax"},
		{"JSON string", "POST", "/Users", `"hello"`, "", 400, "invalidSyntax"},
		{"empty body", "POST", "/Users", ``, "", 400, "invalidSyntax"},
		{"whitespace body", "POST", "/Users", "  \n", "", 400, "invalidSyntax"},
		{"deep JSON", "POST", "/Users", strings.Repeat(`{"a":`, 1000) + "1" + strings.Repeat("}", 1000), "", 400, "invalidSyntax"},
		{"deep JSON arrays", "PATCH", "/Users/" + uid, strings.Repeat("[", 100000), "", 400, "invalidSyntax"},
		{"huge body", "POST", "/Users", user(`,"displayName":"` + strings.Repeat("x", 3<<20) + `"`), "", 413, ""},
		{"10000 PATCH operations", "PATCH", "/Users/" + uid, ops(10000), "", 413, ""},
		{"20000 members in one op", "PATCH", "/Groups/" + gid, members(20000), "", 413, ""},
		{"text/plain", "POST", "/Users", user(""), "text/plain", 415, ""},
		{"form", "POST", "/Users", user(""), "application/x-www-form-urlencoded", 415, ""},
		{"xml", "PUT", "/Users/" + uid, user(""), "application/xml", 415, ""},
		{"bad media type", "PATCH", "/Users/" + uid, ops(1), "/;;", 415, ""},
		{"missing userName", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"displayName":"x"}`, "", 400, "invalidValue"},
		{"missing core schema", "POST", "/Users", `{"schemas":["urn:x"],"userName":"x"}`, "", 400, ""},
		{"active not boolean", "POST", "/Users", user(`,"active":"yes"`), "", 400, "invalidValue"},
		{"active object", "POST", "/Users", user(`,"active":{}`), "", 400, "invalidValue"},
		{"emails string", "POST", "/Users", user(`,"emails":{"value":[1,2]}`), "", 400, "invalidValue"},
		{"name array", "POST", "/Users", user(`,"name":[{"givenName":"a"},{"givenName":"b"}]`), "", 400, "invalidValue"},
		{"two primaries", "POST", "/Users", user(`,"emails":[{"value":"a@x","primary":true},{"value":"b@x","primary":true}]`), "", 400, "invalidValue"},
		{"bad dateTime", "POST", "/Users", user(`,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":["a","b"]}`), "", 400, "invalidValue"},
		{"NUL in userName", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"adm\u0000in"}`, "", 400, "invalidValue"},
		{"NUL in PATCH value", "PATCH", "/Users/" + uid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"userName","value":"a\u0000"}]}`, "", 400, "invalidValue"},
		{"PATCH no operations", "PATCH", "/Users/" + uid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[]}`, "", 400, ""},
		{"PATCH bad op", "PATCH", "/Users/" + uid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"move","path":"userName"}]}`, "", 400, ""},
		{"PATCH bad path", "PATCH", "/Users/" + uid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"emails[type eq","value":"x"}]}`, "", 400, "invalidPath"},
		{"PATCH id", "PATCH", "/Users/" + uid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"id","value":"new"}]}`, "", 400, "mutability"},
		{"PATCH remove required", "PATCH", "/Users/" + uid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"userName"}]}`, "", 400, ""},
		{"deeply nested filter", "GET", "/Users?filter=" + url.QueryEscape(deepFilter), "", "", 400, "invalidFilter"},
		{"huge filter", "GET", "/Users?filter=" + url.QueryEscape(longFilter), "", "", 400, "invalidFilter"},
		{"many filter terms", "GET", "/Users?filter=" + url.QueryEscape(manyTerms), "", "", 400, "invalidFilter"},
		{"garbage filter", "GET", "/Users?filter=" + url.QueryEscape(`)(][ eq eq "`), "", "", 400, "invalidFilter"},
		{"NUL in filter", "GET", "/Users?filter=" + url.QueryEscape("userName eq \"a\x00\""), "", "", 400, "invalidFilter"},
		{"filter gt on boolean", "GET", "/Users?filter=" + url.QueryEscape(`active gt true`), "", "", 400, "invalidFilter"},
		{"search deep JSON", "POST", "/Users/.search", strings.Repeat("[", 64), "", 400, "invalidSyntax"},
		{"NUL id", "GET", "/Users/a%00b", "", "", 404, ""},
		{"invalid UTF-8 id", "GET", "/Users/%ff%fe", "", "", 404, ""},
		{"long id", "GET", "/Users/" + strings.Repeat("x", 5000), "", "", 404, ""},
		{"100,000-byte userName", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + long + `"}`, "", 400, "invalidValue"},
		{"100,000-byte externalId", "POST", "/Users", user(`,"externalId":"` + long + `"`), "", 400, "invalidValue"},
		{"100,000-byte email", "POST", "/Users", user(`,"emails":[{"value":"` + long + `"}]`), "", 400, "invalidValue"},
		{"100,000-byte extension value", "PUT", "/Users/" + uid, user(`,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"` + long + `"}`), "", 400, "invalidValue"},
		{"100,000-byte PATCH value", "PATCH", "/Users/" + uid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"` + long + `"}]}`, "", 400, "invalidValue"},
		{"100,000-byte PATCH value map", "PATCH", "/Users/" + uid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"name":{"givenName":"` + long + `"}}}]}`, "", 400, "invalidValue"},
		{"100,000-byte group name", "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"` + long + `"}`, "", 400, "invalidValue"},
		{"10,001 emails", "POST", "/Users", user(`,"emails":[` + values(10001, `{"value":"u%d@x"}`) + `]`), "", 400, "invalidValue"},
		{"10,001 emails in PATCH", "PATCH", "/Users/" + uid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"emails","value":[` + values(10001, `{"value":"u%d@x"}`) + `]}]}`, "", 400, "invalidValue"},
		{"10,001 members in POST", "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"big","members":[` + values(10001, `{"value":"m%d"}`) + `]}`, "", 400, "invalidValue"},
		{"10,001 members in PUT", "PUT", "/Groups/" + gid, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"victims","members":[` + values(10001, `{"value":"m%d"}`) + `]}`, "", 400, "invalidValue"},
		{"12,000 members over two PATCH ops", "PATCH", "/Groups/" + gid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[` + values(6000, `{"value":"a%d"}`) + `]},{"op":"add","path":"members","value":[` + values(6000, `{"value":"b%d"}`) + `]}]}`, "", 400, "invalidValue"},
		{"100,000-byte password", "POST", "/Users", user(`,"password":"` + long + `"`), "", 400, "invalidValue"},
		{"invalid UTF-8 body", "POST", "/Users", "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":\"\xff\xfe\"}", "", 400, "invalidSyntax"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := request{method: tt.method, target: tt.target, body: tt.body, headers: map[string]string{}}
			if tt.contentType != "" {
				req.headers["Content-Type"] = tt.contentType
			}
			res := do(t, h, req)
			if res.code >= 500 || res.code != tt.want {
				t.Fatalf("status %d, want %d\n%.400s", res.code, tt.want, res.body)
			}
			if tt.want >= 400 {
				if res.json["status"] != fmt.Sprint(tt.want) || res.json["detail"] == "" {
					t.Errorf("error body %.400s", res.body)
				}
				if tt.scimType != "" && res.json["scimType"] != tt.scimType {
					t.Errorf("scimType %v, want %s: %.400s", res.json["scimType"], tt.scimType, res.body)
				}
			}
		})
	}
}

// TestUnknownAttributes: ignored by default (IdPs send extras), rejected
// by the strict dialect.
func TestUnknownAttributes(t *testing.T) {
	body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","shoeSize":42,"name":{"givenName":"a","middle":"b"}}`
	mustDo(t, newTestHandler(t, Config{}), request{method: "POST", target: "/Users", body: body}, 201)
	strict := newTestHandler(t, Config{Defaults: TenantConfig{Dialect: patch.DialectStrict}})
	res := mustDo(t, strict, request{method: "POST", target: "/Users", body: body}, 400)
	if res.json["scimType"] == nil {
		t.Errorf("%s", res.body)
	}
}

// TestDanglingMembers: member values that name nothing (made up, very
// long, odd characters) are left out by default and refused by the strict
// dialect, never a 5xx (TestMemberRefs has the details).
func TestDanglingMembers(t *testing.T) {
	h := newTestHandler(t, Config{})
	strict := newTestHandler(t, Config{Defaults: TenantConfig{Dialect: patch.DialectStrict}})
	for _, v := range []string{"does-not-exist", strings.Repeat("x", 10000), "../Users", "😀", `\"quoted\"`, "bulkId:nope-but-not-bulk"} {
		body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"g","members":[{"value":"` + v + `"}]}`
		res := mustDo(t, h, request{method: "POST", target: "/Groups", body: body}, 201)
		if res.json["members"] != nil {
			t.Errorf("%.20q: members %v", v, res.json["members"])
		}
		res = mustDo(t, strict, request{method: "POST", target: "/Groups", body: body}, 400)
		if res.json["scimType"] != "invalidValue" {
			t.Errorf("%.20q: strict %s", v, res.body)
		}
	}
}

// TestConfusables: userName uniqueness folds case, nothing else; a
// look-alike made of other code points is a different user.
func TestConfusables(t *testing.T) {
	h := newTestHandler(t, Config{})
	for _, tt := range []struct {
		userName string
		want     int
	}{
		{"admin", 201},
		{"ADMIN", 409},
		{"Admin", 409},
		{"аdmin", 201},       // Cyrillic а
		{"admin\u200b", 201}, // zero-width space
		{"ａｄｍｉｎ", 201},       // fullwidth
		{"İstanbul", 201},
		{"istanbul", 409},  // unicode.ToLower('İ') == 'i'
		{"i̇stanbul", 201}, // i + combining dot: not folded together
		{"ǅemal", 201},
		{"ǆemal", 409},
	} {
		res := do(t, h, request{method: "POST", target: "/Users", body: fmt.Sprintf(userBody, tt.userName)})
		if res.code != tt.want {
			t.Errorf("%q: %d, want %d: %s", tt.userName, res.code, tt.want, res.body)
		}
		if res.code == 201 && res.json["userName"] != tt.userName {
			t.Errorf("%q stored as %q", tt.userName, res.json["userName"])
		}
	}
}

// FuzzCreateUser posts arbitrary bodies: never a 5xx.
func FuzzCreateUser(f *testing.F) {
	for _, s := range []string{fmt.Sprintf(userBody, "a"), `{"userName":"a","emails":[{"value":"x","primary":"True"}]}`, `[`, `{"userName":1e999}`,
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"x"}}`,
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"d","emails":[{"value":"a@x","type":"work"},{"value":"A@X","type":"work","primary":true},{"value":"a@x"}]}`,
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"p","password":"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$x"}`} {
		f.Add(s)
	}
	// Small limits, so that the fuzzer reaches them; one tenant hashes passwords.
	h := newTestHandler(f, Config{MaxStringLength: 64, MaxValues: 4, MaxMembersPerRequest: 4,
		Defaults: TenantConfig{Password: password.Argon2id{Memory: 64, Time: 1}}})
	f.Fuzz(func(t *testing.T, body string) {
		if res := do(t, h, request{method: "POST", target: "/Users", body: body}); res.code >= 500 {
			t.Fatalf("%d: %s", res.code, res.body)
		}
	})
}

// FuzzPatch applies arbitrary PATCH bodies to a user and a group: never a 5xx.
func FuzzPatch(f *testing.F) {
	for _, s := range []string{
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`,
		`{"Operations":[{"op":"Add","path":"members","value":[{"value":"x"}]},{"op":"remove","path":"members[value eq \"x\"]"}]}`,
		`{"Operations":[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"a@b"}]}`,
		`{"Operations":[{"op":"replace","path":"emails","value":[{"value":"a@x","type":"work"},{"value":"A@x","type":"work","primary":true}]}]}`,
		`{"Operations":[{"op":"replace","value":{"password":"x","urn:ietf:params:scim:schemas:core:2.0:User:password":"y"}},{"op":"add","path":"password","value":""}]}`,
		`{"Operations":[{"op":"add","path":"members","value":[{"value":"1"},{"value":"2"},{"value":"3"}]},{"op":"remove","path":"members","value":[{"value":"4"},{"value":"5"}]}]}`,
	} {
		f.Add(s)
	}
	h := newTestHandler(f, Config{MaxStringLength: 64, MaxValues: 4, MaxMembersPerRequest: 4,
		Defaults: TenantConfig{Password: password.Argon2id{Memory: 64, Time: 1}}})
	uid := createUserTB(f, h, "fuzz")
	gid := mustDo(f, h, request{method: "POST", target: "/Groups", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"g"}`}, 201).json["id"].(string)
	f.Fuzz(func(t *testing.T, body string) {
		for _, target := range []string{"/Users/" + uid, "/Groups/" + gid} {
			if res := do(t, h, request{method: "PATCH", target: target, body: body}); res.code >= 500 {
				t.Fatalf("%s: %d: %s", target, res.code, res.body)
			}
		}
	})
}

func createUserTB(tb testing.TB, h *Handler, name string) string {
	return mustDo(tb, h, request{method: "POST", target: "/Users", body: fmt.Sprintf(userBody, name)}, 201).json["id"].(string)
}
