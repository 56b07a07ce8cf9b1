package conformance

import (
	"context"
	"net/http"
	"slices"
)

// Membership references: a member value identifies a member resource
// (RFC 7643 §4.2 "value: Identifier of the member of this Group"). A value
// that names nothing may be refused (400 invalidValue, RFC 7644 §3.12) or
// left out, but a group must never list it: a reader of the group would
// act on a member that does not exist.

func init() {
	register(
		Case{ID: "groups.create.dangling-member", Title: "a group created with a member id that names nothing never lists it",
			Requirement: should("RFC 7643 §4.2 (members.value identifies a member), RFC 7644 §3.12 invalidValue"), Profiles: every, Needs: needGroups, Func: groupCreateDangling},
		Case{ID: "groups.patch.add-dangling-member", Title: "adding a member id that names nothing is 400 invalidValue or leaves it out",
			Requirement: should("RFC 7643 §4.2 (members.value identifies a member), RFC 7644 §3.5.2.1, §3.12 invalidValue"), Profiles: every, Needs: needGroupsPatch, Func: groupAddDangling},
		Case{ID: "groups.put.dangling-member", Title: "a PUT naming a member id that names nothing never makes the group list it",
			Requirement: should("RFC 7643 §4.2 (members.value identifies a member), RFC 7644 §3.5.1, §3.12 invalidValue"), Profiles: every, Needs: needGroups, Func: groupPutDangling},
	)
}

// danglingID is a well-formed id that no server assigned.
const danglingID = "0badc0de-dead-4bad-8bad-5c1a7c0ffee0"

// checkDangling checks the answer to a write that named danglingID
// beside the existing member u: either 400 invalidValue with the group
// as before (before), or success with u and without danglingID.
func checkDangling(t *T, res *Response, what, group, u string, before []string) {
	if res.Status == http.StatusBadRequest {
		checkError(t, res, what, http.StatusBadRequest, "invalidValue")
		checkMembers(t, group, what+" refused", before...)
		return
	}
	if !t.Want(res, what, http.StatusOK, http.StatusCreated, http.StatusNoContent) {
		return
	}
	got := groupMembers(t, group)
	if slices.Contains(got, danglingID) {
		t.Errorf("%s: the group lists %s, which names no resource: %v", what, danglingID, got)
	}
	if !slices.Contains(got, u) {
		t.Errorf("%s: the existing member %s is missing: %v", what, u, got)
	}
}

func groupCreateDangling(ctx context.Context, t *T) {
	u, _ := createUser(t, "gcd", nil)
	res := t.Do(http.MethodPost, "/Groups", obj{"schemas": []any{groupURN}, "displayName": t.Name("grp"),
		"members": memberList([]string{u, danglingID})})
	if res.Status == http.StatusBadRequest {
		checkError(t, res, "POST /Groups with a dangling member", http.StatusBadRequest, "invalidValue")
		return
	}
	t.Must(res, "POST /Groups with a dangling member", http.StatusCreated)
	id, _ := t.JSON(res, "POST /Groups")["id"].(string)
	if id == "" {
		t.Fatalf("POST /Groups: 201 without an id")
	}
	checkDangling(t, res, "POST /Groups with a dangling member", id, u, nil)
}

func groupAddDangling(ctx context.Context, t *T) {
	us := createUsers(t, "gad", 2)
	id, _ := createGroup(t, "grp", us[0])
	res := t.Do(http.MethodPatch, "/Groups/"+id, patchBody(op("add", "members", memberList([]string{danglingID, us[1]}))))
	checkDangling(t, res, "PATCH add members with a dangling member", id, us[1], us[:1])
}

func groupPutDangling(ctx context.Context, t *T) {
	us := createUsers(t, "gpd", 2)
	id, name := createGroup(t, "grp", us[0])
	res := t.Do(http.MethodPut, "/Groups/"+id, obj{"schemas": []any{groupURN}, "displayName": name,
		"members": memberList([]string{us[0], danglingID, us[1]})})
	checkDangling(t, res, "PUT with a dangling member", id, us[1], us[:1])
}
