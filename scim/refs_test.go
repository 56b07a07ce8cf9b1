package scim

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const groupPrefix = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],`

// refsOf returns the "$ref" of each value of a multi-valued attribute,
// keyed by value ("" when a value has none).
func refsOf(t *testing.T, res response, attr string) map[string]string {
	t.Helper()
	out := map[string]string{}
	vals, _ := res.json[attr].([]any)
	for _, v := range vals {
		m, _ := v.(map[string]any)
		ref, _ := m["$ref"].(string)
		out[m["value"].(string)] = ref
	}
	return out
}

// TestRefs: a user's groups carry "$ref" to the Group (RFC 7643 §4.1.2)
// and a group's members to the User or Group (§4.2), by the type their
// value resolves to, built from the base URL like meta.location; a
// projection that leaves $ref out is obeyed.
func TestRefs(t *testing.T) {
	for _, tt := range []struct {
		name, base string
		cfg        Config
	}{
		{"from the request", "http://scim.example.com", Config{}},
		{"from Config.BaseURL", "https://gw.example.com/scim/v2", Config{BaseURL: "https://gw.example.com/scim/v2"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newTestHandler(t, tt.cfg)
			alice, bob := createUserTB(t, h, "alice"), createUserTB(t, h, "bob")
			sub := mustDo(t, h, request{method: "POST", target: "/Groups", body: groupPrefix + `"displayName":"sub"}`}, 201).json["id"].(string)
			body := fmt.Sprintf(groupPrefix+`"displayName":"g","members":[{"value":%q,"type":"User"},{"value":%q},{"value":%q,"type":"Group"}]}`, alice, bob, sub)
			created := mustDo(t, h, request{method: "POST", target: "/Groups", body: body}, 201)
			gid := created.json["id"].(string)
			// bob was sent without a type: his membership stores the type
			// his id resolves to, so he gets a $ref too.
			wantMembers := map[string]string{alice: tt.base + "/Users/" + alice, bob: tt.base + "/Users/" + bob, sub: tt.base + "/Groups/" + sub}
			if diff := cmp.Diff(wantMembers, refsOf(t, created, "members")); diff != "" {
				t.Errorf("POST /Groups members $ref (-want +got):\n%s", diff)
			}
			got := mustDo(t, h, request{method: "GET", target: "/Groups/" + gid}, 200)
			if diff := cmp.Diff(wantMembers, refsOf(t, got, "members")); diff != "" {
				t.Errorf("GET /Groups/{id} members $ref (-want +got):\n%s", diff)
			}
			user := mustDo(t, h, request{method: "GET", target: "/Users/" + alice}, 200)
			if diff := cmp.Diff(map[string]string{gid: tt.base + "/Groups/" + gid}, refsOf(t, user, "groups")); diff != "" {
				t.Errorf("GET /Users/{id} groups $ref (-want +got):\n%s", diff)
			}
			list := mustDo(t, h, request{method: "GET", target: `/Users?filter=userName eq "alice"`}, 200)
			listed := response{json: list.json["Resources"].([]any)[0].(map[string]any)}
			if diff := cmp.Diff(map[string]string{gid: tt.base + "/Groups/" + gid}, refsOf(t, listed, "groups")); diff != "" {
				t.Errorf("GET /Users?filter groups $ref (-want +got):\n%s", diff)
			}
			only := mustDo(t, h, request{method: "GET", target: "/Users/" + alice + "?attributes=groups.value"}, 200)
			if diff := cmp.Diff(map[string]string{gid: ""}, refsOf(t, only, "groups")); diff != "" {
				t.Errorf("attributes=groups.value (-want +got):\n%s", diff)
			}
		})
	}
}
