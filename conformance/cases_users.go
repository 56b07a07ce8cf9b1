package conformance

import (
	"context"
	"net/http"
	"strings"
)

func init() {
	register(
		Case{ID: "users.create.201", Title: "POST /Users answers 201 with the resource, its id and meta.resourceType",
			Requirement: must("RFC 7644 §3.3"), Profiles: every, Func: userCreate},
		Case{ID: "users.create.location", Title: "POST /Users sets Location to meta.location",
			Requirement: must("RFC 7644 §3.3"), Profiles: rfc, Func: userLocation},
		Case{ID: "users.create.meta", Title: "a created user has meta.created, lastModified and location",
			Requirement: should("RFC 7643 §3.1"), Profiles: rfc, Func: userMeta},
		Case{ID: "users.create.duplicate-409", Title: "a duplicate userName is 409 with scimType uniqueness",
			Requirement: must("RFC 7644 §3.3, §3.12"), Profiles: every, Func: userDuplicate},
		Case{ID: "users.create.duplicate-case-insensitive", Title: "userName uniqueness ignores case (caseExact false)",
			Requirement: must("RFC 7643 §4.1.1, §2.1"), Profiles: every, Func: userDuplicateCase},
		Case{ID: "users.create.username-kept-as-sent", Title: "userName is returned with the case it was sent in",
			Requirement: idp("Okta SCIM tests (PostHog PR #42253); Entra tutorial §General"), Profiles: idps, Func: userNameKept},
		Case{ID: "users.create.missing-username-400", Title: "a user without userName is 400",
			Requirement: must("RFC 7643 §4.1.1 (userName REQUIRED), RFC 7644 §3.3"), Profiles: rfc, Func: userMissingName},
		Case{ID: "users.create.client-id-ignored", Title: "an id sent by the client is not used as the resource id",
			Requirement: must("RFC 7643 §3.1 (id is assigned by the service provider)"), Profiles: rfc, Func: userClientID},
		Case{ID: "users.password-never-returned", Title: "password is never returned",
			Requirement: must("RFC 7643 §4.1.1, §7 (returned \"never\")"), Profiles: every, Func: userPassword},
		Case{ID: "users.emails.duplicates-once", Title: "the same (type, value) pair sent twice is returned once",
			Requirement: should("RFC 7643 §2.4"), Profiles: rfc, Func: userDuplicateValues},
		Case{ID: "users.get.200", Title: "GET /Users/{id} returns the user",
			Requirement: must("RFC 7644 §3.4.1"), Profiles: every, Func: userGet},
		Case{ID: "users.get.unknown-404", Title: "an unknown id is 404 with a SCIM error body",
			Requirement: must("RFC 7644 §3.4.1, §3.12"), Profiles: every, Func: userGet404},
		Case{ID: "users.put.replace", Title: "PUT replaces the attributes it carries",
			Requirement: must("RFC 7644 §3.5.1"), Profiles: every, Func: userPut},
		Case{ID: "users.put.clears-omitted", Title: "PUT clears readWrite attributes it omits",
			Requirement: may("RFC 7644 §3.5.1"), Profiles: rfc, Func: userPutClears},
		Case{ID: "users.put.unknown-404", Title: "PUT of an unknown id is 404",
			Requirement: must("RFC 7644 §3.5.1, §3.12"), Profiles: rfc, Func: userPut404},
		Case{ID: "users.delete.204-then-404", Title: "DELETE answers 204 and the user is then 404",
			Requirement: must("RFC 7644 §3.6"), Profiles: every, Func: userDelete},
		Case{ID: "users.delete.unknown-404", Title: "DELETE of an unknown id is 404",
			Requirement: must("RFC 7644 §3.6, §3.12"), Profiles: rfc, Func: userDelete404},
		Case{ID: "users.enterprise.roundtrip", Title: "Enterprise User extension attributes are stored and returned",
			Requirement: must("RFC 7643 §4.3"), Profiles: every, Needs: []Feature{FeatureEnterprise}, Func: userEnterprise},
		Case{ID: "users.deactivated-still-readable", Title: "a user with active=false is still returned by GET and filter",
			Requirement: idp("Entra tutorial requirements table; Okta CRUD test guide"), Profiles: idps, Needs: []Feature{FeatureFilter}, Func: userDeactivated},
	)
}

