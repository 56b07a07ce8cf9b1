package patch_test

import (
	"testing"

	"github.com/scimkit/scimkit/patch"
	"github.com/scimkit/scimkit/schema"
)

// The request bodies of RFC 7644 §3.5.2 (https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2),
// verbatim except where noted, run in both the default and the strict
// dialect.

const (
	rfcGroup = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"e9e30dba","displayName":"Tour Guides",
		"members":[{"value":"2819c223-7f76-453a-919d-413861904646","display":"Babs Jensen"},
		           {"value":"902c246b-6245-4190-8e05-00816be7344a","display":"Mandy Pepperidge"}]}`
	rfcUser = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"2819c223","userName":"bjensen",
		"emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@example.com","type":"work"},{"value":"babs@jensen.org","type":"home"}],
		"addresses":[{"type":"work","streetAddress":"100 Universal City Plaza","locality":"Hollywood","region":"CA","postalCode":"91608","country":"USA","primary":true}]}`
)

func rfcCases() []applyCase {
	return []applyCase{
		{
			name:  "3.5.2.1 add member",
			group: true, before: rfcGroup,
			body: `{ "schemas":
       ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
     "Operations":[
       {
        "op":"add",
        "path":"members",
        "value":[
         {
           "display": "Babs Jensen",
           "$ref":
   "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
           "value": "2819c223-7f76-453a-919d-413861904646"
         }
        ]
       }
     ]
   }`,
			want: rfcGroup, // already a member: no change (§3.5.2.1)
			sum:  &patch.Summary{},
		},
		{
			// The RFC's body lacks the "}" closing "value"; added here.
			name:   "3.5.2.1 add without path",
			before: rfcUser,
			body: `{ "schemas":
       ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
     "Operations":[{
       "op":"add",
       "value":{
         "emails":[
           {
             "value":"babs@jensen.org",
             "type":"home"
           }
         ],
         "nickname":"Babs"
     }}]
   }`,
			want: `{"userName":"bjensen","nickName":"Babs",
				"emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@example.com","type":"work"},{"value":"babs@jensen.org","type":"home"}],
				"addresses":[{"type":"work","streetAddress":"100 Universal City Plaza","locality":"Hollywood","region":"CA","postalCode":"91608","country":"USA","primary":true}]}`,
			sum: &patch.Summary{Paths: []string{"nickName"}},
		},
		{
			name:  "3.5.2.2 remove one member",
			group: true, before: rfcGroup,
			body: `{ "schemas":
       ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
     "Operations":[{
       "op":"remove",
       "path":"members[value eq \"2819c223-7f76-453a-919d-413861904646\"]"
     }]
   }`,
			want: `{"displayName":"Tour Guides","members":[{"value":"902c246b-6245-4190-8e05-00816be7344a","display":"Mandy Pepperidge"}]}`,
			sum:  &patch.Summary{Paths: []string{"members"}, MembersRemoved: []string{"2819c223-7f76-453a-919d-413861904646"}},
		},
		{
			name:  "3.5.2.2 remove all members",
			group: true, before: rfcGroup,
			body: `{ "schemas":
       ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
     "Operations":[{
       "op":"remove","path":"members"
     }]
   }`,
			want: `{"displayName":"Tour Guides"}`,
			sum: &patch.Summary{Paths: []string{"members"},
				MembersRemoved: []string{"2819c223-7f76-453a-919d-413861904646", "902c246b-6245-4190-8e05-00816be7344a"}},
		},
		{
			name:   "3.5.2.2 remove with complex filter",
			before: rfcUser,
			body: `{ "schemas":
       ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
     "Operations": [{
       "op":"remove",
       "path":"emails[type eq \"work\" and value ew \"example.com\"]"
     }]
   }`,
			want: `{"userName":"bjensen","emails":[{"value":"babs@jensen.org","type":"home"}],
				"addresses":[{"type":"work","streetAddress":"100 Universal City Plaza","locality":"Hollywood","region":"CA","postalCode":"91608","country":"USA","primary":true}]}`,
			sum: &patch.Summary{Paths: []string{"emails"}},
		},
		{
			name:  "3.5.2.2 replace all members by remove then add",
			group: true, before: rfcGroup,
			body: `{ "schemas":
       ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
     "Operations": [
       {
         "op":"remove",
         "path":"members"
       },
       {
         "op":"add",
         "path":"members",
         "value":[
          {
            "display": "Babs Jensen",
            "$ref":
   "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
            "value": "2819c223-7f76-453a-919d-413861904646"
          },
          {
            "display": "James Smith",
            "$ref":
   "https://example.com/v2/Users/08e1d05d-121c-4561-8b96-473d93df9210",
            "value": "08e1d05d-121c-4561-8b96-473d93df9210"
          }
         ]
       }
     ]
   }`,
			want: `{"displayName":"Tour Guides","members":[
				{"display":"Babs Jensen","$ref":"https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646","value":"2819c223-7f76-453a-919d-413861904646"},
				{"display":"James Smith","$ref":"https://example.com/v2/Users/08e1d05d-121c-4561-8b96-473d93df9210","value":"08e1d05d-121c-4561-8b96-473d93df9210"}]}`,
			sum: &patch.Summary{Paths: []string{"members"},
				MembersAdded:   []string{"08e1d05d-121c-4561-8b96-473d93df9210"},
				MembersRemoved: []string{"902c246b-6245-4190-8e05-00816be7344a"}},
		},
		{
			name:  "3.5.2.3 replace members",
			group: true, before: rfcGroup,
			body: `{ "schemas":
     ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
     "Operations": [{
       "op":"replace",
       "path":"members",
       "value":[
         {
           "display": "Babs Jensen",
           "$ref":
   "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
           "value": "2819c223-7f76-453a-919d-413861904646"
         },
         {
           "display": "James Smith",
           "$ref":
   "https://example.com/v2/Users/08e1d05d-121c-4561-8b96-473d93df9210",
           "value": "08e1d05d-121c-4561-8b96-473d93df9210"
         }
       ]
     }]
   }`,
			want: `{"displayName":"Tour Guides","members":[
				{"display":"Babs Jensen","$ref":"https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646","value":"2819c223-7f76-453a-919d-413861904646"},
				{"display":"James Smith","$ref":"https://example.com/v2/Users/08e1d05d-121c-4561-8b96-473d93df9210","value":"08e1d05d-121c-4561-8b96-473d93df9210"}]}`,
			sum: &patch.Summary{Paths: []string{"members"}, MembersReplaced: true,
				MembersAdded:   []string{"08e1d05d-121c-4561-8b96-473d93df9210"},
				MembersRemoved: []string{"902c246b-6245-4190-8e05-00816be7344a"}},
		},
		{
			name:   "3.5.2.3 replace filtered address",
			before: rfcUser,
			body: `{ "schemas":
       ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
     "Operations": [{
       "op":"replace",
       "path":"addresses[type eq \"work\"]",
       "value":
       {
         "type": "work",
         "streetAddress": "911 Universal City Plaza",
         "locality": "Hollywood",
         "region": "CA",
         "postalCode": "91608",
         "country": "US",
         "formatted":
   "911 Universal City Plaza\nHollywood, CA 91608 US",
         "primary": true
       }
     }]
   }`,
			want: `{"userName":"bjensen",
				"emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@example.com","type":"work"},{"value":"babs@jensen.org","type":"home"}],
				"addresses":[{"type":"work","streetAddress":"911 Universal City Plaza","locality":"Hollywood","region":"CA","postalCode":"91608","country":"US",
					"formatted":"911 Universal City Plaza\nHollywood, CA 91608 US","primary":true}]}`,
			sum: &patch.Summary{Paths: []string{"addresses"}},
		},
		{
			name:   "3.5.2.3 replace filtered sub-attribute",
			before: rfcUser,
			body: `{ "schemas":
       ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
     "Operations": [{
       "op":"replace",
       "path":"addresses[type eq \"work\"].streetAddress",
       "value":"1010 Broadway Ave"
     }]
   }`,
			want: `{"userName":"bjensen",
				"emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@example.com","type":"work"},{"value":"babs@jensen.org","type":"home"}],
				"addresses":[{"type":"work","streetAddress":"1010 Broadway Ave","locality":"Hollywood","region":"CA","postalCode":"91608","country":"USA","primary":true}]}`,
			sum: &patch.Summary{Paths: []string{"addresses"}},
		},
		{
			name:   "3.5.2.3 replace without path",
			before: rfcUser,
			body: `{ "schemas":
       ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
     "Operations": [{
       "op":"replace",
       "value":{
         "emails":[
           {
             "value":"bjensen@example.com",
             "type":"work",
             "primary":true
           },
           {
             "value":"babs@jensen.org",
             "type":"home"
           }
         ],
         "nickname":"Babs"
       }
     }]
   }`,
			want: `{"userName":"bjensen","nickName":"Babs",
				"emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@jensen.org","type":"home"}],
				"addresses":[{"type":"work","streetAddress":"100 Universal City Plaza","locality":"Hollywood","region":"CA","postalCode":"91608","country":"USA","primary":true}]}`,
			sum: &patch.Summary{Paths: []string{"emails", "nickName"}},
		},
	}
}

