package conformance

import (
	"context"
	"net/http"

	"github.com/google/go-cmp/cmp"
)

// The cases of RFC 7644 §3.6 hold whatever a server does with a deleted
// resource ("Service providers MAY choose not to permanently delete the
// resource, but MUST return a 404 (Not Found) error code for all
// operations associated with the previously deleted resource. Service
// providers MUST omit the resource from future query results."), so they
// run unchanged against hard and soft deleting servers. A server may keep
// a deleted resource's externalId reserved (scimkit's soft delete does);
// no case depends on reusing one.
func init() {
	register(
		Case{ID: "delete.user.operations-404", Title: "after DELETE, GET, PUT, PATCH and DELETE of the user are 404",
			Requirement: must("RFC 7644 §3.6"), Profiles: rfc, Func: deleteUserOperations},
		Case{ID: "delete.group.operations-404", Title: "after DELETE, GET, PUT, PATCH and DELETE of the group are 404",
			Requirement: must("RFC 7644 §3.6"), Profiles: rfc, Needs: needGroups, Func: deleteGroupOperations},
		Case{ID: "delete.user.omitted-from-queries", Title: "a deleted user is in no filter result, count or page",
			Requirement: must("RFC 7644 §3.6"), Profiles: rfc, Needs: []Feature{FeatureFilter}, Func: deleteUserQueries},
		Case{ID: "delete.group.omitted-from-queries", Title: "a deleted group is in no filter result, count or page",
			Requirement: must("RFC 7644 §3.6"), Profiles: rfc, Needs: []Feature{FeatureGroups, FeatureFilter}, Func: deleteGroupQueries},
		Case{ID: "delete.user.username-reusable", Title: "a new user may take the userName of a deleted one",
			Requirement: should("RFC 7644 §3.6 (deleted resources SHOULD NOT be considered in conflict calculation)"), Profiles: rfc, Func: deleteUserNameReuse},
	)
}

// checkGone checks that every operation on the deleted resource at path
// is 404: GET (plain and with attributes), PUT with body, PATCH when the
// server supports it, and a second DELETE.
func checkGone(t *T, path string, put obj) {
	checkError(t, t.Do(http.MethodGet, path, nil), "GET after DELETE", http.StatusNotFound, "")
	checkError(t, t.Do(http.MethodGet, path+"?attributes=id", nil), "GET ?attributes=id after DELETE", http.StatusNotFound, "")
	checkError(t, t.Do(http.MethodPut, path, put), "PUT after DELETE", http.StatusNotFound, "")
	if t.Features().Has(FeaturePatch) {
		res := t.Do(http.MethodPatch, path, patchBody(op("replace", "displayName", "after-delete")))
		checkError(t, res, "PATCH after DELETE", http.StatusNotFound, "")
	}
	checkError(t, t.Do(http.MethodDelete, path, nil), "second DELETE", http.StatusNotFound, "")
}

func deleteUserOperations(ctx context.Context, t *T) {
	id, u := createUser(t, "del-ops", nil)
	t.Must(t.Do(http.MethodDelete, "/Users/"+id, nil), "DELETE /Users/{id}", http.StatusNoContent)
	checkGone(t, "/Users/"+id, userBody(u["userName"].(string), obj{"displayName": "after-delete"}))
}

func deleteGroupOperations(ctx context.Context, t *T) {
	id, name := createGroup(t, "del-ops")
	t.Must(t.Do(http.MethodDelete, "/Groups/"+id, nil), "DELETE /Groups/{id}", http.StatusNoContent)
	checkGone(t, "/Groups/"+id, obj{"schemas": []any{groupURN}, "displayName": name})
}

// checkOmitted sends each filter and checks that its result is exactly
// want, by ids and totalResults, on one page and with count=1.
func checkOmitted(t *T, endpoint string, want []string, filters ...string) {
	for _, f := range filters {
		for _, extra := range [][]string{nil, {"count=1"}} {
			path := filterPath(endpoint, f, extra...)
			m, rs := list(t, path)
			total, _ := m["totalResults"].(float64)
			if int(total) != len(want) {
				t.Errorf("GET %s: totalResults %v, want %d (a deleted resource is omitted from query results)", path, total, len(want))
			}
			if extra == nil {
				if d := cmp.Diff(sorted(want...), ids(rs)); d != "" {
					t.Errorf("GET %s: ids (-want +got):\n%s", path, d)
				}
			}
		}
	}
}

func deleteUserQueries(ctx context.Context, t *T) {
	kept, _ := createUser(t, "del-q-kept", nil)
	ext := t.Name("del-q-ext")
	id, u := createUser(t, "del-q-gone", obj{"externalId": ext})
	t.Must(t.Do(http.MethodDelete, "/Users/"+id, nil), "DELETE /Users/{id}", http.StatusNoContent)
	name := u["userName"].(string)
	checkOmitted(t, "/Users", nil, "userName eq "+q(name), "id eq "+q(id), "externalId eq "+q(ext))
	checkOmitted(t, "/Users", []string{kept}, "id eq "+q(id)+" or id eq "+q(kept))
}

func deleteGroupQueries(ctx context.Context, t *T) {
	kept, _ := createGroup(t, "del-q-kept")
	id, name := createGroup(t, "del-q-gone")
	t.Must(t.Do(http.MethodDelete, "/Groups/"+id, nil), "DELETE /Groups/{id}", http.StatusNoContent)
	checkOmitted(t, "/Groups", nil, "displayName eq "+q(name), "id eq "+q(id))
	checkOmitted(t, "/Groups", []string{kept}, "id eq "+q(id)+" or id eq "+q(kept))
}

func deleteUserNameReuse(ctx context.Context, t *T) {
	id, u := createUser(t, "del-reuse", nil)
	t.Must(t.Do(http.MethodDelete, "/Users/"+id, nil), "DELETE /Users/{id}", http.StatusNoContent)
	name := u["userName"].(string)
	res := t.Do(http.MethodPost, "/Users", userBody(name, nil))
	t.Must(res, "POST /Users with the userName of a deleted user", http.StatusCreated)
	if again, _ := t.JSON(res, "POST /Users")["id"].(string); again == id {
		t.Errorf("the new user got the deleted user's id %q (RFC 7643 §3.1: ids are non-reassignable)", id)
	}
}
