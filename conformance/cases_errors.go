package conformance

import (
	"context"
	"net/http"
)

func init() {
	register(
		Case{ID: "errors.invalid-json-400", Title: "a body that is not JSON is 400 with a SCIM error",
			Requirement: must("RFC 7644 §3.12 (invalidSyntax)"), Profiles: rfc, Func: errInvalidJSON},
		Case{ID: "errors.shape", Title: "errors carry the Error schema, status as a string and detail",
			Requirement: must("RFC 7644 §3.12"), Profiles: every, Func: errShape},
		Case{ID: "errors.wrong-type-400", Title: "a value of the wrong type (active: 42) is 400",
			Requirement: must("RFC 7644 §3.12 (invalidValue), RFC 7643 §2.3"), Profiles: rfc, Func: errWrongType},
		Case{ID: "tenant.isolation", Title: "a second tenant cannot see, change or delete the first tenant's data",
			Requirement: must("RFC 7644 §6 (multi-tenancy), §7 (security)"), Profiles: every, Needs: []Feature{FeatureSecondTenant}, Func: tenantIsolation},
		Case{ID: "tenant.uniqueness-per-tenant", Title: "the same userName can exist in two tenants",
			Requirement: should("RFC 7644 §6 (tenants are independent)"), Profiles: rfc, Needs: []Feature{FeatureSecondTenant}, Func: tenantUniqueness},
	)
}

func errInvalidJSON(ctx context.Context, t *T) {
	checkError(t, t.Do(http.MethodPost, "/Users", []byte(`{"userName": "x",`)), "POST /Users with truncated JSON", http.StatusBadRequest, "")
}

func errShape(ctx context.Context, t *T) {
	res := t.Do(http.MethodGet, "/Users/"+t.Name("none"), nil)
	checkError(t, res, "GET /Users/{unknown}", http.StatusNotFound, "")
	if d, _ := res.JSON()["detail"].(string); d == "" {
		t.Errorf("no detail in %s", truncate(res.Body, 300))
	}
}

func errWrongType(ctx context.Context, t *T) {
	res := t.Do(http.MethodPost, "/Users", userBody(t.Name("wrongtype"), obj{"active": 42}))
	checkError(t, res, "POST /Users with active: 42", http.StatusBadRequest, "")
}

func tenantIsolation(ctx context.Context, t *T) {
	id, u := createUser(t, "iso", nil)
	name := u["userName"].(string)
	sec := AsSecondTenant()
	checkError(t, t.Do(http.MethodGet, "/Users/"+id, nil, sec), "GET of tenant 1's user as tenant 2", http.StatusNotFound, "")
	t.Want(t.Do(http.MethodPatch, "/Users/"+id, patchBody(op("replace", "title", "x")), sec), "PATCH as tenant 2", http.StatusNotFound)
	t.Want(t.Do(http.MethodPut, "/Users/"+id, userBody(name, nil), sec), "PUT as tenant 2", http.StatusNotFound)
	t.Want(t.Do(http.MethodDelete, "/Users/"+id, nil, sec), "DELETE as tenant 2", http.StatusNotFound)
	if t.Features().Has(FeatureFilter) {
		res := t.Do(http.MethodGet, filterPath("/Users", "userName eq "+q(name)), nil, sec)
		t.Must(res, "filter as tenant 2", http.StatusOK)
		if n := len(resourcesOf(res)); n != 0 {
			t.Errorf("tenant 2's filter found %d of tenant 1's users", n)
		}
	}
	if g := get(t, "/Users/"+id); g["title"] != nil {
		t.Errorf("tenant 2 changed tenant 1's user: title %#v", g["title"])
	}
}

func tenantUniqueness(ctx context.Context, t *T) {
	_, u := createUser(t, "isou", nil)
	res := t.Do(http.MethodPost, "/Users", userBody(u["userName"].(string), nil), AsSecondTenant())
	t.Want(res, "POST of the same userName as tenant 2", http.StatusCreated)
}
