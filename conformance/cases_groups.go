package conformance

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sync/errgroup"
)

var (
	needGroups      = []Feature{FeatureGroups}
	needGroupsPatch = []Feature{FeatureGroups, FeaturePatch}
)

func init() {
	register(
		Case{ID: "groups.create-with-members", Title: "a group created with members returns them",
			Requirement: must("RFC 7644 §3.3, RFC 7643 §4.2"), Profiles: every, Needs: needGroups, Func: groupCreate},
		Case{ID: "groups.displayname-unique-409", Title: "a second group with the same displayName is 409",
			Requirement: should("Entra tutorial §/Groups (Entra matches groups on displayName; RFC 7643 §4.2 leaves it non-unique)"), Profiles: entra, Needs: needGroups, Func: groupDuplicate},
		Case{ID: "groups.patch.add-members", Title: "add members adds them and keeps the others",
			Requirement: must("RFC 7644 §3.5.2.1"), Profiles: every, Needs: needGroupsPatch, Func: groupAddMembers},
		Case{ID: "groups.patch.add-existing-member-idempotent", Title: "adding a present member does not duplicate it",
			Requirement: must("RFC 7644 §3.5.2.1 (no duplicates in multi-valued add)"), Profiles: every, Needs: needGroupsPatch, Func: groupAddTwice},
		Case{ID: "groups.patch.remove-member-filter", Title: "remove members[value eq …] removes only that member",
			Requirement: must("RFC 7644 §3.5.2.2"), Profiles: every, Needs: needGroupsPatch, Func: groupRemoveFilter},
		Case{ID: "groups.patch.remove-members-value-list", Title: "remove members with a value list removes only the listed members",
			Requirement: idp("Entra tutorial #update-group-remove-members; Microsoft SCIM compatibility known issues; authentik groups.py _patch_remove_users; JumpCloud (QUIRKS.md Q-MEMBERS-REMOVE-BY-VALUE)"), Profiles: []Profile{ProfileOkta, ProfileEntra, ProfileAuthentik, ProfileJumpCloud}, Needs: needGroupsPatch, Func: groupRemoveValueList},
		Case{ID: "groups.patch.replace-members", Title: "replace members sets exactly the new list",
			Requirement: must("RFC 7644 §3.5.2.3"), Profiles: every, Needs: needGroupsPatch, Func: groupReplaceMembers},
		Case{ID: "groups.excluded-members", Title: "excludedAttributes=members leaves members out of GET and list",
			Requirement: must("RFC 7644 §3.4.2.5; Entra tutorial requirements table"), Profiles: every, Needs: needGroups, Func: groupExcludeMembers},
		Case{ID: "groups.filter-displayname", Title: "displayName eq finds the group",
			Requirement: must("RFC 7644 §3.4.2.2; Okta and Entra group match"), Profiles: every, Needs: []Feature{FeatureGroups, FeatureFilter}, Func: groupFilterName},
		Case{ID: "groups.user-groups-attribute", Title: "a member user's groups attribute lists the group",
			Requirement: should("RFC 7643 §4.1.2 (groups)"), Profiles: rfc, Needs: needGroups, Func: groupUserGroups},
		Case{ID: "groups.delete-user-leaves-group", Title: "deleting a user removes it from its groups' members",
			Requirement: must("RFC 7644 §3.6 (a deleted resource is omitted from later results)"), Profiles: rfc, Needs: needGroups, Func: groupDeleteUser},
		Case{ID: "groups.delete-group-leaves-users", Title: "deleting a group removes it from its members' groups",
			Requirement: must("RFC 7644 §3.6 (a deleted resource is omitted from later results), RFC 7643 §4.1.2"), Profiles: rfc, Needs: needGroups, Func: groupDeleteGroup},
		Case{ID: "groups.delete.204-then-404", Title: "DELETE /Groups/{id} is 204, then 404",
			Requirement: must("RFC 7644 §3.6"), Profiles: every, Needs: needGroups, Func: groupDelete},
		Case{ID: "groups.large", Title: "a group of thousands of members, added 100 at a time, lists them all",
			Requirement: must("RFC 7644 §3.5.2.1 (lost or truncated membership)"), Profiles: rfc, Needs: needGroupsPatch, Func: groupLarge},
	)
}

