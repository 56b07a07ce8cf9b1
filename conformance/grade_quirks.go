package conformance

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/scimkit/scimkit/filter"
)

// Quirk is a known IdP habit, documented with its sources in
// internal/idptest/testdata/QUIRKS.md under the same id.
type Quirk struct {
	// ID is the quirk's stable id, e.g. "Q-OKTA-PATHLESS-ACTIVE".
	ID string
	// Title says what the IdP does.
	Title string
	// IdPs are the IdPs whose shipped replays show the quirk.
	IdPs []string
	// Settings are the scimkit tenant settings an IdP with this quirk
	// needs; none means every dialect, strict included, serves it.
	Settings []string
	// IdPSetting, when set, is what the IdP's own configuration should
	// change.
	IdPSetting string
	// match reports whether a request shows the quirk; nil means the quirk
	// is documented but cannot be seen in a single request.
	match func(r *gradeRequest, devs []Deviation) bool
}

// Detectable reports whether GradeReplay can recognise the quirk in
// recorded requests.
func (q Quirk) Detectable() bool { return q.match != nil }

// Quirks returns the catalog of known quirks, in QUIRKS.md's order.
func Quirks() []Quirk { return slices.Clone(quirkCatalog) }

// Settings GradeReplay reports.
const (
	settingLenient      = "Dialect: default, okta or entra (DialectStrict refuses it)"
	settingUniqueGroups = "UniqueGroupNames (-unique-group-names): groups are matched by displayName, so a second group of that name must be refused"
	settingPatch200     = "PatchResponse: auto (200 with the resource for a User-Agent containing \"okta\") or PatchResponseResource behind a proxy that replaces the User-Agent; never PatchResponseNoContent"
)

func hasDev(devs []Deviation, id string) bool {
	return slices.ContainsFunc(devs, func(d Deviation) bool { return d.ID == id })
}

func devQuirk(id string) func(*gradeRequest, []Deviation) bool {
	return func(_ *gradeRequest, devs []Deviation) bool { return hasDev(devs, id) }
}

// anyOp reports whether one of r's PATCH operations satisfies fn.
func anyOp(fn func(o gradeOp) bool) func(*gradeRequest, []Deviation) bool {
	return func(r *gradeRequest, _ []Deviation) bool { return slices.ContainsFunc(r.ops, fn) }
}

