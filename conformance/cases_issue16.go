package conformance

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

func init() {
	register(
		Case{ID: "query.attributes-value-filter", Title: `attributes=emails[type eq "work"] is refused with a clear 400 or honoured, never answered with the id alone`,
			Requirement: should("RFC 7644 §3.9 (attributes are attribute names); Microsoft's SCIM test collection"), Profiles: rfc, Func: attributesValueFilter},
		Case{ID: "entra.manager-urn-dot", Title: `PATCH path "urn:…:enterprise:2.0:User.manager" (a '.' after the URN) sets the manager`,
			Requirement: idp("Microsoft SCIM test collection (AzureAD/SCIMReferenceCode); QUIRKS.md, third-party suites"), Profiles: entra,
			Needs: []Feature{FeaturePatch, FeatureEnterprise}, Func: managerURNDot},
		Case{ID: "authentik.patch-bulk-max-operations", Title: "a group PATCH of bulk.maxOperations one-member operations succeeds, as authentik batches them",
			Requirement: idp("authentik providers/scim/clients/groups.py _patch_chunked; QUIRKS.md Q-AUTHENTIK-ONE-OP-PER-MEMBER"), Profiles: []Profile{ProfileAuthentik},
			Needs: needGroupsPatch, Func: patchBulkMaxOps},
	)
}

func attributesValueFilter(ctx context.Context, t *T) {
	home := strings.ToLower(safeLocal(t.Name("home"))) + "@example.org"
	work := strings.ToLower(safeLocal(t.Name("work"))) + "@example.org"
	id, u := createUser(t, "attrvf", obj{"emails": []any{obj{"value": home, "type": "home"}, obj{"value": work, "type": "work"}}})
	byName := "filter=" + url.QueryEscape("userName eq "+q(u["userName"].(string)))
	for _, p := range []string{
		"/Users?" + byName + "&attributes=" + url.QueryEscape(`emails[type eq "work"]`),
		"/Users/" + id + "?attributes=" + url.QueryEscape(`emails[type eq "work"]`),
		"/Users/" + id + "?excludedAttributes=" + url.QueryEscape(`emails[type eq "home"]`),
	} {
		res := t.Do(http.MethodGet, p, nil)
		if res.Status == http.StatusBadRequest {
			m := res.JSON()
			if st, _ := m["scimType"].(string); st != "invalidValue" && st != "invalidFilter" || m["detail"] == nil || m["detail"] == "" {
				t.Errorf("GET %s: 400 without scimType invalidValue/invalidFilter and a detail: %s", p, truncate(res.Body, 300))
			}
			continue
		}
		t.Must(res, "GET "+p, http.StatusOK)
		r := res.JSON()
		if rs, ok := r["Resources"].([]any); ok && len(rs) == 1 {
			r, _ = rs[0].(obj)
		}
		emails, _ := r["emails"].([]any)
		if len(emails) != 1 || attr(emails[0].(obj), "value") != work {
			t.Errorf("GET %s: answered 200 with emails %v; want a 400 or only the work email %s", p, r["emails"], work)
		}
	}
}

func managerURNDot(ctx context.Context, t *T) {
	mgr, _ := createUser(t, "dotmgr", nil)
	id, _ := createUser(t, "dotemp", nil)
	patchOK(t, "/Users/"+id, op("replace", enterpriseURN+".manager", obj{"value": mgr}))
	m, _ := ext(get(t, "/Users/"+id), "manager").(obj)
	if m == nil || m["value"] != mgr {
		t.Errorf("manager %#v, want a complex value with value %s", m, mgr)
	}
}

func patchBulkMaxOps(ctx context.Context, t *T) {
	n, _ := t.Features().BulkLimits()
	if n <= 0 {
		t.Skipf("bulk.maxOperations is not advertised; authentik then sends one PATCH with every operation")
	}
	n = min(n, 1000)
	us := createUsers(t, "chunk", 3)
	id, _ := createGroup(t, "chunk")
	ops := make([]obj, n)
	for i := range ops {
		ops[i] = op("add", "members", []any{obj{"value": us[i%len(us)]}})
	}
	patchOK(t, "/Groups/"+id, ops...)
	checkMembers(t, id, "after the batch", us[:min(n, len(us))]...)
}
