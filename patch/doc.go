// Package patch implements the SCIM PATCH operation of RFC 7644 §3.5.2:
// "add" (§3.5.2.1), "remove" (§3.5.2.2) and "replace" (§3.5.2.3), with
// every path form of the RFC's PATH grammar ("attr", "attr.sub",
// "urn:…:attr[.sub]", "attr[filter]", "attr[filter].sub") and path-less
// add/replace.
//
// Package scim runs it for every PATCH request, inside store.Update; use it
// directly to apply a PATCH body to a resource you hold.
//
//	users := schema.UserResourceType()
//	user := &schema.Resource{ID: "2819c223", Schemas: []string{schema.UserSchema},
//		Attrs: map[string]any{"userName": "bjensen", "active": true}}
//	body := []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
//		"Operations":[{"op":"Replace","path":"active","value":"False"}]}`) // as Entra sends it
//	p, err := patch.Parse(users, body, patch.Config{Dialect: patch.DialectEntra})
//	if err != nil {
//		return err // a *schema.Error (400 invalidPath, invalidValue, ...)
//	}
//	next, summary, err := p.Apply(user) // user is not modified
//	if err != nil {
//		return err // noTarget, mutability...: nothing was applied
//	}
//	if summary.Active == patch.Deactivated {
//		// next.Attrs["active"] is false: revoke the user's sessions
//	}
//
// Example runs this with its output; ExamplePatch_Members turns member
// operations into deltas.
//
// # Two steps
//
// Parse validates a request body against a schema.ResourceType before the
// store is touched: the PatchOp schema URN, the "Operations" array, op
// names, paths (resolved and filters bound), value shapes and types
// (schema.DecodeValue), and the limits of Config (Config.Password also
// replaces or drops a password's value there). What needs the current
// resource (noTarget, mutability, required attributes) is checked by
// Apply. Apply is pure and atomic (RFC 7644 §3.5.2: "the entire request
// SHALL be treated as atomic"): it never modifies its argument and returns
// either the complete new resource, validated with
// ResourceType.Validate(ModePatch, …), and a Summary, or a *schema.Error
// and no resource. A *Patch is immutable and safe for concurrent use.
//
// Stores that keep group members as rows call Patch.Members to turn member
// operations into deltas (add, remove, clear) that never read the member
// list; Apply then runs on the remaining operations.
//
// # Dialects
//
// Config.Dialect selects how much non-RFC input is accepted; see Dialect.
// DialectStrict accepts RFC 7644 only. DialectDefault (the zero value),
// DialectEntra and DialectOkta accept what Microsoft Entra ID and Okta
// really send: capitalised op names, "True"/"False" strings, single values
// wrapped in one-element arrays, bare manager ids, "" or null meaning
// "remove", a "remove" with a value list that removes only the listed
// values, an "add"/"replace" through an unmatched equality filter that
// creates the value (emails[type eq "work"].value), an unmatched
// "remove" filter that succeeds as a no-op, and a schema URN followed by
// '.' instead of ':' ("urn:…:enterprise:2.0:User.manager", from
// Microsoft's SCIM test collection). The removal by value list is also
// what authentik and JumpCloud send for every tenant, so it belongs to all
// three lenient dialects, not to DialectEntra alone.
//
// # Errors
//
// Every error is a *schema.Error (RFC 7644 §3.12, Table 9):
//   - invalidSyntax: the body is not a JSON object, "Operations" is
//     missing, not an array or empty, an operation is not an object, "op"
//     is missing or not add/remove/replace, "schemas" lacks the PatchOp URN;
//   - invalidPath: a path that does not parse or names no attribute;
//   - noTarget: remove without path (§3.5.2.2); a value filter that
//     matches nothing (strict dialect, see below);
//   - invalidValue: add/replace without value, a value of the wrong type
//     or shape, a remove with a value (strict dialect), two primary values;
//   - mutability: changing a readOnly value, changing or removing an
//     immutable value that is set, removing a required attribute;
//   - 413 (no scimType): more than Config.MaxOperations operations or
//     Config.MaxMembersPerOp values in one operation.
//
// # Decisions where the RFC is silent or loose
//
//   - A path that does not parse, names an unknown attribute, or carries a
//     filter that does not bind to the attribute's sub-attributes fails
//     with invalidPath: the error is in the "path" member (RFC 7644
//     Table 9), even when the broken part is the filter.
//   - Removing a required or readOnly attribute fails with mutability
//     (RFC 7644 §3.5.2.2); changing an immutable value that is set fails
//     with mutability, setting it when unset succeeds (§3.5.2).
//   - Writing a readOnly attribute the value it already has is a no-op, so
//     Okta's {"op":"replace","value":{"id":"<same id>","displayName":…}}
//     succeeds; a different id fails with mutability.
//   - Values of a multi-valued attribute are the same value when their
//     "value" (and "type", when the attribute has one) sub-attributes are
//     equal, compared per caseExact; for reference lists such as Group
//     "members" (which have "$ref") only "value" counts. Adding a value that
//     is already there changes nothing (§3.5.2.1), except that other
//     sub-attributes it carries (primary, display) are merged when mutable.
//   - Setting "primary" to true on one value sets it to false on the others
//     (RFC 7643 §2.4, RFC 7644 §3.5.2).
//   - A remove whose filter matches nothing is noTarget in DialectStrict
//     (Table 9: "the specified path value contains a filter that yields no
//     match") and a successful no-op in the other dialects: Okta and Entra
//     remove members that may already be gone, and retry.
//   - Removing a sub-attribute of every value ("emails.display") or an
//     attribute that has no value succeeds without change.
//   - In lenient dialects readOnly sub-attributes inside a complex value
//     (manager.displayName) are ignored, as on PUT; a path naming one
//     fails with mutability. An empty string for a simple attribute is
//     stored as sent; only for complex attributes does "" mean "remove".
//   - Keys of a path-less value object may be dotted or URN-qualified
//     attribute paths ("name.givenName", Entra) in every dialect: attribute
//     names cannot contain '.', so the reading is unambiguous.
//   - "active" absent counts as true for Summary.Active.
package patch
