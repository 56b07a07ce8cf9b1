package patch

import (
	"slices"
	"strconv"
	"strings"

	"github.com/scimkit/scimkit/schema"
)

// opKind is the "op" of an operation (RFC 7644 §3.5.2).
type opKind uint8

const (
	opAdd opKind = iota + 1
	opReplace
	opRemove
)

func (k opKind) String() string {
	switch k {
	case opAdd:
		return "add"
	case opReplace:
		return "replace"
	case opRemove:
		return "remove"
	}
	return "?"
}

// operation is one resolved operation. A path-less add or replace becomes
// one operation per attribute its value names.
type operation struct {
	kind  opKind
	index int    // position in "Operations", for error details
	text  string // the path or value member as written, for error details
	tgt   target
	// value is the decoded value: for a multi-valued target without filter
	// a []any, for a filtered target without sub-attribute one element,
	// otherwise a value of the target attribute's type.
	value    any
	hasValue bool
	// clear marks an add or replace whose value means "unassign" in a
	// lenient dialect (null, "", {"value":""}).
	clear bool
	// password marks an add or replace of the password whose value is
	// still clear text: Parse passes the last one to Config.Password once
	// (hashPasswords) and drops the others, which it overrides.
	password bool
}

// where names the operation in error details.
func (o *operation) where() string {
	if o.text == "" {
		return "Operations[" + strconv.Itoa(o.index) + "] (" + o.kind.String() + ")"
	}
	return "Operations[" + strconv.Itoa(o.index) + "] (" + o.kind.String() + " " + o.text + ")"
}

// parseOperation validates one element of "Operations" and appends the
// operations it resolves to.
func (p *Patch) parseOperation(i int, m map[string]any) error {
	var opv, pathv, value any
	var hasOp, hasPath, hasValue bool
	for k, v := range m {
		switch strings.ToLower(k) {
		case "op":
			opv, hasOp = v, true
		case "path":
			pathv, hasPath = v, true
		case "value":
			value, hasValue = v, true
		}
	}
	kind, err := p.opKind(i, opv, hasOp)
	if err != nil {
		return err
	}
	path, err := p.pathString(i, pathv, hasPath)
	if err != nil {
		return err
	}
	if path == "" {
		if kind == opRemove {
			return schema.ErrNoTarget.WithDetail(`Operations[%d]: a remove operation needs a "path" (RFC 7644 §3.5.2.2)`, i)
		}
		if !hasValue {
			return schema.ErrInvalidValue.WithDetail(`Operations[%d]: %s without "path" needs a "value" object of attributes (RFC 7644 §3.5.2)`, i, kind)
		}
		return p.parsePathless(i, kind, value)
	}
	return p.parseWithPath(i, kind, path, value, hasValue)
}

// parseWithPath resolves an operation that has a non-empty "path": an
// extension's URN (all of its attributes) or an attribute path.
func (p *Patch) parseWithPath(i int, kind opKind, path string, value any, hasValue bool) error {
	if s := p.rt.SchemaByURN(path); s != nil && p.rt.IsExtension(s) {
		if kind == opRemove {
			p.ops = append(p.ops, &operation{kind: kind, index: i, text: s.ID, tgt: target{whole: s}})
			return nil
		}
		if !hasValue {
			return schema.ErrInvalidValue.WithDetail(`Operations[%d]: %s %s needs a "value" (RFC 7644 §3.5.2)`, i, kind, path)
		}
		return p.expandSchema(i, kind, s, value)
	}
	tgt, err := p.resolvePath(i, path)
	if err != nil {
		return err
	}
	o := &operation{kind: kind, index: i, text: path, tgt: tgt}
	if kind == opRemove {
		err = p.setRemoveValue(o, value, hasValue && value != nil)
	} else if !hasValue {
		err = schema.ErrInvalidValue.WithDetail(`%s: the operation needs a "value" (RFC 7644 §3.5.2.1, §3.5.2.3)`, o.where())
	} else {
		err = p.setValue(o, value)
	}
	if err != nil {
		return err
	}
	p.ops = append(p.ops, o)
	return nil
}

