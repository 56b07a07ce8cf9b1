package patch

// Dialect selects which non-RFC forms of PATCH requests Parse and Apply
// accept. Dialects are explicit configuration (Config.Dialect), never
// package state, so one server can serve several IdPs.
type Dialect int

const (
	// DialectDefault accepts RFC 7644 §3.5.2 plus everything Okta,
	// Microsoft Entra ID, authentik, JumpCloud, PingFederate, PingOne,
	// OneLogin and Rippling are documented or known to send; see the
	// package documentation for the list. It is the zero value.
	DialectDefault Dialect = iota
	// DialectStrict accepts RFC 7644 §3.5.2 only: lower-case op names, the
	// PatchOp URN in "schemas", no string-to-boolean coercion, no value
	// unwrapping, no "remove" with a value, and noTarget whenever a value
	// filter matches nothing.
	DialectStrict
	// DialectEntra is what Microsoft Entra ID sends, with or without the
	// aadOptscim062020 flag (the same tenant can send both). It currently
	// accepts exactly what DialectDefault accepts.
	DialectEntra
	// DialectOkta is what Okta sends. It currently accepts exactly what
	// DialectDefault accepts.
	DialectOkta
)

// String returns the dialect's name.
func (d Dialect) String() string {
	switch d {
	case DialectDefault:
		return "default"
	case DialectStrict:
		return "strict"
	case DialectEntra:
		return "entra"
	case DialectOkta:
		return "okta"
	}
	return "unknown"
}

// features are the individual tolerances a Dialect turns on.
type features struct {
	// foldOps matches "Add", "REPLACE"... case-insensitively (Entra).
	foldOps bool
	// lenientSchemas accepts a body without "schemas" (RFC 7644 §3.5.2
	// requires the PatchOp URN).
	lenientSchemas bool
	// coerce turns "True"/"False" and "42" into typed values (Entra).
	coerce bool
	// unwrap turns [x] into x, and [] into null, for single-valued
	// targets (Entra: "value":[{"value":"x"}] for manager).
	unwrap bool
	// wrapScalar turns a bare "id" into {"value":"id"} for complex
	// attributes with a "value" sub-attribute (Entra manager).
	wrapScalar bool
	// nullRemoves makes null, "" for a complex attribute, and
	// {"value":""} in add/replace mean "remove the target" (Entra manager).
	nullRemoves bool
	// removeByValue makes a "remove" with a value list remove only those
	// values (Entra members) instead of being rejected.
	removeByValue bool
	// createOnNoMatch makes add/replace through an equality filter that
	// matches nothing create the value (Entra emails[type eq "work"].value).
	createOnNoMatch bool
	// idempotentRemove makes a "remove" whose filter matches nothing a
	// successful no-op (Okta and Entra removing an absent member).
	idempotentRemove bool
	// dropReadOnlySubs ignores readOnly sub-attributes inside a complex
	// value (manager.displayName sent with manager), as PUT does; a path
	// that names one still fails with mutability.
	dropReadOnlySubs bool
	// trimPath ignores surrounding white space in "path" and treats an
	// empty path as absent.
	trimPath bool
	// urnDot reads "urn:…:enterprise:2.0:User.manager", a schema URN
	// followed by '.' instead of ':', as "urn:…:User:manager" (Microsoft's
	// SCIM validator collection sends it).
	urnDot bool
}

func (d Dialect) features() features {
	if d == DialectStrict {
		return features{}
	}
	return features{
		foldOps:          true,
		lenientSchemas:   true,
		coerce:           true,
		unwrap:           true,
		wrapScalar:       true,
		nullRemoves:      true,
		removeByValue:    true,
		createOnNoMatch:  true,
		idempotentRemove: true,
		trimPath:         true,
		dropReadOnlySubs: true,
		urnDot:           true,
	}
}
