package conformance

import (
	"context"
	"mime"
	"net/http"
	"strings"
)

func init() {
	register(
		Case{ID: "discovery.spc.shape", Title: "/ServiceProviderConfig answers 200 with every feature object",
			Requirement: must("RFC 7644 §4, RFC 7643 §5"), Profiles: every, Func: spcShape},
		Case{ID: "discovery.resourcetypes.shape", Title: "/ResourceTypes lists User with endpoint and schema",
			Requirement: must("RFC 7644 §4, RFC 7643 §6"), Profiles: every, Func: resourceTypesShape},
		Case{ID: "discovery.schemas.user", Title: "/Schemas lists the core User schema with userName",
			Requirement: must("RFC 7644 §4, RFC 7643 §7"), Profiles: every, Func: schemasShape},
		Case{ID: "discovery.schemas.by-id", Title: "/Schemas/{urn} returns one schema",
			Requirement: should("RFC 7644 §4"), Profiles: rfc, Func: schemaByID},
		Case{ID: "discovery.filter-403", Title: "a filter on a discovery endpoint is refused with 403",
			Requirement: should("RFC 7644 §4"), Profiles: rfc, Func: discoveryFilter},
		Case{ID: "protocol.content-type", Title: "responses are application/scim+json",
			Requirement: should("RFC 7644 §3.1, §8.1"), Profiles: rfc, Func: contentType},
		Case{ID: "entra.content-type", Title: "responses are application/scim+json (Entra requires it)",
			Requirement: idp("Microsoft Entra SCIM tutorial §General"), Profiles: entra, Func: contentType},
		Case{ID: "auth.missing-token-401", Title: "a request without credentials is 401 with a SCIM error",
			Requirement: must("RFC 7644 §2, §3.12; Okta SPEC test 'Check status 401'"), Profiles: every, Func: authMissing},
		Case{ID: "auth.bad-token-401", Title: "a request with a wrong bearer token is 401",
			Requirement: must("RFC 7644 §2, RFC 6750 §3.1"), Profiles: every, Func: authBad},
	)
}

func spcShape(ctx context.Context, t *T) {
	m := get(t, "/ServiceProviderConfig")
	if !hasString(m["schemas"], spcURN) {
		t.Errorf("schemas %v lack %s", m["schemas"], spcURN)
	}
	for _, f := range []string{"patch", "bulk", "filter", "changePassword", "sort", "etag"} {
		o, ok := m[f].(obj)
		if !ok {
			t.Errorf("%s: missing or not an object (%#v)", f, m[f])
			continue
		}
		if _, ok := o["supported"].(bool); !ok {
			t.Errorf("%s.supported: %#v is not a boolean", f, o["supported"])
		}
	}
	if _, ok := m["authenticationSchemes"].([]any); !ok {
		t.Errorf("authenticationSchemes: %#v is not an array", m["authenticationSchemes"])
	}
}

func resourceTypesShape(ctx context.Context, t *T) {
	res := t.Do(http.MethodGet, "/ResourceTypes", nil)
	t.Must(res, "GET /ResourceTypes", http.StatusOK)
	for _, rt := range resourceTypes(res.Body) {
		if strings.EqualFold(rt.Name, "User") {
			if !strings.EqualFold(rt.Endpoint, "/Users") || rt.Schema != userURN {
				t.Errorf("User resource type: endpoint %q schema %q, want /Users and %s", rt.Endpoint, rt.Schema, userURN)
			}
			return
		}
	}
	t.Errorf("no User resource type in %s", truncate(res.Body, 500))
}

func schemasShape(ctx context.Context, t *T) {
	res := t.Do(http.MethodGet, "/Schemas", nil)
	t.Must(res, "GET /Schemas", http.StatusOK)
	for _, s := range resourcesOf(res) {
		if s["id"] != userURN {
			continue
		}
		as, _ := s["attributes"].([]any)
		for _, a := range as {
			if o, _ := a.(obj); o != nil && o["name"] == "userName" {
				return
			}
		}
		t.Fatalf("the User schema has no userName attribute")
	}
	t.Errorf("/Schemas does not list %s", userURN)
}

// resourcesOf returns the Resources of a ListResponse, or a bare array.
func resourcesOf(res *Response) []obj {
	var out []obj
	raw, _ := res.JSON()["Resources"].([]any)
	for _, r := range raw {
		if o, ok := r.(obj); ok {
			out = append(out, o)
		}
	}
	return out
}

func schemaByID(ctx context.Context, t *T) {
	m := get(t, "/Schemas/"+userURN)
	if m["id"] != userURN {
		t.Errorf("id %#v, want %s", m["id"], userURN)
	}
}

func discoveryFilter(ctx context.Context, t *T) {
	res := t.Do(http.MethodGet, filterPath("/Schemas", `id eq "`+userURN+`"`), nil)
	t.Want(res, "GET /Schemas?filter=…", http.StatusForbidden)
}

func contentType(ctx context.Context, t *T) {
	for _, p := range []string{"/ServiceProviderConfig", "/Users?count=1", "/Users/does-not-exist-" + t.Name("x")} {
		res := t.Do(http.MethodGet, p, nil)
		mt, _, err := mime.ParseMediaType(res.Header.Get("Content-Type"))
		if err != nil || mt != scimMediaType {
			t.Errorf("GET %s: Content-Type %q, want %s", p, res.Header.Get("Content-Type"), scimMediaType)
		}
	}
}

func authMissing(ctx context.Context, t *T) {
	res := t.Do(http.MethodGet, "/Users?count=1", nil, Header("Authorization", ""))
	checkError(t, res, "GET /Users without Authorization", http.StatusUnauthorized, "")
}

func authBad(ctx context.Context, t *T) {
	res := t.Do(http.MethodGet, "/Users?count=1", nil, Header("Authorization", "Bearer scimconform-wrong-"+t.Name("token")))
	t.Want(res, "GET /Users with a wrong token", http.StatusUnauthorized)
}