var quirkCatalog = []Quirk{
	// Microsoft Entra ID
	{ID: "Q-ENTRA-OP-CASE", Title: `PATCH op names capitalised ("Add", "Replace", "Remove")`, IdPs: []string{"entra"},
		Settings: []string{settingLenient}, match: devQuirk("patch.op-case")},
	{ID: "Q-ENTRA-STRING-BOOLEANS", Title: `booleans sent as the strings "True" and "False"`, IdPs: []string{"entra"},
		Settings: []string{settingLenient}, match: devQuirk("value.string-boolean")},
	{ID: "Q-ENTRA-PATHLESS-PATHS", Title: "path-less replace whose value's keys are attribute paths (name.givenName, urn:…:employeeNumber)", IdPs: []string{"entra"},
		match: devQuirk("patch.pathless-keys")},
	{ID: "Q-MEMBERS-REMOVE-BY-VALUE", Title: `members removed with path "members", no filter and a value list naming them`, IdPs: []string{"authentik", "entra", "jumpcloud"},
		Settings: []string{settingLenient}, match: devQuirk("patch.remove-value")},
	{ID: "Q-ENTRA-REF-NULL", Title: `"$ref": null inside member values`, IdPs: []string{"entra"}, match: refNull},
	{ID: "Q-ENTRA-FILTERED-SUBATTR", Title: `add or replace through a value filter and sub-attribute (emails[type eq "work"].value), creating the value when none matches`, IdPs: []string{"entra"},
		Settings: []string{settingLenient}, match: anyOp(func(o gradeOp) bool { return !strings.EqualFold(o.op, "remove") && strings.Contains(o.path, "].") })},
	{ID: "Q-ENTRA-URN-PATH", Title: "extension attributes addressed by their full URN path (urn:…:enterprise:2.0:User:department)", IdPs: []string{"entra"},
		match: anyOp(func(o gradeOp) bool {
			return strings.HasPrefix(strings.ToLower(o.path), "urn:") && !versionedURN.MatchString(o.path)
		})},
	{ID: "Q-ENTRA-MANAGER", Title: "manager as a bare id, a one-element array, or removed through manager[value eq …]", IdPs: []string{"entra"},
		Settings: []string{settingLenient}, match: managerQuirk},
	{ID: "Q-ENTRA-UNKNOWN-SCHEMAS", Title: "schemas lists URNs the resource type does not have (ADSCIM Group, a malformed enterprise URN)", IdPs: []string{"entra"},
		Settings: []string{settingLenient}, match: unknownSchemas},
	{ID: "Q-ENTRA-NULLS", Title: "explicit null attribute values in POST bodies, some at the wrong level", IdPs: []string{"entra"}, match: nullsInBody},
	{ID: "Q-ENTRA-UNQUOTED-FILTER", Title: "a filter comparison value without quotes (externalId eq jyoung)", IdPs: []string{"entra"},
		match: devQuirk("filter.unquoted")},
	{ID: "Q-FILTER-COMPLEX-NO-SUB", Title: "filters comparing a complex attribute without a sub-attribute (emails eq …, manager eq …)", IdPs: []string{"entra", "pingfederate"},
		match: complexFilter},
	{ID: "Q-ENTRA-RESENDS", Title: "unchanged values sent again (an existing member added again, the same manager)", IdPs: []string{"entra"}},
	{ID: "Q-ENTRA-TWO-DIALECTS", Title: "one tenant sends both PATCH dialects (aadOptscim062020 does not apply to on-demand provisioning)", IdPs: []string{"entra"}},
	{ID: "Q-GROUP-BY-DISPLAYNAME", Title: "groups looked up by a displayName filter", IdPs: []string{"entra", "okta", "pingone"},
		Settings: []string{settingUniqueGroups}, match: groupByName},
	// Okta
	{ID: "Q-OKTA-PATHLESS-ACTIVE", Title: `(de)activation as a path-less replace {"active": false}`, IdPs: []string{"okta"},
		match: anyOp(func(o gradeOp) bool {
			m, ok := o.value.(map[string]any)
			_, active := m["active"]
			return !o.hasPath && ok && len(m) == 1 && active
		})},
	{ID: "Q-PATHLESS-ID", Title: "path-less replace whose value carries the resource's own read-only id", IdPs: []string{"authentik", "okta"},
		match: anyOp(func(o gradeOp) bool { _, id := asObject(o.value)["id"]; return !o.hasPath && id })},
	{ID: "Q-PUT-READONLY", Title: "PUT of the whole object with its read-only id, meta or groups", IdPs: []string{"authentik", "okta"}, match: putReadOnly},
	{ID: "Q-PUT-USERS", Title: "users updated with PUT of the whole user", IdPs: []string{"authentik", "okta", "pingfederate"},
		match: func(r *gradeRequest, _ []Deviation) bool {
			return r.method == "PUT" && r.endpoint() == "users" && len(r.segments) == 2
		}},
	{ID: "Q-OKTA-PASSWORD", Title: "POST /Users carries a cleartext password", IdPs: []string{"okta"},
		match: func(r *gradeRequest, _ []Deviation) bool {
			_, ok := member(r.body, "password")
			return r.method == "POST" && r.endpoint() == "users" && ok
		}},
	{ID: "Q-OKTA-TEST-CONNECTION", Title: "Test Connection lists GET /Users?startIndex=1&count=2", IdPs: []string{"okta"},
		match: func(r *gradeRequest, _ []Deviation) bool {
			return r.method == "GET" && r.endpoint() == "users" && r.query["startindex"] == "1" && r.query["count"] == "2" && r.filter() == ""
		}},
	{ID: "Q-OKTA-FILTER-PAGING", Title: "lookups by filter always carry startIndex=1&count=100", IdPs: []string{"okta"},
		match: func(r *gradeRequest, _ []Deviation) bool {
			return r.filter() != "" && r.query["startindex"] == "1" && r.query["count"] == "100"
		}},
	{ID: "Q-OKTA-PATCH-200", Title: "expects 200 with the resource after a group PATCH", IdPs: []string{"okta"},
		Settings: []string{settingPatch200},
		match: func(r *gradeRequest, _ []Deviation) bool {
			return r.method == "PATCH" && r.endpoint() == "groups" && strings.Contains(strings.ToLower(r.headers["user-agent"]), "okta")
		}},
	{ID: "Q-OKTA-NO-USER-DELETE", Title: "users are never deleted, only deactivated", IdPs: []string{"okta"}},
	// authentik
	{ID: "Q-SPC-PROBE", Title: "reads /ServiceProviderConfig before provisioning and acts on it", IdPs: []string{"authentik", "rippling"},
		match: func(r *gradeRequest, _ []Deviation) bool {
			return r.method == "GET" && r.endpoint() == "serviceproviderconfig"
		}},
	{ID: "Q-AUTHENTIK-SPC-FALLBACK", Title: "a /ServiceProviderConfig its strict model cannot parse makes it assume no PATCH, filter or bulk and PUT groups with every member", IdPs: []string{"authentik"}},
	{ID: "Q-AUTHENTIK-ONE-OP-PER-MEMBER", Title: "one PATCH operation per member, batched by bulk.maxOperations", IdPs: []string{"authentik"}, match: onePerMember},
	{ID: "Q-AUTHENTIK-WHOLE-GROUP", Title: "group updates as one path-less replace of the whole mapped group (schemas, id, displayName, externalId)", IdPs: []string{"authentik"},
		match: anyOp(func(o gradeOp) bool { _, s := asObject(o.value)["schemas"]; return !o.hasPath && s })},
	{ID: "Q-PAGING-NO-COUNT", Title: "pages with startIndex alone, relying on the server's default page size", IdPs: []string{"authentik"},
		match: func(r *gradeRequest, _ []Deviation) bool {
			_, si := r.query["startindex"]
			_, c := r.query["count"]
			return r.method == "GET" && len(r.segments) == 1 && si && !c
		}},
	// JumpCloud
	{ID: "Q-JUMPCLOUD-TRAILING-SLASH", Title: "a base URL entered with a trailing '/' is used as is (…/v2//Users)", IdPs: []string{"jumpcloud"},
		IdPSetting: "JumpCloud: enter the Base URL without a trailing '/'", match: devQuirk("protocol.endpoint")},
	{ID: "Q-JUMPCLOUD-TEST-OBJECTS", Title: "Test Connection creates, updates and deletes a test user and a test group", IdPs: []string{"jumpcloud"}},
	// PingFederate
	{ID: "Q-PINGFED-GROUP-SCAN", Title: "finds groups by paging through all of /Groups instead of filtering", IdPs: []string{"pingfederate"},
		match: func(r *gradeRequest, _ []Deviation) bool {
			n, _ := strconv.Atoi(r.query["startindex"])
			return r.method == "GET" && r.endpoint() == "groups" && len(r.segments) == 1 && r.filter() == "" && n > 1
		}},
	// PingOne
	{ID: "Q-PINGONE-FILTER-CASE", Title: `admin-written filters with capitalised operators (username Eq "%s")`, IdPs: []string{"pingone"}, match: operatorCase},
	{ID: "Q-PINGONE-ADMIN-FILTER", Title: `admin-written filters naming no SCIM attribute (email Co "%s")`, IdPs: []string{"pingone"},
		IdPSetting: `PingOne: write the User Filter Expression with SCIM attribute names, e.g. emails co "%s" (not email)`, match: devQuirk("filter.unknown-attribute")},
	{ID: "Q-PUT-GROUPS", Title: "group membership overwritten with PUT of the group and all its members", IdPs: []string{"pingone"},
		match: func(r *gradeRequest, _ []Deviation) bool {
			return r.method == "PUT" && r.endpoint() == "groups" && len(r.segments) == 2
		}},
	// OneLogin
	{ID: "Q-ONELOGIN-SCIM11", Title: `SCIM 1.1 bodies (schemas ["urn:scim:schemas:core:1.0"]) sent to a SCIM 2.0 base URL`, IdPs: []string{"onelogin"},
		Settings:   []string{settingLenient},
		IdPSetting: "OneLogin: use a SCIM v2 connector (SCIM Provisioner with SAML (SCIM v2 Enterprise)) rather than the Core Schema one",
		match: func(r *gradeRequest, _ []Deviation) bool {
			urns, _ := schemaURNs(r.body)
			return slices.ContainsFunc(urns, func(u string) bool { return strings.EqualFold(u, "urn:scim:schemas:core:1.0") })
		}},
	{ID: "Q-ONELOGIN-EMPTY-VALUES", Title: `admin templates leave "" for parameters a user lacks (title, addresses, phoneNumbers, manager.value)`, IdPs: []string{"onelogin"}, match: emptyValues},
	{ID: "Q-ONELOGIN-UNKNOWN-ATTRS", Title: `admin templates carry attributes no schema defines (typos such as "prefferedLanguage")`, IdPs: []string{"onelogin"},
		Settings:   []string{settingLenient},
		IdPSetting: "OneLogin: check the SCIM JSON Template's attribute names against /Schemas", match: unknownAttrs},
}

