package scim

import (
	"testing"
)

// RFC 7644 §3.7 request bodies, verbatim except where noted.
const (
	// rfc7644S371 is the circular reference example of §3.7.1.
	rfc7644S371 = `{
     "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
     "Operations": [
       {
         "method": "POST",
         "path": "/Groups",
         "bulkId": "qwerty",
         "data": {
           "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
           "displayName": "Group A",
           "members": [
             {
               "type": "Group",
               "value": "bulkId:ytrewq"
             }
           ]
         }
       },
       {
         "method": "POST",
         "path": "/Groups",
         "bulkId": "ytrewq",
         "data": {
           "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
           "displayName": "Group B",
           "members": [
             {
               "type": "Group",
               "value": "bulkId:qwerty"
             }
           ]
         }
       }
     ]
   }`

	// rfc7644S372 is the first example of §3.7.2: a User and a Group
	// that has the User as a member.
	rfc7644S372 = `{
     "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
     "Operations": [
       {
         "method": "POST",
         "path": "/Users",
         "bulkId": "qwerty",
         "data": {
           "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
           "userName": "Alice"
         }
       },
       {
         "method": "POST",
         "path": "/Groups",
         "bulkId": "ytrewq",
         "data": {
           "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
           "displayName": "Tour Guides",
           "members": [
             {
               "type": "User",
               "value": "bulkId:qwerty"
             }
           ]
         }
       }
     ]
   }`

	// rfc7644S372Manager is the second example of §3.7.2: a bulkId in
	// the enterprise extension's manager.
	rfc7644S372Manager = `{
   "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
   "Operations": [
     {
       "method": "POST",
       "path": "/Users",
       "bulkId": "qwerty",
       "data": {
         "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
         "userName": "Alice"
       }
     },
     {
       "method": "POST",
       "path": "/Users",
       "bulkId": "ytrewq",
       "data": {
         "schemas": [
           "urn:ietf:params:scim:schemas:core:2.0:User",
           "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
         ],
         "userName": "Bob",
         "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
           "employeeNumber": "11250",
           "manager": {
             "value": "bulkId:qwerty"
           }
         }
       }
     }
   ]
 }`

	// rfc7644S373 is the example of §3.7.3 with failOnErrors 1. Its first
	// operation names the schema "urn:ietf:params:scim:api:messages:2.0:User",
	// which is not the User schema: the RFC's error response shows it
	// failing with 400. Changes: the PATCH data, "{[...]}" in the RFC, is
	// not JSON and is written as a PatchOp message; the resource ids are
	// {bob}, {dave} and {gone}, whose versions are given by {bob.v}...
	rfc7644S373 = `{
     "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
     "failOnErrors":1,
     "Operations":[
       {
         "method":"POST",
         "path":"/Users",
         "bulkId":"qwerty",
         "data":{
           "schemas": ["urn:ietf:params:scim:api:messages:2.0:User"],
           "userName":"Alice"
         }
       },
       {
         "method":"PUT",
         "path":"/Users/{bob}",
         "version":"{bob.v}",
         "data":{
           "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
           "id":"{bob}",
           "userName":"Bob"
         }
       },
       {
         "method": "PATCH",
         "path": "/Users/{dave}",
         "version": "{dave.v}",
         "data": {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
           {
               "op": "remove",
               "path": "nickName"
           },
           {
               "op": "add",
               "path": "userName",
               "value": "Dave"
           }
         ]}
       },
       {
         "method":"DELETE",
         "path":"/Users/{gone}",
         "version":"{gone.v}"
       }
     ]
   }`
)

// rfcCases are the RFC 7644 §3.7 examples.
func rfcCases(ok func(string, string, string) bulkResult, failed func(string, string, string, string, bool) bulkResult) []bulkCase {
	users := bulkFixture{"bob": bulkUser("bob"), "dave": `{"schemas":["` + userURN + `"],"userName":"dave","nickName":"D"}`,
		"gone": bulkUser("gone")}
	fixed := rfc7644S373
	for _, r := range [][2]string{{"api:messages:2.0:User", "schemas:core:2.0:User"}, {`"failOnErrors":1,`, ""}} {
		fixed = replaceOnce(fixed, r[0], r[1])
	}
	return []bulkCase{
		{name: "RFC7644 3.7.1 circular references resolved", body: rfc7644S371,
			want:  []bulkResult{ok("POST", "qwerty", "201"), ok("POST", "ytrewq", "201")},
			check: checkAll(bulkMembersOf(0, 1), bulkMembersOf(1, 0))},
		{name: "RFC7644 3.7.2 user and group with bulkId member", body: rfc7644S372,
			want:  []bulkResult{ok("POST", "qwerty", "201"), ok("POST", "ytrewq", "201")},
			check: bulkMembersOf(1, 0)},
		{name: "RFC7644 3.7.2 enterprise manager bulkId", body: rfc7644S372Manager,
			want:  []bulkResult{ok("POST", "qwerty", "201"), ok("POST", "ytrewq", "201")},
			check: checkManager(1, 0)},
		{name: "RFC7644 3.7.3 failOnErrors 1 stops after the failed POST", fixture: users, body: rfc7644S373,
			want: []bulkResult{failed("POST", "qwerty", "400", "invalidValue", false)}},
		{name: "RFC7644 3.7.3 all operations succeed", fixture: users, body: fixed,
			want: []bulkResult{ok("POST", "qwerty", "201"), ok("PUT", "", "200"), ok("PATCH", "", "200"), ok("DELETE", "", "204")}},
		{name: "RFC7644 3.7.3 all operations fail", fixture: users,
			body: replaceAll(replaceOnce(rfc7644S373, `"failOnErrors":1,`, ""), "{bob.v}", `W/\"3694e05e9dff591\"`, "{dave.v}", `W/\"edac3253e2c0ef2\"`, "{gone}", "e9025315-6bea-44e1-899c-1e07454e468b"),
			want: []bulkResult{failed("POST", "qwerty", "400", "invalidValue", false), failed("PUT", "", "412", "", true),
				failed("PATCH", "", "412", "", true), failed("DELETE", "", "404", "", true)}},
	}
}

func checkAll(fs ...func(*testing.T, *Handler, response)) func(*testing.T, *Handler, response) {
	return func(t *testing.T, h *Handler, res response) {
		for _, f := range fs {
			f(t, h, res)
		}
	}
}

// checkManager checks that the user created by operation u has the one
// created by operation m as manager.
func checkManager(u, m int) func(*testing.T, *Handler, response) {
	return func(t *testing.T, h *Handler, res response) {
		ops := bulkOps(res)
		got := mustDo(t, h, request{method: "GET", target: "/Users/" + idOf(ops[u]["location"])}, 200)
		ext, _ := got.json["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].(map[string]any)
		mgr, _ := ext["manager"].(map[string]any)
		if want := idOf(ops[m]["location"]); mgr["value"] != want {
			t.Errorf("manager = %v, want value %s", ext["manager"], want)
		}
	}
}
