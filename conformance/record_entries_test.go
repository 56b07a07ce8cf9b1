package conformance_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/conformance"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
)

const (
	aliceID = "2819c223-7f76-453a-919d-413861904646"
	groupID = "e9e30dba-f08f-4109-8486-d5c6a331660a"
	lostID  = "7b5d4c2a-0000-4f6e-9d1c-3a4b5c6d7e8f"
	oldID   = "0ld0ld00-1111-2222-3333-444455556666"
	secret  = "scimkit_Q2hlY2tUaGF0VGhpc0lzUmVkYWN0ZWQxMjM0"
)

// entries is a provisioning log holding every kind of entry Record must
// map, redact or leave out.
func entries(at time.Time) []store.ProvisioningEntry {
	e := func(method, path, rt, id string, status int, body string) store.ProvisioningEntry {
		return store.ProvisioningEntry{Time: at, Tenant: "acme", IdP: "okta", Method: method, Path: path,
			ResourceType: rt, ResourceID: id, Status: status, Outcome: store.OutcomeOf(status), Body: body}
	}
	dup := e("POST", "/Users", "User", "", 409, `{"userName":"alice"}`)
	dup.ScimType = "uniqueness"
	return []store.ProvisioningEntry{
		e("POST", "/Users", "User", aliceID, 201, `{"userName":"alice","externalId":"ext-1","password":"t1Leaked!","active":true,"x":"`+secret+`"}`),
		dup,
		e("POST", "/Groups", "Group", groupID, 201, `{"displayName":"Admins","members":[{"value":"`+aliceID+`"}]}`),
		e("PATCH", "/Groups/"+groupID, "Group", groupID, 204, `{"Operations":[{"op":"remove","path":"members[value eq \"`+aliceID+`\"]"}]}`),
		e("PATCH", "/Users/"+aliceID, "User", aliceID, 200, `{"Operations":[{"op":"replace","path":"password","value":"x"}]}`),
		e("PUT", "/Users/"+aliceID, "User", aliceID, 412, `{"userName":"alice"}`),
		e("POST", "/Bulk", "Bulk", "", 200, `{"Operations":[]}`),
		e("POST", "/Users", "User", lostID, 201, `{"userName":"bob","title":"…[truncated]`),
		e("DELETE", "/Users/"+lostID, "User", lostID, 204, ""),
		e("PATCH", "/Groups/"+oldID, "Group", oldID, 204, `{"Operations":[{"op":"add","path":"members","value":[{"value":"`+aliceID+`"}]}]}`),
		e("DELETE", "/Users/"+oldID, "User", oldID, 404, ""),
		e("PUT", "/Users/"+aliceID, "User", aliceID, 200, `{"id":"`+aliceID+`","userName":"alice2"}`),
		e("DELETE", "/Users/"+aliceID, "User", aliceID, 204, ""),
	}
}