func refNull(r *gradeRequest, _ []Deviation) bool {
	s := mustJSON(r.body)
	return strings.Contains(s, `"$ref":null`)
}

var managerFilter = regexp.MustCompile(`(?i)(^|:)manager\[`)

func managerQuirk(r *gradeRequest, devs []Deviation) bool {
	return hasDev(devs, "value.manager-shape") || slices.ContainsFunc(r.ops, func(o gradeOp) bool { return managerFilter.MatchString(o.path) })
}

func unknownSchemas(r *gradeRequest, devs []Deviation) bool {
	for _, d := range devs {
		if d.ID == "resource.unknown-schema" && !strings.Contains(d.Detail, "urn:scim:schemas:core:1.0") {
			return true
		}
	}
	return false
}

func nullsInBody(r *gradeRequest, _ []Deviation) bool {
	if r.method != "POST" || !r.writesResource() {
		return false
	}
	for _, v := range r.body {
		if v == nil {
			return true
		}
	}
	return false
}

func complexFilter(r *gradeRequest, _ []Deviation) bool {
	f := r.filter()
	if f == "" || r.rt == nil {
		return false
	}
	e, err := filter.Parse(f)
	if err != nil {
		return false
	}
	found := false
	filter.Walk(e, func(x filter.Expr) bool {
		c, ok := x.(*filter.Compare)
		if !ok || c.Path.Sub != "" {
			return !found
		}
		if ref, ok := r.rt.Lookup(c.Path.URI, c.Path.Name, ""); ok && ref.Attr.IsComplex() {
			found = true
		}
		return !found
	})
	return found
}

