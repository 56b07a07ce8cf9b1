// Package filter parses and evaluates SCIM filters (RFC 7644 §3.4.2.2) and
// PATCH paths (RFC 7644 §3.5.2).
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
// with a detail naming the byte position and what was expected.
//
// The grammar is the one of github.com/scim2/filter-parser/v2. Before that
// library sees the text, a pre-pass lexer enforces Limits (length, nesting
// depth, number of and/or terms), decodes string literals per JSON rules
// (RFC 8259 §7, including \uXXXX escapes and surrogate pairs), rejects
// numbers that do not fit int64/float64, and parses the overwhelmingly
// common single comparison ("userName eq \"x\"", "externalId pr") directly.
//
// # Evaluation
//
// Bind resolves attribute paths against a schema.ResourceType and converts
// comparison values to the attribute type; Match evaluates a bound tree
// against a schema.Resource. The semantics, which every store backend must
// reproduce exactly, are documented in match.go and summarised here:
//
//   - Strings (and references, binary): when the attribute is caseExact the
//     comparison is bytewise. Otherwise both sides are folded with the
//     "simple lower-case" rule: every rune is mapped with unicode.ToLower
//     (Go's strings.ToLower minus its special cases — no language-specific
//     rules, no length-changing folds). "ß" therefore equals only "ß", not
//     "ss"; "İ" (U+0130) folds to "i̇"? No: unicode.ToLower('İ') is 'i'
//     (U+0069). Ordering (gt/ge/lt/le) compares the folded strings by
//     bytes (UTF-8 byte order equals code point order). co/sw/ew are
//     substring, prefix and suffix tests on the folded strings.
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
