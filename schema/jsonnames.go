package schema

import "sync"

// maxJSONName bounds the strings scanJSON looks up in jsonNames: the
// longest name there is a schema URN, and longer strings (user data) are
// not worth hashing.
const maxJSONName = 64

// jsonNames are the strings scanJSON shares instead of allocating each
// time it meets them: the attribute and sub-attribute names, canonical
// values and URNs of the built-in schemas, and the keys and URNs of SCIM
// messages. A request body is mostly these (every key, "work", the URNs
// in "schemas"), and the decoded values are garbage once the request is
// answered. Each value is the string boxed once, so that a string value
// found here costs no allocation either. The map is read-only once built.
var jsonNames = sync.OnceValue(func() map[string]any {
	m := map[string]any{}
	add := func(s string) {
		if len(s) <= maxJSONName {
			m[s] = s
		}
	}
	var addAttr func(a *Attribute)
	addAttr = func(a *Attribute) {
		add(a.Name)
		for _, v := range a.CanonicalValues {
			add(v)
		}
		for _, s := range a.SubAttributes {
			addAttr(s)
		}
	}
	for _, s := range []*Schema{User(), Group(), EnterpriseUser()} {
		add(s.ID)
		for _, a := range s.Attributes {
			addAttr(a)
		}
	}
	for _, s := range []string{"schemas", "id", "externalId", "meta", "value", "display", "type", "primary", "$ref",
		PatchOpSchema, BulkRequestSchema, SearchRequestSchema, "Operations", "op", "path", "add", "remove", "replace", "Add", "Remove", "Replace",
		"method", "bulkId", "version", "data", "failOnErrors"} {
		add(s)
	}
	return m
})