// createUsers creates n users (8 at a time) and returns their ids.
func createUsers(t *T, label string, n int) []string {
	prefix := t.Name(label) + "-"
	out := make([]string, n)
	var g errgroup.Group
	g.SetLimit(8)
	for i := range n {
		g.Go(func() error {
			res := t.Do(http.MethodPost, "/Users", userBody(fmt.Sprintf("%s%04d", prefix, i), nil))
			if res.Status != http.StatusCreated {
				return fmt.Errorf("POST /Users: status %d: %s", res.Status, truncate(res.Body, 300))
			}
			out[i], _ = res.JSON()["id"].(string)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatalf("%v", err)
	}
	return out
}

func groupMembers(t *T, id string) []string { return memberValues(get(t, "/Groups/"+id)) }

func checkMembers(t *T, id, what string, want ...string) {
	if d := cmp.Diff(sorted(want...), groupMembers(t, id)); d != "" {
		t.Errorf("%s: members (-want +got):\n%s", what, d)
	}
}

func groupCreate(ctx context.Context, t *T) {
	us := createUsers(t, "gc", 2)
	id, name := createGroup(t, "grp", us...)
	g := get(t, "/Groups/"+id)
	if g["displayName"] != name {
		t.Errorf("displayName %#v, want %q", g["displayName"], name)
	}
	checkMembers(t, id, "after create", us...)
}

func groupDuplicate(ctx context.Context, t *T) {
	_, name := createGroup(t, "gdup")
	res := t.Do(http.MethodPost, "/Groups", obj{"schemas": []any{groupURN}, "displayName": name})
	t.Want(res, "second POST /Groups with the same displayName", http.StatusConflict)
}

func groupAddMembers(ctx context.Context, t *T) {
	us := createUsers(t, "gam", 3)
	id, _ := createGroup(t, "grp", us[0])
	patchOK(t, "/Groups/"+id, op("add", "members", memberList(us[1:])))
	checkMembers(t, id, "after add", us...)
}

func groupAddTwice(ctx context.Context, t *T) {
	us := createUsers(t, "gat", 2)
	id, _ := createGroup(t, "grp", us...)
	patchOK(t, "/Groups/"+id, op("add", "members", memberList(us[:1])))
	checkMembers(t, id, "after re-adding a member", us...)
}

func groupRemoveFilter(ctx context.Context, t *T) {
	us := createUsers(t, "grf", 3)
	id, _ := createGroup(t, "grp", us...)
	patchOK(t, "/Groups/"+id, op("remove", fmt.Sprintf("members[value eq %q]", us[1]), nil))
	checkMembers(t, id, "after remove members[value eq …]", us[0], us[2])
}

func groupRemoveValueList(ctx context.Context, t *T) {
	us := createUsers(t, "grv", 4)
	id, _ := createGroup(t, "grp", us...)
	patchOK(t, "/Groups/"+id, op("Remove", "members", []any{obj{"$ref": nil, "value": us[1]}, obj{"value": us[2]}}))
	checkMembers(t, id, "after remove with a value list", us[0], us[3])
}

func groupReplaceMembers(ctx context.Context, t *T) {
	us := createUsers(t, "grm", 4)
	id, _ := createGroup(t, "grp", us[:2]...)
	patchOK(t, "/Groups/"+id, op("replace", "members", memberList(us[1:])))
	checkMembers(t, id, "after replace", us[1:]...)
}

func groupExcludeMembers(ctx context.Context, t *T) {
	us := createUsers(t, "gex", 1)
	id, name := createGroup(t, "grp", us...)
	g := get(t, "/Groups/"+id+"?excludedAttributes=members")
	if _, ok := g["members"]; ok || g["displayName"] != name {
		t.Errorf("GET ?excludedAttributes=members: members present %v, displayName %#v", ok, g["displayName"])
	}
	if !t.Features().Has(FeatureFilter) {
		return
	}
	_, rs := list(t, "/Groups?excludedAttributes=members&"+strings.TrimPrefix(filterPath("", "displayName eq "+q(name)), "?"))
	if len(rs) != 1 {
		t.Fatalf("filter by displayName: %d groups, want 1", len(rs))
	}
	if _, ok := rs[0]["members"]; ok {
		t.Errorf("list with excludedAttributes=members returned members")
	}
}

func groupFilterName(ctx context.Context, t *T) {
	id, name := createGroup(t, "gfn")
	_, rs := list(t, filterPath("/Groups", "displayName eq "+q(name)))
	if d := cmp.Diff([]string{id}, ids(rs)); d != "" {
		t.Errorf("ids (-want +got):\n%s", d)
	}
}

func groupUserGroups(ctx context.Context, t *T) {
	us := createUsers(t, "gug", 1)
	gid, _ := createGroup(t, "grp", us...)
	u := get(t, "/Users/"+us[0])
	gs, _ := u["groups"].([]any)
	for _, g := range gs {
		if o, _ := g.(obj); o != nil && o["value"] == gid {
			return
		}
	}
	t.Errorf("user groups %#v lack %s", u["groups"], gid)
}

func groupDeleteUser(ctx context.Context, t *T) {
	us := createUsers(t, "gdu", 2)
	gid, _ := createGroup(t, "grp", us...)
	t.Must(t.Do(http.MethodDelete, "/Users/"+us[0], nil), "DELETE /Users/{id}", http.StatusNoContent)
	checkMembers(t, gid, "after deleting a member user", us[1])
	if !t.Features().Has(FeatureFilter) {
		return
	}
	path := filterPath("/Groups", "members.value eq "+q(us[0]))
	if res := t.Do(http.MethodGet, path, nil); res.Status == http.StatusOK {
		if _, rs := list(t, path); len(rs) != 0 {
			t.Errorf("GET %s after deleting the user: groups %v, want none", path, ids(rs))
		}
	} else {
		t.Logf("GET %s: status %d; filtering groups by member is optional", path, res.Status)
	}
}

// groupDeleteGroup checks the members' groups attribute after the group
// is deleted. A server that does not return groups passes (whether it
// does is checked by groups.user-groups-attribute).
func groupDeleteGroup(ctx context.Context, t *T) {
	us := createUsers(t, "gdg", 2)
	gid, _ := createGroup(t, "grp", us...)
	keep, _ := createGroup(t, "kept", us[0])
	t.Must(t.Do(http.MethodDelete, "/Groups/"+gid, nil), "DELETE /Groups/{id}", http.StatusNoContent)
	for i, uid := range us {
		u := get(t, "/Users/"+uid)
		var got []string
		gs, _ := u["groups"].([]any)
		for _, g := range gs {
			if o, _ := g.(obj); o != nil {
				if v, ok := o["value"].(string); ok && (v == gid || v == keep) {
					got = append(got, v)
				}
			}
		}
		want := []string{keep}
		if i == 1 || len(gs) == 0 {
			want = nil
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("user %d's groups after deleting a group (-want +got):\n%s", i, d)
		}
	}
}

func groupDelete(ctx context.Context, t *T) {
	id, _ := createGroup(t, "gdel")
	t.Want(t.Do(http.MethodDelete, "/Groups/"+id, nil), "DELETE /Groups/{id}", http.StatusNoContent)
	checkError(t, t.Do(http.MethodGet, "/Groups/"+id, nil), "GET after DELETE", http.StatusNotFound, "")
}

func groupLarge(ctx context.Context, t *T) {
	n := t.Target().largeGroupSize()
	us := createUsers(t, "glarge", n)
	id, _ := createGroup(t, "grp")
	var mu sync.Mutex
	var g errgroup.Group
	g.SetLimit(4)
	for start := 0; start < n; start += 100 {
		batch := us[start:min(start+100, n)]
		g.Go(func() error {
			res := t.Do(http.MethodPatch, "/Groups/"+id, patchBody(op("add", "members", memberList(batch))))
			if res.Status != http.StatusOK && res.Status != http.StatusNoContent {
				mu.Lock()
				defer mu.Unlock()
				return fmt.Errorf("PATCH add 100 members: status %d: %s", res.Status, truncate(res.Body, 300))
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatalf("%v", err)
	}
	got := groupMembers(t, id)
	if len(got) != n {
		t.Errorf("GET /Groups/{id}: %d members, want %d", len(got), n)
	}
	if d := cmp.Diff(sorted(us...), got); d != "" && len(got) == n {
		t.Errorf("members differ (-want +got):\n%s", truncate([]byte(d), 2000))
	}
}
