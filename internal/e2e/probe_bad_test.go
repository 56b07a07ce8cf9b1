package e2e

// badInputTranscript sends malformed and hostile requests (bodies, filters
// and paths holding NUL bytes, invalid UTF-8, wrong types and shapes) and
// a few valid ones between them; every backend must answer as memory does,
// and never with a 5xx other than 501 (Server.Do checks that).
func badInputTranscript() []step {
	return []step{
		{method: "POST", path: "/Users", body: userBody("nul\u0000byte")},
		{method: "POST", path: "/Users", body: userBody("ok.user", `"title":"a\u0000b"`)},
		{method: "POST", path: "/Users", body: userBody("ok.user", `"title":"ab"`), capture: "u"},
		{method: "POST", path: "/Users", body: userBody("ok2", `"nickName":"\ud800"`)},
		{method: "POST", path: "/Users", body: "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":\"bad\xffutf8\"}"},
		{method: "POST", path: "/Users", body: userBody("deep", `"name":{"givenName":{"a":{"b":{"c":1}}}}`)},
		{method: "POST", path: "/Users", body: userBody("num", `"active":1e400`)},
		{method: "POST", path: "/Users", body: userBody("dup", `"userName":"dup2"`)},
		{method: "POST", path: "/Users", body: userBody("big.int", `"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":12345678901234567890}`)},
		{method: "POST", path: "/Users", body: `[]`},
		{method: "POST", path: "/Users", body: `{"schemas":[],"userName":"noschema"}`},
		{method: "POST", path: "/Users", body: `{"userName":"noschemas"}`},
		{method: "POST", path: "/Users", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":""}`},
		{method: "POST", path: "/Users", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":null}`},
		{method: "POST", path: "/Users", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":["a"]}`},
		{method: "POST", path: "/Users", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"x","emails":{"value":"a@b"}}`},
		{method: "POST", path: "/Users", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"x2","emails":[{"value":"a@b","primary":true},{"value":"c@d","primary":true}]}`},
		{method: "POST", path: "/Users", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"x3","meta":{"created":"yesterday"},"id":"chosen"}`},
		{method: "POST", path: "/Users", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"x4","groups":[{"value":"g"}]}`},
		{method: "POST", path: "/Groups", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G","members":[{"value":"{{u}}"},{"value":"{{u}}"}]}`},
		{method: "POST", path: "/Groups", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G","members":[{"value":"{{u}}"}]}`, capture: "g"},
		{method: "POST", path: "/Groups", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G\u0000"}`},
		{method: "GET", path: "/Groups/{{g}}"},
		{method: "PATCH", path: "/Users/{{u}}", body: patchOps(`{"op":"add","path":"title","value":"x\u0000y"}`)},
		{method: "PATCH", path: "/Users/{{u}}", body: patchOps(`{"op":"replace","path":"emails[value eq \"\u0000\"].value","value":"x"}`)},
		{method: "PATCH", path: "/Users/{{u}}", body: patchOps(`{"op":"add","path":"name.givenName","value":5}`)},
		{method: "PATCH", path: "/Users/{{u}}", body: patchOps(`{"op":"copy","path":"title","value":"x"}`)},
		{method: "PATCH", path: "/Users/{{u}}", body: `{"Operations":"nope"}`},
		{method: "PATCH", path: "/Groups/{{g}}", body: patchOps(`{"op":"add","path":"members","value":[{"value":"{{u}}"},{"value":"{{u}}"},{"value":"nobody"}]}`)},
		{method: "PATCH", path: "/Groups/{{g}}", body: patchOps(`{"op":"remove","path":"members[value eq \"nobody\"]"}`)},
		{method: "PATCH", path: "/Groups/{{g}}", body: patchOps(`{"op":"replace","path":"members","value":[]}`)},
		{method: "GET", path: "/Groups/{{g}}"},
		{method: "GET", path: filterQ("/Users", "userName eq \"a\u0000b\"")},
		{method: "GET", path: filterQ("/Users", `title eq "a"`+"\u0000")},
		{method: "PUT", path: "/Users/{{u}}", body: userBody("ok.user", `"id":"other","title":"\u0000"`)},
		{method: "GET", path: "/Users/{{u}}"},
		{method: "DELETE", path: "/Users/{{u}}%00"},
		{method: "GET", path: q("/Users", "sortBy", "userName", "attributes", "userName,title,nickName")},
	}
}
