package conformance

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-cmp/cmp"
)

const (
	oktaRef   = "Okta SCIM 2.0 reference (developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20)"
	oktaSpec  = "Okta SCIM 2.0 SPEC test (Okta-SCIM-20-SPEC-Test.json)"
	msTut     = "Microsoft Entra SCIM tutorial (use-scim-to-provision-users-and-groups)"
	msKI      = "Microsoft Entra SCIM known issues (aadOptscim062020 flag)"
	oktaAgent = "Okta SCIM Client 1.0.0"
)

var needGroupsFilterPatch = []Feature{FeatureGroups, FeatureFilter, FeaturePatch}

func init() {
	register(
		replayCase("okta.replay.users", "okta-users.json", okta, []Feature{FeatureFilter, FeaturePatch}, oktaRef+" user flow; "+oktaSpec),
		replayCase("okta.replay.groups", "okta-groups.json", okta, needGroupsFilterPatch, oktaRef+" group push"),
		replayCase("entra.replay.users", "entra-users.json", entra, []Feature{FeatureFilter, FeaturePatch, FeatureEnterprise}, msTut+"; "+msKI),
		replayCase("entra.replay.groups", "entra-groups.json", entra, needGroupsFilterPatch, msTut+"; "+msKI),
		Case{ID: "okta.test-connection", Title: "GET /Users?startIndex=1&count=2 and /Groups?startIndex=1&count=100 answer ListResponses",
			Requirement: idp("Okta SCIM 1.1 reference #create-users (Test Connector)"), Profiles: okta, Func: oktaTestConnection},
		Case{ID: "okta.filter-encoded", Title: "the percent-encoded userName probe with startIndex/count finds the user",
			Requirement: idp(oktaRef + " #determine-if-the-user-already-exists"), Profiles: okta, Needs: needFilter, Func: oktaEncodedFilter},
		Case{ID: "okta.no-content-type", Title: "POST and PATCH without Content-Type are accepted",
			Requirement: idp(oktaRef + " (requests show no Content-Type)"), Profiles: okta, Needs: needPatch, Func: oktaNoContentType},
		Case{ID: "okta.deactivate-pathless", Title: "{\"op\":\"replace\",\"value\":{\"active\":false}} deactivates, and true reactivates",
			Requirement: idp(oktaRef + " #update-a-specific-user-patch"), Profiles: okta, Needs: needPatch, Func: oktaDeactivate},
		Case{ID: "okta.put-whole-object", Title: "PUT of the GET representation (id, meta, groups included) is accepted",
			Requirement: idp(oktaRef + " #update-the-user"), Profiles: okta, Func: oktaPutBack},
		Case{ID: "okta.group-rename-with-id", Title: "path-less replace of a group with {id, displayName} renames it",
			Requirement: idp(oktaRef + " #update-a-specific-group-name"), Profiles: okta, Needs: needGroupsPatch, Func: oktaGroupRename},
		Case{ID: "okta.membership-remove-and-add", Title: "one PATCH removing members[value eq …] and adding others applies both",
			Requirement: idp(oktaRef + " #update-specific-group-membership"), Profiles: okta, Needs: needGroupsPatch, Func: oktaRemoveAndAdd},
		Case{ID: "entra.test-connection", Title: "a filter on a random GUID answers 200 with an empty ListResponse",
			Requirement: idp(msTut + " \"Test Connection\""), Profiles: entra, Needs: needFilter, Func: entraTestConnection},
		Case{ID: "entra.op-capitalised", Title: "\"Replace\", \"Add\" and \"Remove\" ops are accepted",
			Requirement: idp(msTut + " §General; " + msKI), Profiles: entra, Needs: needPatch, Func: entraOpCase},
		Case{ID: "entra.boolean-strings", Title: "\"False\"/\"True\" strings for active are booleans",
			Requirement: idp(msKI + " (default dialect disable)"), Profiles: entra, Needs: needPatch, Func: entraBoolStrings},
		Case{ID: "entra.pathless-dotted-keys", Title: "a path-less replace with keys name.givenName and URN-prefixed keys sets sub- and extension attributes",
			Requirement: idp(msKI + " (aadOptscim062020)"), Profiles: entra, Needs: []Feature{FeaturePatch, FeatureEnterprise}, Func: entraDottedKeys},
		Case{ID: "entra.manager", Title: "manager set by a full-URN path with a bare id is returned as a complex value, then removed",
			Requirement: idp(msTut + " Example 5; RFC 7643 §4.3"), Profiles: entra, Needs: []Feature{FeaturePatch, FeatureEnterprise}, Func: entraManager},
		Case{ID: "entra.remove-member-flag", Title: "remove members[value eq …] without value (aadOptscim062020) removes one member",
			Requirement: idp(msKI + " (aadOptscim062020)"), Profiles: entra, Needs: needGroupsPatch, Func: entraRemoveMemberFlag},
		Case{ID: "entra.validator.filter-disabled-user", Title: "GET by filter of a disabled user shows active false",
			Requirement: idp("Microsoft SCIM Validator 'Patch User - Disable User'"), Profiles: entra, Needs: []Feature{FeatureFilter, FeaturePatch}, Func: entraValidatorDisabled},
		Case{ID: "entra.validator.filter-email-value", Title: "emails[type eq \"work\"].value eq … finds the user",
			Requirement: idp(msTut + " §/Users (matching attributes must be filterable)"), Profiles: entra, Needs: needFilter, Func: entraFilterEmail},
	)
}

