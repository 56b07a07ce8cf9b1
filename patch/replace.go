package patch

import "github.com/scimkit/scimkit/schema"

// replace applies a "replace" operation (RFC 7644 §3.5.2.3):
//   - multi-valued attribute without filter: all values are replaced;
//   - complex attribute: the given sub-attributes are replaced or added,
//     the others left unchanged;
//   - single-valued attribute: the value is replaced (added when absent:
//     "If the target location path specifies an attribute that does not
//     exist, the service provider SHALL treat the operation as an add");
//   - a value filter: each matching value is replaced, or with ".sub" its
//     sub-attribute; no match is noTarget (see setPerValue for the lenient
//     dialects).
func (s *state) replace(o *operation) error {
	return s.set(o, s.replaceValues)
}

// replaceValues replaces all values of a multi-valued attribute with vals,
// dropping duplicates within vals.
func (s *state) replaceValues(o *operation, cur any, present bool, vals []any) error {
	a := o.tgt.ref.Attr
	old, _ := cur.([]any)
	vals, _ = schema.Dedupe(a, vals) // as POST and PUT: one rule for duplicates
	out := make([]any, 0, len(vals))
	for _, v := range vals {
		out = append(out, schema.CloneValue(v)) // the Patch's values are never handed out
	}
	s.markFresh(a, nil, out)
	if a == s.members.attr {
		s.members.replaced = true
		s.members.diff(a, old, out)
	}
	return s.write(o, o.tgt.ref, cur, present, out)
}
