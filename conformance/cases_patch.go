package conformance

import (
	"context"
	"net/http"

	"github.com/google/go-cmp/cmp"
)

var needPatch = []Feature{FeaturePatch}

func init() {
	register(
		Case{ID: "patch.add", Title: "add with a path sets an attribute",
			Requirement: must("RFC 7644 §3.5.2.1"), Profiles: every, Needs: needPatch, Func: patchAdd},
		Case{ID: "patch.replace", Title: "replace with a path changes an attribute",
			Requirement: must("RFC 7644 §3.5.2.3"), Profiles: every, Needs: needPatch, Func: patchReplace},
		Case{ID: "patch.remove", Title: "remove with a path deletes an attribute",
			Requirement: must("RFC 7644 §3.5.2.2"), Profiles: every, Needs: needPatch, Func: patchRemove},
		Case{ID: "patch.no-path", Title: "add/replace without path merge the value object",
			Requirement: must("RFC 7644 §3.5.2.1, §3.5.2.3"), Profiles: every, Needs: needPatch, Func: patchNoPath},
		Case{ID: "patch.sub-attribute", Title: "a path naming a sub-attribute (name.familyName) changes only it",
			Requirement: must("RFC 7644 §3.5.2"), Profiles: every, Needs: needPatch, Func: patchSubAttr},
		Case{ID: "patch.value-path", Title: "emails[type eq \"work\"].value replaces the matching value only",
			Requirement: must("RFC 7644 §3.5.2.3"), Profiles: every, Needs: needPatch, Func: patchValuePath},
		Case{ID: "patch.remove-value-filter", Title: "remove emails[type eq \"home\"] removes only matching values",
			Requirement: must("RFC 7644 §3.5.2.2"), Profiles: rfc, Needs: needPatch, Func: patchRemoveFilter},
		Case{ID: "patch.extension-urn-path", Title: "a full-URN path reaches an Enterprise User attribute",
			Requirement: must("RFC 7644 §3.5.2, §3.10"), Profiles: every, Needs: []Feature{FeaturePatch, FeatureEnterprise}, Func: patchURNPath},
		Case{ID: "patch.atomic", Title: "a PATCH whose last operation fails changes nothing",
			Requirement: must("RFC 7644 §3.5.2 (all or nothing)"), Profiles: every, Needs: needPatch, Func: patchAtomic},
		Case{ID: "patch.remove-no-path-400", Title: "remove without path is 400 noTarget",
			Requirement: must("RFC 7644 §3.5.2.2"), Profiles: rfc, Needs: needPatch, Func: patchRemoveNoPath},
		Case{ID: "patch.readonly-id-400", Title: "replacing id with another value is 400 mutability",
			Requirement: must("RFC 7644 §3.5.2, RFC 7643 §3.1"), Profiles: rfc, Needs: needPatch, Func: patchReadOnly},
		Case{ID: "patch.bad-op-400", Title: "an unknown op is 400",
			Requirement: must("RFC 7644 §3.5.2"), Profiles: rfc, Needs: needPatch, Func: patchBadOp},
		Case{ID: "patch.unknown-404", Title: "PATCH of an unknown id is 404",
			Requirement: must("RFC 7644 §3.5.2, §3.12"), Profiles: rfc, Needs: needPatch, Func: patchUnknown},
	)
}

func patchAdd(ctx context.Context, t *T) {
	id, _ := createUser(t, "padd", nil)
	patchOK(t, "/Users/"+id, op("add", "title", "Engineer"))
	if g := get(t, "/Users/"+id); g["title"] != "Engineer" {
		t.Errorf("title %#v, want Engineer", g["title"])
	}
}

func patchReplace(ctx context.Context, t *T) {
	id, _ := createUser(t, "prep", obj{"displayName": "Before"})
	patchOK(t, "/Users/"+id, op("replace", "displayName", "After"))
	if g := get(t, "/Users/"+id); g["displayName"] != "After" {
		t.Errorf("displayName %#v, want After", g["displayName"])
	}
}

func patchRemove(ctx context.Context, t *T) {
	id, _ := createUser(t, "prem", obj{"title": "Engineer"})
	patchOK(t, "/Users/"+id, op("remove", "title", nil))
	if v, ok := get(t, "/Users/"+id)["title"]; ok {
		t.Errorf("title %#v still present", v)
	}
}