func oktaTestConnection(ctx context.Context, t *T) {
	ua := Header("User-Agent", oktaAgent)
	for _, p := range []string{"/Users?startIndex=1&count=2", "/Groups?startIndex=1&count=100"} {
		if p == "/Groups?startIndex=1&count=100" && !t.Features().Has(FeatureGroups) {
			continue
		}
		res := t.Do(http.MethodGet, p, nil, ua)
		t.Must(res, "GET "+p, http.StatusOK)
		if m := t.JSON(res, p); !hasString(m["schemas"], listURN) {
			t.Errorf("GET %s: not a ListResponse: %s", p, truncate(res.Body, 200))
		}
	}
}

func oktaEncodedFilter(ctx context.Context, t *T) {
	id, u := createUser(t, "enc", nil)
	p := "/Users?filter=userName%20eq%20%22" + escapeAll(u["userName"].(string)) + "%22&startIndex=1&count=100"
	_, rs := list(t, p)
	if d := cmp.Diff([]string{id}, ids(rs)); d != "" {
		t.Errorf("ids (-want +got):\n%s", d)
	}
}

func oktaNoContentType(ctx context.Context, t *T) {
	ua := Header("User-Agent", oktaAgent)
	res := t.Do(http.MethodPost, "/Users", userBody(t.Name("noct"), nil), NoContentType(), ua)
	t.Must(res, "POST /Users without Content-Type", http.StatusCreated)
	id, _ := t.JSON(res, "POST")["id"].(string)
	res = t.Do(http.MethodPatch, "/Users/"+id, patchBody(op("replace", "", obj{"active": false})), NoContentType(), ua)
	t.Want(res, "PATCH without Content-Type", http.StatusOK, http.StatusNoContent)
}

func oktaDeactivate(ctx context.Context, t *T) {
	id, _ := createUser(t, "deact", nil)
	ua := Header("User-Agent", oktaAgent)
	for _, active := range []bool{false, true} {
		res := t.Do(http.MethodPatch, "/Users/"+id, patchBody(op("replace", "", obj{"active": active})), ua)
		t.Must(res, "PATCH path-less replace {active}", http.StatusOK, http.StatusNoContent)
		if g := get(t, "/Users/"+id); g["active"] != active {
			t.Errorf("active %#v, want %v", g["active"], active)
		}
	}
}

func oktaPutBack(ctx context.Context, t *T) {
	id, _ := createUser(t, "putback", nil)
	g := get(t, "/Users/"+id)
	g["name"] = obj{"givenName": "Another", "middleName": "", "familyName": "User"}
	g["active"] = false
	res := t.Do(http.MethodPut, "/Users/"+id, g, Header("User-Agent", oktaAgent))
	t.Must(res, "PUT of the GET representation", http.StatusOK)
	after := get(t, "/Users/"+id)
	if attr(after, "name.givenName") != "Another" || after["active"] != false {
		t.Errorf("after PUT: name %#v active %#v", after["name"], after["active"])
	}
}

func oktaGroupRename(ctx context.Context, t *T) {
	id, _ := createGroup(t, "ren")
	name := t.Name("renamed")
	res := t.Do(http.MethodPatch, "/Groups/"+id, patchBody(op("replace", "", obj{"id": id, "displayName": name})), Header("User-Agent", oktaAgent))
	t.Must(res, "PATCH rename with id", http.StatusOK, http.StatusNoContent)
	if g := get(t, "/Groups/"+id); g["displayName"] != name {
		t.Errorf("displayName %#v, want %q", g["displayName"], name)
	}
}

