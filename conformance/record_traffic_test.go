package conformance_test

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/scimkit/scimkit/conformance"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
)

// traffic is IdP traffic using what the provisioning log records besides
// bodies: filter probes (reads), a body without Content-Type, If-Match
// (current, stale and "*"), a /Bulk request creating resources that later
// requests use, and a query on a single resource.
const traffic = `{"idp":"okta","unique":["alice@example.com","bob@example.com","Team"],"steps":[
{"name":"probe","request":{"method":"GET","path":"/Users?filter=userName%20eq%20%22alice%40example.com%22&startIndex=1&count=100","headers":{"User-Agent":"Okta SCIM Client 1.0.0"}},"expect":{"status":200}},
{"name":"create","request":{"method":"POST","path":"/Users","headers":{"User-Agent":"Okta SCIM Client 1.0.0"},
 "body":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice@example.com","externalId":"00u1","active":true,"password":"t1meMa$heen"}},
 "expect":{"status":201},"capture":{"u.id":"id","u.v1":"header:ETag"}},
{"name":"probe-again","request":{"method":"GET","path":"/Users?filter=userName%20eq%20%22alice%40example.com%22","headers":{"User-Agent":"Okta SCIM Client 1.0.0"}},"expect":{"status":200}},
{"name":"patch-current","request":{"method":"PATCH","path":"/Users/{{u.id}}","headers":{"Content-Type":"application/scim+json","If-Match":"{{u.v1}}"},
 "body":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"Alice A"}]}},"expect":{"status":200}},
{"name":"patch-stale","request":{"method":"PATCH","path":"/Users/{{u.id}}","headers":{"Content-Type":"application/scim+json","If-Match":"{{u.v1}}"},
 "body":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"Alice B"}]}},"expect":{"status":412}},
{"name":"put-any","request":{"method":"PUT","path":"/Users/{{u.id}}","headers":{"Content-Type":"application/scim+json","If-Match":"*"},
 "body":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice@example.com","externalId":"00u1","displayName":"Alice C"}},"expect":{"status":200}},
{"name":"get-attributes","request":{"method":"GET","path":"/Users/{{u.id}}?attributes=displayName"},"expect":{"status":200}},
{"name":"bulk","request":{"method":"POST","path":"/Bulk","headers":{"Content-Type":"application/scim+json"},
 "body":{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[
  {"method":"POST","path":"/Users","bulkId":"b1","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bob@example.com"}},
  {"method":"POST","path":"/Groups","bulkId":"g1","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Team","members":[{"value":"bulkId:b1"},{"value":"{{u.id}}"}]}},
  {"method":"POST","path":"/Users","bulkId":"dup","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice@example.com"}},
  {"method":"PATCH","path":"/Users/{{u.id}}","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}}]}},
 "expect":{"status":200},"capture":{"g.id":"bulk:g1"}},
{"name":"get-group","request":{"method":"GET","path":"/Groups/{{g.id}}"},"expect":{"status":200}},
{"name":"search","request":{"method":"POST","path":"/Groups/.search","headers":{"Content-Type":"application/scim+json"},
 "body":{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"displayName eq \"Team\""}},"expect":{"status":200}},
{"name":"remove-member","request":{"method":"PATCH","path":"/Groups/{{g.id}}","headers":{"Content-Type":"application/scim+json"},
 "body":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"{{u.id}}\"]"}]}},"expect":{"status":200,"alsoStatus":[204]}},
{"name":"delete","request":{"method":"DELETE","path":"/Users/{{u.id}}"},"expect":{"status":204}},
{"name":"gone","request":{"method":"GET","path":"/Users/{{u.id}}"},"expect":{"status":404}}
]}`

// TestRecordTraffic records traffic that needs the log's query, headers,
// responses, bulk results and reads, checks the recording uses them, and
// replays it on fresh memory and SQLite servers: no difference, nothing
// left out.
func TestRecordTraffic(t *testing.T) {
	drive, err := conformance.ParseReplayFile([]byte(traffic))
	if err != nil {
		t.Fatal(err)
	}
	rec := recordFixture(t, drive)
	if strings.Contains(rec.Note, "Left out") {
		t.Errorf("requests left out: %s", rec.Note)
	}
	var seen []string
	for _, s := range rec.Steps {
		_, hasType := s.Request.Headers["Content-Type"]
		switch {
		case s.Request.Method == "POST" && s.Request.Path == "/Users" && !hasType && s.Request.Headers["User-Agent"] == "Okta SCIM Client 1.0.0":
			seen = append(seen, "okta POST without Content-Type")
		case strings.HasPrefix(s.Request.Headers["If-Match"], "{{user1.v"):
			seen = append(seen, "If-Match "+strings.Trim(s.Request.Headers["If-Match"], "{}")+" "+strconv.Itoa(s.Expect.Status))
		case s.Request.Headers["If-Match"] == "*":
			seen = append(seen, "If-Match *")
		case s.Request.Path == "/Bulk" && s.Capture["group1.id"] == "bulk:g1" && s.Capture["user2.id"] == "bulk:b1":
			seen = append(seen, "bulk captures")
		case strings.HasPrefix(s.Request.Path, "/Users?filter=") && strings.Contains(compact(s.Expect.Body), `"totalResults":1`):
			seen = append(seen, "probe finding user1")
		case s.Request.Path == "/Users/{{user1.id}}?attributes=displayName":
			seen = append(seen, "query on a resource")
		}
	}
	want := []string{"okta POST without Content-Type", "probe finding user1", "If-Match user1.v1 200", "If-Match user1.v1 412",
		"If-Match *", "query on a resource", "bulk captures"}
	if strings.Join(seen, "\n") != strings.Join(want, "\n") {
		data, _ := json.MarshalIndent(rec, "", " ")
		t.Errorf("recording uses %q, want %q\n%s", seen, want, data)
	}
	for name, open := range map[string]func(t *testing.T) store.Store{
		"memory": func(*testing.T) store.Store { return memory.New() },
		"sqlite": openSQLite,
	} {
		rep := conformance.Replay(t.Context(), target(newServer(t, open(t), nil)), rec)
		if rep.Failed() || len(rep.Steps) != len(rec.Steps) {
			t.Errorf("%s: replayed %d of %d steps: %s", name, len(rep.Steps), len(rec.Steps), describeReplay(rep))
		}
	}
}

func compact(raw json.RawMessage) string {
	var b bytes.Buffer
	json.Compact(&b, raw)
	return b.String()
}