func patchNoPath(ctx context.Context, t *T) {
	id, _ := createUser(t, "pnp", nil)
	patchOK(t, "/Users/"+id, op("add", "", obj{"title": "Engineer"}), op("replace", "", obj{"displayName": "No Path", "active": false}))
	g := get(t, "/Users/"+id)
	if g["title"] != "Engineer" || g["displayName"] != "No Path" || g["active"] != false {
		t.Errorf("title %#v displayName %#v active %#v, want Engineer, No Path, false", g["title"], g["displayName"], g["active"])
	}
}

func patchSubAttr(ctx context.Context, t *T) {
	id, _ := createUser(t, "psub", nil)
	patchOK(t, "/Users/"+id, op("replace", "name.familyName", "Changed"))
	g := get(t, "/Users/"+id)
	if attr(g, "name.familyName") != "Changed" || attr(g, "name.givenName") != "Conformance" {
		t.Errorf("name %#v, want familyName Changed and givenName kept", g["name"])
	}
}

func patchValuePath(ctx context.Context, t *T) {
	id, _ := createUser(t, "pvp", obj{"emails": []any{
		obj{"value": "work@example.com", "type": "work"}, obj{"value": "home@example.com", "type": "home"}}})
	patchOK(t, "/Users/"+id, op("replace", `emails[type eq "work"].value`, "new-work@example.com"))
	got := emailsByType(get(t, "/Users/"+id))
	want := map[string]string{"work": "new-work@example.com", "home": "home@example.com"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("emails by type (-want +got):\n%s", d)
	}
}

func emailsByType(u obj) map[string]string {
	out := map[string]string{}
	es, _ := u["emails"].([]any)
	for _, e := range es {
		if o, ok := e.(obj); ok {
			ty, _ := o["type"].(string)
			v, _ := o["value"].(string)
			out[ty] = v
		}
	}
	return out
}

func patchRemoveFilter(ctx context.Context, t *T) {
	id, _ := createUser(t, "prf", obj{"emails": []any{
		obj{"value": "work@example.com", "type": "work"}, obj{"value": "home@example.com", "type": "home"}}})
	patchOK(t, "/Users/"+id, op("remove", `emails[type eq "home"]`, nil))
	if d := cmp.Diff(map[string]string{"work": "work@example.com"}, emailsByType(get(t, "/Users/"+id))); d != "" {
		t.Errorf("emails by type (-want +got):\n%s", d)
	}
}

func patchURNPath(ctx context.Context, t *T) {
	id, _ := createUser(t, "purn", nil)
	patchOK(t, "/Users/"+id, op("add", enterpriseURN+":department", "Finance"))
	if g := get(t, "/Users/"+id); ext(g, "department") != "Finance" {
		t.Errorf("%s %#v, want department Finance", enterpriseURN, g[enterpriseURN])
	}
}

func patchAtomic(ctx context.Context, t *T) {
	id, _ := createUser(t, "patom", obj{"displayName": "Unchanged", "title": "Unchanged"})
	res := t.Do(http.MethodPatch, "/Users/"+id, patchBody(
		op("replace", "displayName", "Changed"),
		op("replace", "title", "Changed"),
		op("remove", "", nil)))
	t.Want(res, "PATCH whose third op has no path", http.StatusBadRequest)
	g := get(t, "/Users/"+id)
	if g["displayName"] != "Unchanged" || g["title"] != "Unchanged" {
		t.Errorf("after a failed PATCH: displayName %#v title %#v, want both Unchanged", g["displayName"], g["title"])
	}
}

func patchRemoveNoPath(ctx context.Context, t *T) {
	id, _ := createUser(t, "prnp", nil)
	checkError(t, t.Do(http.MethodPatch, "/Users/"+id, patchBody(op("remove", "", nil))), "remove without path", http.StatusBadRequest, "noTarget")
}

func patchReadOnly(ctx context.Context, t *T) {
	id, _ := createUser(t, "pro", nil)
	res := t.Do(http.MethodPatch, "/Users/"+id, patchBody(op("replace", "id", "scimconform-other-id")))
	checkError(t, res, "replace id", http.StatusBadRequest, "mutability")
	get(t, "/Users/"+id)
}

func patchBadOp(ctx context.Context, t *T) {
	id, _ := createUser(t, "pbad", nil)
	checkError(t, t.Do(http.MethodPatch, "/Users/"+id, patchBody(op("frobnicate", "title", "x"))), "op frobnicate", http.StatusBadRequest, "")
}

func patchUnknown(ctx context.Context, t *T) {
	checkError(t, t.Do(http.MethodPatch, "/Users/"+t.Name("unknown"), patchBody(op("replace", "title", "x"))), "PATCH /Users/{unknown}", http.StatusNotFound, "")
}