func userCreate(ctx context.Context, t *T) {
	name := t.Name("alice")
	res := t.Do(http.MethodPost, "/Users", userBody(name, obj{"displayName": "Alice Conformance"}))
	t.Must(res, "POST /Users", http.StatusCreated)
	u := t.JSON(res, "POST /Users")
	if id, _ := u["id"].(string); id == "" {
		t.Errorf("no id in %s", truncate(res.Body, 300))
	}
	if u["userName"] != name {
		t.Errorf("userName %#v, want %q", u["userName"], name)
	}
	if attr(u, "meta.resourceType") != "User" {
		t.Errorf("meta.resourceType %#v, want \"User\"", attr(u, "meta.resourceType"))
	}
	if !hasString(u["schemas"], userURN) {
		t.Errorf("schemas %v lack %s", u["schemas"], userURN)
	}
}

func userLocation(ctx context.Context, t *T) {
	res := t.Do(http.MethodPost, "/Users", userBody(t.Name("loc"), nil))
	t.Must(res, "POST /Users", http.StatusCreated)
	u := t.JSON(res, "POST /Users")
	loc, _ := attr(u, "meta.location").(string)
	id, _ := u["id"].(string)
	if h := res.Header.Get("Location"); h == "" || h != loc || !strings.HasSuffix(h, "/"+id) {
		t.Errorf("Location %q, meta.location %q: want both set, equal, ending in /%s", h, loc, id)
	}
}

func userMeta(ctx context.Context, t *T) {
	_, u := createUser(t, "meta", nil)
	for _, a := range []string{"meta.created", "meta.lastModified", "meta.location"} {
		if s, _ := attr(u, a).(string); s == "" {
			t.Errorf("%s missing in %v", a, u["meta"])
		}
	}
}

func userDuplicate(ctx context.Context, t *T) {
	_, u := createUser(t, "dup", nil)
	res := t.Do(http.MethodPost, "/Users", userBody(u["userName"].(string), nil))
	checkError(t, res, "second POST /Users with the same userName", http.StatusConflict, "uniqueness")
}

func userDuplicateCase(ctx context.Context, t *T) {
	_, u := createUser(t, "CaseDup", nil)
	upper := strings.ToUpper(u["userName"].(string))
	res := t.Do(http.MethodPost, "/Users", userBody(upper, nil))
	t.Want(res, "POST /Users with the userName upper-cased", http.StatusConflict)
}

func userNameKept(ctx context.Context, t *T) {
	name := t.Name("MiXeD.Case")
	res := t.Do(http.MethodPost, "/Users", userBody(name, nil))
	t.Must(res, "POST /Users", http.StatusCreated)
	id, _ := t.JSON(res, "POST /Users")["id"].(string)
	if got := get(t, "/Users/"+id)["userName"]; got != name {
		t.Errorf("GET userName %#v, want %q as sent", got, name)
	}
}

func userMissingName(ctx context.Context, t *T) {
	res := t.Do(http.MethodPost, "/Users", obj{"schemas": []any{userURN}, "displayName": t.Name("nameless")})
	checkError(t, res, "POST /Users without userName", http.StatusBadRequest, "")
}

func userClientID(ctx context.Context, t *T) {
	mine := "scimconform-client-chosen-id"
	res := t.Do(http.MethodPost, "/Users", userBody(t.Name("cid"), obj{"id": mine}))
	if res.Status == http.StatusBadRequest {
		return // refusing the read-only attribute is also acceptable
	}
	t.Must(res, "POST /Users with an id", http.StatusCreated)
	if id := t.JSON(res, "POST /Users")["id"]; id == mine {
		t.Errorf("the server used the client's id %q", mine)
	}
}

func userPassword(ctx context.Context, t *T) {
	id, u := createUser(t, "pw", obj{"password": "t1Conformance!"})
	if _, ok := u["password"]; ok {
		t.Errorf("POST response contains password")
	}
	if _, ok := get(t, "/Users/"+id)["password"]; ok {
		t.Errorf("GET response contains password")
	}
}

func userDuplicateValues(ctx context.Context, t *T) {
	id, _ := createUser(t, "dupvals", obj{"emails": []any{
		obj{"value": "dup@example.com", "type": "work"}, obj{"value": "dup@example.com", "type": "work"}}})
	emails, _ := get(t, "/Users/"+id)["emails"].([]any)
	if len(emails) != 1 {
		t.Errorf("emails: %d values, want 1 (the pair was sent twice): %v", len(emails), emails)
	}
}

