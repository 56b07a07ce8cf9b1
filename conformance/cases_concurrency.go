package conformance

import (
	"context"
	"fmt"
	"net/http"
	"sync"
)

func init() {
	register(
		Case{ID: "concurrency.member-adds", Title: "16 concurrent PATCHes adding distinct members lose none",
			Requirement: must("RFC 7644 §3.5.2 (each PATCH applies atomically; no lost update)"), Profiles: every, Needs: needGroupsPatch, Func: concMemberAdds},
		Case{ID: "concurrency.member-add-remove", Title: "concurrent adds and removes of distinct members all apply",
			Requirement: must("RFC 7644 §3.5.2 (no lost update)"), Profiles: rfc, Needs: needGroupsPatch, Func: concAddRemove},
		Case{ID: "concurrency.create-same-username", Title: "10 simultaneous creates of one userName: exactly one 201, the rest 409",
			Requirement: must("RFC 7644 §3.3, RFC 7643 §4.1.1 (uniqueness server)"), Profiles: every, Func: concCreate},
		Case{ID: "concurrency.patch-attributes", Title: "concurrent PATCHes of different attributes of one user all apply",
			Requirement: must("RFC 7644 §3.5.2 (no lost update)"), Profiles: rfc, Needs: needPatch, Func: concPatchAttrs},
	)
}

// parallel runs f(0..n-1) at once and waits.
func parallel(n int, f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			f(i)
		})
	}
	close(start)
	wg.Wait()
}

func concMemberAdds(ctx context.Context, t *T) {
	us := createUsers(t, "cma", 16)
	id, _ := createGroup(t, "grp")
	statuses := make([]int, len(us))
	parallel(len(us), func(i int) {
		res := t.Do(http.MethodPatch, "/Groups/"+id, patchBody(op("add", "members", memberList(us[i:i+1]))))
		statuses[i] = res.Status
	})
	for i, s := range statuses {
		if s != http.StatusOK && s != http.StatusNoContent {
			t.Errorf("PATCH %d: status %d", i, s)
		}
	}
	checkMembers(t, id, "after 16 concurrent adds", us...)
}

func concAddRemove(ctx context.Context, t *T) {
	us := createUsers(t, "car", 16)
	id, _ := createGroup(t, "grp", us[:8]...)
	parallel(16, func(i int) {
		o := op("add", "members", memberList(us[i:i+1]))
		if i < 8 {
			o = op("remove", fmt.Sprintf("members[value eq %q]", us[i]), nil)
		}
		res := t.Do(http.MethodPatch, "/Groups/"+id, patchBody(o))
		if res.Status != http.StatusOK && res.Status != http.StatusNoContent {
			t.Errorf("PATCH %d: status %d", i, res.Status)
		}
	})
	checkMembers(t, id, "after 8 concurrent removes and 8 adds", us[8:]...)
}

func concCreate(ctx context.Context, t *T) {
	name := t.Name("same")
	statuses := make([]int, 10)
	parallel(10, func(i int) {
		statuses[i] = t.Do(http.MethodPost, "/Users", userBody(name, nil)).Status
	})
	created, conflicts := 0, 0
	for _, s := range statuses {
		switch s {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
			conflicts++
		}
	}
	if created != 1 || conflicts != 9 {
		t.Errorf("statuses %v: %d created and %d conflicts, want 1 and 9", statuses, created, conflicts)
	}
	if t.Features().Has(FeatureFilter) {
		if m, _ := list(t, filterPath("/Users", "userName eq "+q(name))); m["totalResults"] != 1.0 {
			t.Errorf("filter by the userName: totalResults %v, want 1", m["totalResults"])
		}
	}
}

func concPatchAttrs(ctx context.Context, t *T) {
	id, _ := createUser(t, "cpa", nil)
	attrs := []string{"title", "displayName", "nickName", "profileUrl", "userType", "preferredLanguage", "locale", "timezone"}
	vals := []string{"T", "D", "N", "https://example.com/p", "U", "en", "en-US", "Europe/Paris"}
	parallel(len(attrs), func(i int) {
		res := t.Do(http.MethodPatch, "/Users/"+id, patchBody(op("replace", attrs[i], vals[i])))
		if res.Status != http.StatusOK && res.Status != http.StatusNoContent {
			t.Errorf("PATCH %s: status %d", attrs[i], res.Status)
		}
	})
	g := get(t, "/Users/"+id)
	for i, a := range attrs {
		if g[a] != vals[i] {
			t.Errorf("%s = %#v, want %q (lost update)", a, g[a], vals[i])
		}
	}
}