func TestRecordEntries(t *testing.T) {
	st := memory.New()
	now := time.Now().UTC()
	other := store.ProvisioningEntry{Time: now, Tenant: "other", Method: "DELETE", Path: "/Users/x", Status: 204}
	early := store.ProvisioningEntry{Time: now.Add(-2 * time.Hour), Tenant: "acme", Method: "DELETE", Path: "/Users/y", Status: 404}
	for _, e := range append([]store.ProvisioningEntry{other, early}, entries(now)...) {
		if _, err := st.Append(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
	f, err := conformance.Record(t.Context(), st, conformance.RecordQuery{Tenant: "acme", Since: now.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range f.Steps {
		got = append(got, strings.Join([]string{s.Request.Method, s.Request.Path, string(s.Request.Body),
			string(s.Expect.Body), strings.Join(keys(s.Capture), ",")}, " | "))
	}
	want := []string{
		`POST | /Users | {"active":true,"externalId":"ext-1","userName":"alice","x":"[redacted]"} | {"active":true,"externalId":"ext-1","userName":"alice"} | user1.id`,
		`POST | /Users | {"userName":"alice"} | {"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"scimType":"uniqueness","status":"409"} | `,
		`POST | /Groups | {"displayName":"Admins","members":[{"value":"{{user1.id}}"}]} | {"displayName":"Admins"} | group1.id`,
		`PATCH | /Groups/{{group1.id}} | {"Operations":[{"op":"remove","path":"members[value eq \"{{user1.id}}\"]"}]} |  | `,
		`DELETE | /Users/` + oldID + ` |  | {"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404"} | `,
		`PUT | /Users/{{user1.id}} | {"id":"{{user1.id}}","userName":"alice2"} | {"id":"{{user1.id}}","userName":"alice2"} | `,
		`DELETE | /Users/{{user1.id}} |  |  | `,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("steps (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"alice", "ext-1", "Admins", "alice2"}, f.Unique); d != "" {
		t.Errorf("unique (-want +got):\n%s", d)
	}
	for _, why := range []string{"Re-redacted 3 values", "every operation of the PATCH sets a secret", "If-Match", "/Bulk",
		"truncated", "whose creation was left out", "created before the recorded range"} {
		if !strings.Contains(f.Note, why) {
			t.Errorf("note lacks %q: %s", why, f.Note)
		}
	}
	if f.IdP != "okta" || f.Steps[0].Request.Headers["User-Agent"] == "" {
		t.Errorf("idp %q, headers %v: want okta and Okta's User-Agent", f.IdP, f.Steps[0].Request.Headers)
	}
}

// hasPasswordMember reports whether v has a member named password, at
// any depth, or a PATCH operation on password with a value.
func hasPasswordMember(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			name := strings.ToLower(k[strings.LastIndexByte(k, ':')+1:])
			if name == "password" || hasPasswordMember(e) {
				return true
			}
		}
		if p, _ := x["path"].(string); strings.Contains(strings.ToLower(p), "password") && x["value"] != nil {
			return true
		}
	case []any:
		for _, e := range x {
			if hasPasswordMember(e) {
				return true
			}
		}
	}
	return false
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// FuzzRecord checks that no recorded body makes Record fail or panic, and
// that a password never survives it.
func FuzzRecord(f *testing.F) {
	for _, e := range entries(time.Now()) {
		f.Add(e.Method, e.Path, e.Body, e.Status)
	}
	f.Add("PATCH", "/Users/"+aliceID, `{"Operations":[{"op":"replace","value":{"PASSWORD":"x","urn:x:password":"y"}}]}`, 200)
	f.Add("POST", "/Users", `[1,2]`, 400)
	f.Fuzz(func(t *testing.T, method, path, body string, status int) {
		st := memory.New()
		first := entries(time.Now())[0]
		e := store.ProvisioningEntry{Tenant: "acme", Method: method, Path: path, ResourceType: "User", ResourceID: aliceID, Status: status, Body: body}
		for _, x := range []store.ProvisioningEntry{first, e} {
			if _, err := st.Append(t.Context(), x); err != nil {
				t.Fatal(err)
			}
		}
		rf, err := conformance.Record(t.Context(), st, conformance.RecordQuery{Tenant: "acme"})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range rf.Steps {
			var v any
			json.Unmarshal(s.Request.Body, &v)
			if hasPasswordMember(v) {
				t.Errorf("password kept: %s", s.Request.Body)
			}
		}
	})
}

// TestRecordConcurrentRequests: requests that were in flight at the same
// time as one logged before them are marked, on the step and in the
// file's note, as not replayable one at a time with certainty.
func TestRecordConcurrentRequests(t *testing.T) {
	st := memory.New()
	at := time.Now().UTC().Add(-time.Minute)
	e := func(start time.Duration, latency time.Duration, method, path string, status int, body string) store.ProvisioningEntry {
		return store.ProvisioningEntry{Time: at.Add(start), Latency: latency, Tenant: "acme", IdP: "entra", Method: method,
			Path: path, ResourceType: "User", Status: status, Outcome: store.OutcomeOf(status), Body: body}
	}
	for _, en := range []store.ProvisioningEntry{
		e(0, 10*time.Millisecond, "POST", "/Users", 201, `{"userName":"a"}`),
		// Arrived at 20ms and finished at 120ms, after the next one.
		e(100*time.Millisecond, 5*time.Millisecond, "POST", "/Users", 409, `{"userName":"b"}`),
		e(20*time.Millisecond, 100*time.Millisecond, "POST", "/Users", 201, `{"userName":"c"}`),
		e(500*time.Millisecond, 10*time.Millisecond, "POST", "/Users", 201, `{"userName":"d"}`),
	} {
		// Appended in the order they finished, as the handler does.
		if _, err := st.Append(t.Context(), en); err != nil {
			t.Fatal(err)
		}
	}
	f, err := conformance.Record(t.Context(), st, conformance.RecordQuery{Tenant: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	var marked []string
	for _, s := range f.Steps {
		if strings.Contains(s.Note, "In flight at the same time as seq") {
			marked = append(marked, string(s.Request.Body))
		}
	}
	if d := cmp.Diff([]string{`{"userName":"c"}`}, marked); d != "" {
		t.Errorf("steps marked as concurrent (-want +got):\n%s", d)
	}
	if !strings.Contains(f.Note, "1 requests were in flight at the same time as one that finished before them") {
		t.Errorf("note does not explain the concurrency: %s", f.Note)
	}
}