func userGet(ctx context.Context, t *T) {
	id, u := createUser(t, "get", nil)
	g := get(t, "/Users/"+id)
	if g["id"] != id || g["userName"] != u["userName"] {
		t.Errorf("GET returned id %v userName %v, want %v %v", g["id"], g["userName"], id, u["userName"])
	}
}

func userGet404(ctx context.Context, t *T) {
	res := t.Do(http.MethodGet, "/Users/"+t.Name("unknown"), nil)
	checkError(t, res, "GET /Users/{unknown}", http.StatusNotFound, "")
	if d, _ := res.JSON()["detail"].(string); d == "" {
		t.Errorf("error without detail (Okta's SPEC test checks it)")
	}
}

func userPut(ctx context.Context, t *T) {
	id, u := createUser(t, "put", obj{"title": "Engineer"})
	body := userBody(u["userName"].(string), obj{"title": "Manager", "displayName": "Put Updated"})
	res := t.Do(http.MethodPut, "/Users/"+id, body)
	t.Must(res, "PUT /Users/{id}", http.StatusOK)
	g := get(t, "/Users/"+id)
	if g["title"] != "Manager" || g["displayName"] != "Put Updated" {
		t.Errorf("after PUT: title %#v displayName %#v, want Manager, Put Updated", g["title"], g["displayName"])
	}
}

func userPutClears(ctx context.Context, t *T) {
	id, u := createUser(t, "putclr", obj{"title": "Engineer"})
	res := t.Do(http.MethodPut, "/Users/"+id, userBody(u["userName"].(string), nil))
	t.Must(res, "PUT /Users/{id}", http.StatusOK)
	if v, ok := get(t, "/Users/"+id)["title"]; ok {
		t.Errorf("title %#v kept after a PUT without it", v)
	}
}

func userPut404(ctx context.Context, t *T) {
	res := t.Do(http.MethodPut, "/Users/"+t.Name("unknown"), userBody(t.Name("nobody"), nil))
	checkError(t, res, "PUT /Users/{unknown}", http.StatusNotFound, "")
}

func userDelete(ctx context.Context, t *T) {
	id, _ := createUser(t, "del", nil)
	t.Want(t.Do(http.MethodDelete, "/Users/"+id, nil), "DELETE /Users/{id}", http.StatusNoContent)
	checkError(t, t.Do(http.MethodGet, "/Users/"+id, nil), "GET after DELETE", http.StatusNotFound, "")
	checkError(t, t.Do(http.MethodDelete, "/Users/"+id, nil), "second DELETE", http.StatusNotFound, "")
}

func userDelete404(ctx context.Context, t *T) {
	checkError(t, t.Do(http.MethodDelete, "/Users/"+t.Name("unknown"), nil), "DELETE /Users/{unknown}", http.StatusNotFound, "")
}

func userEnterprise(ctx context.Context, t *T) {
	id, _ := createUser(t, "ent", obj{
		"schemas":     []any{userURN, enterpriseURN},
		enterpriseURN: obj{"employeeNumber": "701984", "department": "Tour Operations"}})
	g := get(t, "/Users/"+id)
	if ext(g, "employeeNumber") != "701984" || ext(g, "department") != "Tour Operations" {
		t.Errorf("extension %#v, want employeeNumber 701984 and department Tour Operations", g[enterpriseURN])
	}
}

func userDeactivated(ctx context.Context, t *T) {
	id, u := createUser(t, "inactive", nil)
	res := t.Do(http.MethodPut, "/Users/"+id, userBody(u["userName"].(string), obj{"active": false}))
	t.Must(res, "PUT active=false", http.StatusOK)
	if g := get(t, "/Users/"+id); g["active"] != false {
		t.Errorf("GET: active %#v, want false", g["active"])
	}
	_, rs := list(t, filterPath("/Users", "userName eq "+q(u["userName"].(string))))
	if len(rs) != 1 || rs[0]["active"] != false {
		t.Errorf("filter by userName: %d resources, want 1 with active false (Microsoft's validator checks it)", len(rs))
	}
}