func oktaRemoveAndAdd(ctx context.Context, t *T) {
	us := createUsers(t, "ora", 3)
	id, _ := createGroup(t, "grp", us[:2]...)
	patchOK(t, "/Groups/"+id,
		op("remove", `members[value eq "`+us[0]+`"]`, nil),
		op("add", "members", []any{obj{"value": us[2], "display": "Third"}}))
	checkMembers(t, id, "after remove+add", us[1], us[2])
}

func entraTestConnection(ctx context.Context, t *T) {
	guid := "00000000-0000-4000-8000-" + strings.Repeat("0", 4) + escapeAll(t.Name("g"))[len(t.prefix):]
	m, rs := list(t, filterPath("/Users", "userName eq "+q(guid)))
	if m["totalResults"] != 0.0 || len(rs) != 0 {
		t.Errorf("totalResults %v, %d resources; want 0", m["totalResults"], len(rs))
	}
}

func entraOpCase(ctx context.Context, t *T) {
	id, _ := createUser(t, "opcase", obj{"title": "X"})
	patchOK(t, "/Users/"+id, op("Replace", "displayName", "Capital"), op("Add", "nickName", "Nick"), op("Remove", "title", nil))
	g := get(t, "/Users/"+id)
	if g["displayName"] != "Capital" || g["nickName"] != "Nick" || g["title"] != nil {
		t.Errorf("displayName %#v nickName %#v title %#v", g["displayName"], g["nickName"], g["title"])
	}
}

func entraBoolStrings(ctx context.Context, t *T) {
	id, _ := createUser(t, "boolstr", nil)
	for _, v := range []string{"False", "True", "false"} {
		patchOK(t, "/Users/"+id, op("Replace", "active", v))
		if g := get(t, "/Users/"+id); g["active"] != strings.EqualFold(v, "true") {
			t.Errorf("after active %q: active %#v", v, g["active"])
		}
	}
}

func entraDottedKeys(ctx context.Context, t *T) {
	id, _ := createUser(t, "dotted", nil)
	patchOK(t, "/Users/"+id, op("replace", "", obj{"displayName": "Dotted", "name.givenName": "Given",
		"name.familyName": "Family", enterpriseURN + ":employeeNumber": "42"}))
	g := get(t, "/Users/"+id)
	if g["displayName"] != "Dotted" || attr(g, "name.givenName") != "Given" || attr(g, "name.familyName") != "Family" || ext(g, "employeeNumber") != "42" {
		t.Errorf("got displayName %#v name %#v extension %#v", g["displayName"], g["name"], g[enterpriseURN])
	}
	if _, bad := g["name.givenName"]; bad {
		t.Errorf("a literal \"name.givenName\" attribute was created")
	}
}

func entraManager(ctx context.Context, t *T) {
	mgr, _ := createUser(t, "mgr", nil)
	id, _ := createUser(t, "emp", nil)
	patchOK(t, "/Users/"+id, op("add", enterpriseURN+":manager", mgr))
	m, _ := ext(get(t, "/Users/"+id), "manager").(obj)
	if m == nil || m["value"] != mgr {
		t.Fatalf("manager %#v, want a complex value with value %s", m, mgr)
	}
	patchOK(t, "/Users/"+id, op("remove", `manager[value eq "`+mgr+`"]`, nil))
	if v := ext(get(t, "/Users/"+id), "manager"); v != nil {
		t.Errorf("manager %#v after removal", v)
	}
}

func entraRemoveMemberFlag(ctx context.Context, t *T) {
	us := createUsers(t, "erm", 2)
	id, _ := createGroup(t, "grp", us...)
	patchOK(t, "/Groups/"+id, op("remove", `members[value eq "`+us[0]+`"]`, nil))
	checkMembers(t, id, "after remove", us[1])
}

func entraValidatorDisabled(ctx context.Context, t *T) {
	id, u := createUser(t, "vdis", nil)
	patchOK(t, "/Users/"+id, op("replace", "active", false))
	_, rs := list(t, "/Users?filter="+url.QueryEscape("userName eq "+q(u["userName"].(string))))
	if len(rs) != 1 || rs[0]["active"] != false {
		t.Errorf("filter: %d resources, active %v; want 1 with active false", len(rs), rs)
	}
}

func entraFilterEmail(ctx context.Context, t *T) {
	mail := strings.ToLower(safeLocal(t.Name("mail"))) + "@example.org"
	id, _ := createUser(t, "email", obj{"emails": []any{obj{"value": mail, "type": "work", "primary": true}}})
	_, rs := list(t, filterPath("/Users", `emails[type eq "work"].value eq `+q(mail)))
	if d := cmp.Diff([]string{id}, ids(rs)); d != "" {
		t.Errorf("ids (-want +got):\n%s", d)
	}
}
