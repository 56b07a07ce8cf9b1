package scim

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func userNames(t *testing.T, res response) []string {
	t.Helper()
	var out []string
	for _, r := range res.json["Resources"].([]any) {
		out = append(out, r.(map[string]any)["userName"].(string))
	}
	return out
}

func TestList(t *testing.T) {
	h := newTestHandler(t, Config{MaxPageSize: 3, DefaultPageSize: 2})
	for _, n := range []string{"carol", "alice", "dave", "bob"} {
		createUser(t, h, n)
	}
	for _, tt := range []struct {
		target   string
		want     []string
		total    float64
		start    float64
		wantCode int
	}{
		{"/Users", []string{"carol", "alice"}, 4, 1, 200},
		{"/Users?count=10", []string{"carol", "alice", "dave"}, 4, 1, 200},
		{"/Users?count=-5", nil, 4, 1, 200},
		{"/Users?count=0", nil, 4, 1, 200},
		{"/Users?startIndex=0&count=1", []string{"carol"}, 4, 1, 200},
		{"/Users?startIndex=-3&count=1", []string{"carol"}, 4, 1, 200},
		{"/Users?startIndex=4&count=3", []string{"bob"}, 4, 4, 200},
		{"/Users?startIndex=99", nil, 4, 99, 200},
		{"/Users?startIndex=99999999999999999999", nil, 4, 2147483647, 200},
		{"/Users?sortBy=userName&count=3", []string{"alice", "bob", "carol"}, 4, 1, 200},
		{"/Users?sortBy=USERNAME&sortOrder=Descending&count=3", []string{"dave", "carol", "bob"}, 4, 1, 200},
		{"/Users?STARTINDEX=2&Count=1", []string{"alice"}, 4, 2, 200},
		{`/Users?filter=userName sw "c" or userName eq "BOB"&sortBy=userName`, []string{"bob", "carol"}, 2, 1, 200},
		{`/Users?filter=userName eq "nobody"`, nil, 0, 1, 200},
		{"/Users?filter=", []string{"carol", "alice"}, 4, 1, 200},
		{"/Users?sortOrder=sideways", nil, 0, 0, 400},
		{"/Users?sortBy=shoeSize", nil, 0, 0, 400},
		{"/Users?count=ten", nil, 0, 0, 400},
		{"/Users?startIndex=1.5", nil, 0, 0, 400},
		{"/Users?attributes=userName&excludedAttributes=name", nil, 0, 0, 400},
		{`/Users?filter=userName eq`, nil, 0, 0, 400},
		{`/Users?filter=shoeSize eq 3`, nil, 0, 0, 400},
	} {
		t.Run(tt.target, func(t *testing.T) {
			res := mustDo(t, h, request{method: "GET", target: tt.target}, tt.wantCode)
			if tt.wantCode != 200 {
				if st, _ := res.json["scimType"].(string); st == "" {
					t.Errorf("400 without scimType: %s", res.body)
				}
				return
			}
			if diff := cmp.Diff(tt.want, userNames(t, res)); diff != "" {
				t.Errorf("users (-want +got):\n%s", diff)
			}
			if res.json["totalResults"] != tt.total || res.json["startIndex"] != tt.start ||
				res.json["itemsPerPage"] != float64(len(tt.want)) {
				t.Errorf("totalResults/startIndex/itemsPerPage: %s", res.body)
			}
		})
	}
}

func TestListCursor(t *testing.T) {
	h := newTestHandler(t, Config{})
	var want []string
	for i := range 7 {
		n := fmt.Sprintf("user%d", i)
		createUser(t, h, n)
		want = append(want, n)
	}
	var got []string
	target := "/Users?sortBy=userName&count=3&cursor"
	for pages := 0; pages < 10; pages++ {
		res := mustDo(t, h, request{method: "GET", target: target}, 200)
		if _, ok := res.json["startIndex"]; ok {
			t.Errorf("cursor page with startIndex: %s", res.body)
		}
		if tot, _ := res.json["totalResults"].(float64); tot < 7 {
			t.Errorf("totalResults %v", res.json["totalResults"])
		}
		got = append(got, userNames(t, res)...)
		if pages == 0 {
			createUser(t, h, "zz-added-while-paging")
			want = append(want, "zz-added-while-paging")
		}
		next, _ := res.json["nextCursor"].(string)
		if next == "" {
			break
		}
		target = "/Users?sortBy=userName&count=3&cursor=" + next
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cursor walk (-want +got):\n%s", diff)
	}
	res := mustDo(t, h, request{method: "GET", target: "/Users?cursor=not-a-cursor"}, 400)
	if res.json["scimType"] != "invalidCursor" {
		t.Errorf("bad cursor: %s", res.body)
	}
}

