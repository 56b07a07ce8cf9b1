// Package filter parses and evaluates SCIM filters (RFC 7644 §3.4.2.2) and
// PATCH paths (RFC 7644 §3.5.2). Package scim uses it for ?filter= and
// /.search; use it directly to check a filter an IdP sends, evaluate one
// in memory, or translate one to a store's query language.
//
//	users := schema.UserResourceType()
//	e, err := filter.Parse(`userName eq "BJensen@example.com" and emails[type eq "work"]`)
//	if err != nil {
//		return err // a *schema.Error: 400 invalidFilter, the detail names the position
//	}
//	bound, err := filter.Bind(users, e) // names resolved, values typed; 400 on an unknown attribute
//	if err != nil {
//		return err
//	}
//	u := &schema.Resource{Attrs: map[string]any{
//		"userName": "bjensen@example.com",
//		"emails":   []any{map[string]any{"value": "bjensen@example.com", "type": "work"}},
//	}}
//	ok := filter.Match(users, bound, u) // true: userName is not caseExact
//
// Example runs this with its output; Example_walk translates a filter for
// a store.
//
// # Parsing
//
// Parse turns filter text such as
//
//	emails[type eq "work" and value co "@example.com"] or userName eq "bjensen"
//
// into an Expr tree of *Compare, *Logical, *Not and *ValuePath nodes.
// ParsePath parses a PATCH "path" into a Path. Operators, "and", "or",
// "not", "true", "false" and "null" are case-insensitive; attribute names
// are kept as written and resolved case-insensitively by Bind. Errors are
// *schema.Error values: invalidFilter for Parse, invalidPath for ParsePath,
// with a detail naming the character position and what was expected.
//
// The grammar is the one of github.com/scim2/filter-parser/v2. Before that
// library sees the text, a pre-pass lexer enforces Limits (length, nesting
// depth, number of comparisons), decodes string literals per JSON rules
// (RFC 8259 §7, including \uXXXX escapes and surrogate pairs, which the
// library mishandles), rejects numbers that do not fit int64/float64
// (which the library wraps), and explains syntax errors by position. Every
// value is replaced by a placeholder for the library. Filters without
// parentheses or "not" — the single comparisons Okta and Entra send on
// every sync and Entra's "id eq x and members[value eq y]" — are built
// directly, exactly as the library would build them (a differential test
// and FuzzParse check this), because the library costs ~100µs to ~1ms per
// call; filters with parentheses or "not" are built by the library.
//
// # Evaluation
//
// Bind resolves attribute paths against a schema.ResourceType and converts
// comparison values to the attribute type; Match evaluates a bound tree
// against a schema.Resource. The semantics, which every store backend must
// reproduce exactly, are documented on Match and summarised here:
//
//   - Strings and references: byte-wise when the attribute is caseExact,
//     otherwise compared after Fold (each rune mapped by unicode.ToLower;
//     "ß" does not equal "ss", "İ" equals "i", no normalisation); gt/ge/
//     lt/le order the folded strings by bytes; co/sw/ew are substring,
//     prefix and suffix tests on them. Binary values are always compared
//     byte-wise, with eq and ne only.
//   - dateTime: both sides parsed as instants and compared in time.
//   - integer and decimal: numeric comparison; int64 and float64 mix.
//   - boolean: eq and ne only.
//   - Multi-valued attributes match when any element matches; a complex
//     multi-valued attribute compared directly ("emails eq x") compares its
//     "value" sub-attribute.
//   - pr: the attribute is present and not null, not "" and not [] (nor {}).
//   - An absent attribute matches nothing, except "ne", which is true when
//     the attribute is absent (ne is evaluated as not(eq)).
//
// # Store push-down
//
// Walk, Equality and Conjunction help store backends translate filters to
// their query language; see their documentation and Example_walk.
package filter