func (p *Patch) opKind(i int, v any, has bool) (opKind, error) {
	s, ok := v.(string)
	if !has || !ok {
		return 0, schema.ErrInvalidSyntax.WithDetail(`Operations[%d] needs an "op" of "add", "remove" or "replace" (RFC 7644 §3.5.2)`, i)
	}
	name := s
	if p.f.foldOps {
		name = strings.ToLower(strings.TrimSpace(s))
	}
	switch name {
	case "add":
		return opAdd, nil
	case "replace":
		return opReplace, nil
	case "remove":
		return opRemove, nil
	}
	return 0, schema.ErrInvalidSyntax.WithDetail(`Operations[%d]: op %q is not "add", "remove" or "replace" (RFC 7644 §3.5.2)`, i, s)
}

// pathString returns the operation's path, "" when it has none.
func (p *Patch) pathString(i int, v any, has bool) (string, error) {
	if !has || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", schema.ErrInvalidPath.WithDetail(`Operations[%d]: "path" must be a string`, i)
	}
	if p.f.trimPath {
		s = strings.TrimSpace(s)
	} else if s == "" {
		return "", schema.ErrInvalidPath.WithDetail(`Operations[%d]: "path" is empty; omit it to target the resource`, i)
	}
	return s, nil
}

// parsePathless expands an add or replace without path (RFC 7644
// §3.5.2.1, §3.5.2.3): the value is an object whose members are attribute
// names, URN-qualified or dotted attribute paths ("name.givenName", as
// Entra sends), or extension URNs holding an object of that extension's
// attributes.
func (p *Patch) parsePathless(i int, kind opKind, v any) error {
	if arr, ok := v.([]any); ok && len(arr) == 1 && p.f.unwrap {
		v = arr[0]
	}
	m, ok := v.(map[string]any)
	if !ok {
		return schema.ErrInvalidValue.WithDetail(`Operations[%d]: %s without "path" needs a "value" object whose members are attributes (RFC 7644 §3.5.2)`, i, kind)
	}
	if len(m) == 0 && !p.f.nullRemoves {
		return schema.ErrInvalidValue.WithDetail(`Operations[%d]: the "value" object names no attribute`, i)
	}
	for _, k := range sortedKeys(m) {
		if s := p.rt.SchemaByURN(k); s != nil {
			if err := p.expandSchema(i, kind, s, m[k]); err != nil {
				return err
			}
			continue
		}
		if err := p.pathlessMember(i, kind, k, m[k]); err != nil {
			return err
		}
	}
	return nil
}

// expandSchema expands {"urn:…:User": {attr: value, …}} or a path that
// names a whole extension.
func (p *Patch) expandSchema(i int, kind opKind, s *schema.Schema, v any) error {
	if arr, ok := v.([]any); ok && len(arr) == 1 && p.f.unwrap {
		v = arr[0]
	}
	if v == nil && p.f.nullRemoves && p.rt.IsExtension(s) {
		p.ops = append(p.ops, &operation{kind: opRemove, index: i, text: s.ID, tgt: target{whole: s}})
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return schema.ErrInvalidValue.WithDetail(`Operations[%d]: the value of %s must be an object of its attributes`, i, s.ID)
	}
	for _, k := range sortedKeys(m) {
		if err := p.pathlessMember(i, kind, s.ID+":"+k, m[k]); err != nil {
			return err
		}
	}
	return nil
}

// pathlessMember resolves one member of a path-less value object.
func (p *Patch) pathlessMember(i int, kind opKind, key string, v any) error {
	ref, ok := p.lookupPath(key)
	if !ok {
		if p.opts.Unknown == schema.RejectUnknown {
			return schema.ErrInvalidPath.WithDetail(`Operations[%d]: value member %q is not an attribute of %s`, i, key, p.rt.Name)
		}
		return nil // ignored, as Decode ignores unknown attributes
	}
	if ref.Attr == schema.MetaAttribute && p.f.nullRemoves {
		return nil // server-managed; lenient dialects ignore it as PUT does
	}
	o := &operation{kind: kind, index: i, text: key, tgt: target{ref: ref}}
	if err := p.setValue(o, v); err != nil {
		return err
	}
	p.ops = append(p.ops, o)
	return nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