func TestSearch(t *testing.T) {
	h := newTestHandler(t, Config{})
	createUser(t, h, "alice")
	createUser(t, h, "bob")
	createGroup(t, h, "alice-team")
	for _, tt := range []struct {
		target, body string
		code         int
		total        float64
		items        int
	}{
		{"/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"userName eq \"bob\"","attributes":["userName"],"startIndex":1,"count":10}`, 200, 1, 1},
		{"/Users/.search", `{"FILTER":"userName sw \"a\"","count":"5","attributes":"userName,name"}`, 200, 1, 1},
		{"/Users/.search", `{"sortBy":"userName","sortOrder":"descending","count":null}`, 200, 2, 2},
		{"/Users/.search", `{"count":[1]}`, 400, 0, 0},
		{"/Users/.search", `[1]`, 400, 0, 0},
		{"/.search", `{"filter":"displayName sw \"alice\" or userName sw \"alice\""}`, 200, 2, 2},
		{"/.search", `{"filter":"userName pr"}`, 200, 2, 2},
		{"/.search", `{"startIndex":2,"count":1}`, 200, 3, 1},
		{"/.search", `{"filter":"shoeSize eq 1"}`, 400, 0, 0},
		{"/.search", `{"cursor":""}`, 400, 0, 0},
	} {
		t.Run(tt.target+" "+tt.body, func(t *testing.T) {
			res := mustDo(t, h, request{method: "POST", target: tt.target, body: tt.body}, tt.code)
			if tt.code != 200 {
				return
			}
			if res.json["totalResults"] != tt.total || len(res.json["Resources"].([]any)) != tt.items {
				t.Errorf("%s", res.body)
			}
		})
	}
	res := mustDo(t, h, request{method: "GET", target: `/?filter=userName eq "bob"&attributes=userName`}, 200)
	if r := res.json["Resources"].([]any); len(r) != 1 || r[0].(map[string]any)["name"] != nil {
		t.Errorf("GET / with filter: %s", res.body)
	}
}

func TestDiscovery(t *testing.T) {
	h := newTestHandler(t, Config{MaxPageSize: 500})
	res := mustDo(t, h, request{method: "GET", target: "/ServiceProviderConfig"}, 200)
	for path, want := range map[string]any{
		"patch.supported": true, "bulk.supported": true, "bulk.maxOperations": 1000.0, "bulk.maxPayloadSize": 1048576.0, "filter.supported": true, "filter.maxResults": 500.0,
		"changePassword.supported": false, "sort.supported": true, "etag.supported": true,
		"pagination.cursor": true, "pagination.index": true, "pagination.maxPageSize": 500.0,
		"meta.location": "http://scim.example.com/ServiceProviderConfig",
	} {
		a, b, _ := strings.Cut(path, ".")
		if got := res.json[a].(map[string]any)[b]; got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	if s := res.json["authenticationSchemes"].([]any)[0].(map[string]any); s["type"] != "oauthbearertoken" {
		t.Errorf("authenticationSchemes %v", s)
	}
	res = mustDo(t, h, request{method: "GET", target: "/Schemas"}, 200)
	var ids []string
	for _, s := range res.json["Resources"].([]any) {
		ids = append(ids, s.(map[string]any)["id"].(string))
	}
	wantIDs := []string{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "urn:ietf:params:scim:schemas:core:2.0:Group"}
	if diff := cmp.Diff(wantIDs, ids); diff != "" {
		t.Errorf("/Schemas (-want +got):\n%s", diff)
	}
	res = mustDo(t, h, request{method: "GET", target: "/Schemas/URN:ietf:params:scim:schemas:core:2.0:Group"}, 200)
	if res.json["id"] != wantIDs[2] || res.json["meta"].(map[string]any)["location"] != "http://scim.example.com/Schemas/"+wantIDs[2] {
		t.Errorf("/Schemas/{id}: %s", res.body)
	}
	mustDo(t, h, request{method: "GET", target: "/Schemas/urn:nope"}, 404)
	res = mustDo(t, h, request{method: "GET", target: "/ResourceTypes"}, 200)
	if res.json["totalResults"] != 2.0 {
		t.Errorf("/ResourceTypes: %s", res.body)
	}
	res = mustDo(t, h, request{method: "GET", target: "/ResourceTypes/user"}, 200)
	if res.json["endpoint"] != "/Users" || res.json["schemaExtensions"] == nil {
		t.Errorf("/ResourceTypes/User: %s", res.body)
	}
	mustDo(t, h, request{method: "GET", target: "/ResourceTypes/Device"}, 404)
	mustDo(t, h, request{method: "GET", target: `/Schemas?filter=id eq "x"`}, 403)
}
