package redact

// Rules says what Value removes from a decoded JSON body.
type Rules struct {
	// Name reports whether a member name is a secret attribute; such
	// members are removed at any depth.
	Name func(name string) bool
	// Path reports whether a PATCH path (RFC 7644 §3.5.2) names a secret
	// attribute; the value of an object whose "path" does is removed.
	Path func(path string) bool
	// Token reports whether a string is a credential; it is replaced by
	// Redacted unless it is the value of an identifier (IdentifierName) or
	// of a PATCH operation whose path names one.
	Token func(s string) bool
	// DropOperations removes whole PATCH operations (array elements with
	// an "op" member) whose path is secret, instead of only their value,
	// for callers that replay them: an operation without its value cannot
	// be replayed.
	DropOperations bool
}

// Value returns v with secrets removed and how many values it removed or
// replaced. Maps and slices are copied; v is not changed.
func (r Rules) Value(v any) (any, int) {
	n := 0
	return r.walk(v, &n), n
}

func (r Rules) walk(v any, n *int) any {
	switch x := v.(type) {
	case map[string]any:
		return r.object(x, n)
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			if o, ok := e.(map[string]any); ok && r.DropOperations && r.secretOperation(o) {
				*n++
				continue
			}
			out = append(out, r.walk(e, n))
		}
		return out
	case string:
		if r.Token(x) {
			*n++
			return Redacted
		}
	}
	return v
}

func (r Rules) object(x map[string]any, n *int) map[string]any {
	out := make(map[string]any, len(x))
	p, isOp := x["path"].(string)
	for k, e := range x {
		if r.Name(k) {
			*n++
			continue
		}
		if _, ok := e.(string); ok && (IdentifierName(k) || isOp && k == "value" && IdentifierName(p)) {
			out[k] = e
			continue
		}
		out[k] = r.walk(e, n)
	}
	if isOp && r.Path(p) {
		if _, has := out["value"]; has {
			delete(out, "value") // a PATCH operation setting a secret
			*n++
		}
	}
	return out
}

// secretOperation reports whether o is a PATCH operation (RFC 7644
// §3.5.2) whose path names a secret attribute.
func (r Rules) secretOperation(o map[string]any) bool {
	if _, isOp := o["op"]; !isOp {
		return false
	}
	p, _ := o["path"].(string)
	return r.Path(p)
}