func groupByName(r *gradeRequest, _ []Deviation) bool {
	return r.method == "GET" && r.endpoint() == "groups" && slices.Contains(operatorsOf(r.filter()), "eq") &&
		strings.Contains(strings.ToLower(r.filter()), "displayname")
}

func putReadOnly(r *gradeRequest, _ []Deviation) bool {
	if r.method != "PUT" || !r.writesResource() {
		return false
	}
	for _, k := range []string{"id", "meta", "groups"} {
		if _, ok := member(r.body, k); ok {
			return true
		}
	}
	return false
}

func onePerMember(r *gradeRequest, _ []Deviation) bool {
	if r.endpoint() != "groups" || len(r.ops) < 2 {
		return false
	}
	for _, o := range r.ops {
		list, ok := o.value.([]any)
		if !strings.EqualFold(o.path, "members") || !ok || len(list) != 1 {
			return false
		}
	}
	return true
}

// operatorWord matches a comparison operator of a filter as written.
var operatorWord = regexp.MustCompile(`(?i)\s(eq|ne|co|sw|ew|gt|ge|lt|le|pr)(\s|$)`)

func operatorCase(r *gradeRequest, _ []Deviation) bool {
	for _, m := range operatorWord.FindAllStringSubmatch(r.filter(), -1) {
		if m[1] != strings.ToLower(m[1]) {
			return true
		}
	}
	return false
}

func emptyValues(r *gradeRequest, _ []Deviation) bool {
	if !r.writesResource() {
		return false
	}
	for _, m := range []map[string]any{r.body, asObject(r.body[enterpriseURN])} {
		for _, v := range m {
			switch x := v.(type) {
			case string:
				if x == "" {
					return true
				}
			case []any:
				for _, e := range x {
					if s, ok := asObject(e)["value"].(string); ok && s == "" {
						return true
					}
				}
			}
		}
	}
	return false
}

func unknownAttrs(r *gradeRequest, _ []Deviation) bool {
	if !r.writesResource() {
		return false
	}
	for k, v := range r.body {
		if v == nil || strings.EqualFold(k, "schemas") || strings.HasPrefix(strings.ToLower(k), "urn:") {
			continue
		}
		if _, ok := r.rt.LookupPath(k); !ok {
			return true
		}
	}
	return false
}