func TestRFC7644Examples(t *testing.T) {
	for _, d := range []patch.Dialect{patch.DialectDefault, patch.DialectStrict} {
		t.Run(d.String(), func(t *testing.T) {
			cases := rfcCases()
			for i := range cases {
				cases[i].dialect = d
			}
			runApply(t, cases)
		})
	}
}

// TestRFCRules covers the rules of RFC 7644 §3.5.2 that the examples do
// not show, in the strict dialect.
func TestRFCRules(t *testing.T) {
	cases := []applyCase{
		{name: "replace filter without match is noTarget", before: rfcUser,
			body: body(`{"op":"replace","path":"emails[type eq \"other\"].value","value":"x@y"}`), err: schema.ErrNoTarget},
		{name: "add filter without match is noTarget", before: rfcUser,
			body: body(`{"op":"add","path":"addresses[type eq \"home\"].locality","value":"Paris"}`), err: schema.ErrNoTarget},
		{name: "remove filter without match is noTarget", group: true, before: rfcGroup,
			body: body(`{"op":"remove","path":"members[value eq \"absent\"]"}`), err: schema.ErrNoTarget},
		{name: "replace of absent attribute adds it", before: rfcUser,
			body: body(`{"op":"replace","path":"title","value":"Tour Guide"}`),
			want: `{"userName":"bjensen","title":"Tour Guide",
				"emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@example.com","type":"work"},{"value":"babs@jensen.org","type":"home"}],
				"addresses":[{"type":"work","streetAddress":"100 Universal City Plaza","locality":"Hollywood","region":"CA","postalCode":"91608","country":"USA","primary":true}]}`},
		{name: "replace several filter matches", before: rfcUser,
			body: body(`{"op":"replace","path":"emails[type eq \"work\"].display","value":"Work"}`),
			want: `{"userName":"bjensen",
				"emails":[{"value":"bjensen@example.com","type":"work","primary":true,"display":"Work"},{"value":"babs@example.com","type":"work","display":"Work"},{"value":"babs@jensen.org","type":"home"}],
				"addresses":[{"type":"work","streetAddress":"100 Universal City Plaza","locality":"Hollywood","region":"CA","postalCode":"91608","country":"USA","primary":true}]}`},
		{name: "immutable can be added when absent", group: true,
			before: `{"displayName":"g","members":[{"value":"u1"}]}`,
			body:   body(`{"op":"add","path":"members[value eq \"u1\"].display","value":"One"}`),
			want:   `{"displayName":"g","members":[{"value":"u1","display":"One"}]}`},
		{name: "remove immutable sub-attribute", group: true, before: rfcGroup,
			body: body(`{"op":"remove","path":"members[value eq \"902c246b-6245-4190-8e05-00816be7344a\"].display"}`), err: schema.ErrMutability},
		{name: "capitalised op rejected", before: rfcUser,
			body: body(`{"op":"Add","path":"title","value":"x"}`), err: schema.ErrInvalidSyntax},
		{name: "missing schemas rejected", before: rfcUser,
			body: `{"Operations":[{"op":"add","path":"title","value":"x"}]}`, err: schema.ErrInvalidSyntax},
		{name: "remove with value rejected", group: true, before: rfcGroup,
			body: body(`{"op":"remove","path":"members","value":[{"value":"2819c223-7f76-453a-919d-413861904646"}]}`), err: schema.ErrInvalidValue},
		{name: "null value rejected", before: rfcUser,
			body: body(`{"op":"replace","path":"title","value":null}`), err: schema.ErrInvalidValue},
		{name: "empty path rejected", before: rfcUser,
			body: body(`{"op":"replace","path":"","value":{"title":"x"}}`), err: schema.ErrInvalidPath},
		{name: "string boolean rejected", before: rfcUser,
			body: body(`{"op":"replace","path":"active","value":"False"}`), err: schema.ErrInvalidValue},
	}
	for i := range cases {
		cases[i].dialect = patch.DialectStrict
	}
	runApply(t, cases)
}
