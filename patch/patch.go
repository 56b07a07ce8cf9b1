package patch

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/scimkit/scimkit/schema"
)

// Default limits of Config.
const (
	// DefaultMaxOperations is the largest number of operations accepted in
	// one PATCH request when Config.MaxOperations is 0.
	DefaultMaxOperations = 1000
	// DefaultMaxMembersPerOp is the largest number of values one operation
	// may add, replace or remove on a multi-valued attribute when
	// Config.MaxMembersPerOp is 0.
	DefaultMaxMembersPerOp = 10000
)

// Operation is one element of the "Operations" array of a PATCH request
// (RFC 7644 §3.5.2).
type Operation struct {
	// Op is "add", "remove" or "replace" (RFC 7644 §3.5.2).
	Op string `json:"op"`
	// Path is the attribute path the operation targets (RFC 7644 §3.5.2 "path"), "" for the whole resource.
	Path string `json:"path,omitempty"`
	// Value is the operation's JSON value; absent for "remove".
	Value json.RawMessage `json:"value,omitempty"`
}

// Request is the body of a PATCH request (RFC 7644 §3.5.2), for clients
// that build one; Parse reads raw bytes and does not need it.
type Request struct {
	// Schemas is ["urn:ietf:params:scim:api:messages:2.0:PatchOp"] (RFC 7644 §3.5.2).
	Schemas []string `json:"schemas"`
	// Operations are the operations, applied in order (RFC 7644 §3.5.2).
	Operations []Operation `json:"Operations"`
}

// Config configures Parse. Its zero value is the default dialect with the
// default limits.
type Config struct {
	// Dialect selects the accepted non-RFC forms; see Dialect.
	Dialect Dialect
	// MaxOperations caps the number of operations in one request; 0 means
	// DefaultMaxOperations. A larger request fails with 413.
	MaxOperations int
	// MaxMembersPerOp caps the number of values one operation carries for
	// a multi-valued attribute (typically Group members); 0 means
	// DefaultMaxMembersPerOp. A larger operation fails with 413.
	MaxMembersPerOp int
	// MaxReferences, when positive, caps the number of values all the
	// operations of one request carry for reference lists (Group members,
	// schema.Attribute.IsReferenceList), added, replaced or removed by
	// value: more is a 400 invalidValue naming the attribute and the
	// limit. Zero: unbounded (MaxMembersPerOp still bounds each
	// operation).
	MaxReferences int
	// Decode is passed to schema.DecodeValue and ResourceType.Validate.
	// Every dialect except DialectStrict turns CoerceStrings on;
	// DialectStrict turns it off.
	Decode schema.DecodeOptions
	// Password, when set, is given the value of the last add or replace
	// that sets the core schema's "password" attribute (RFC 7643 §4.1.1: a
	// single-valued string, so the last one decides), whatever the path
	// form: "password", "urn:ietf:params:scim:schemas:core:2.0:User:password",
	// or a member of a path-less value object; the earlier ones are
	// dropped. It returns the value to keep in the operation (a hash), or
	// keep false to drop the operation, so that the clear text never
	// reaches Apply's result. It runs at most once per Parse; an error it
	// returns is returned by Parse as is. A remove of the password is kept
	// as it is.
	Password func(clear string) (stored string, keep bool, err error)
}

func (c Config) maxOperations() int {
	if c.MaxOperations <= 0 {
		return DefaultMaxOperations
	}
	return c.MaxOperations
}

func (c Config) maxValues() int {
	if c.MaxMembersPerOp <= 0 {
		return DefaultMaxMembersPerOp
	}
	return c.MaxMembersPerOp
}

// Patch is a parsed and validated PATCH request for one resource type.
// It is immutable and safe for concurrent use.
type Patch struct {
	rt   *schema.ResourceType
	cfg  Config
	f    features
	opts schema.DecodeOptions
	ops  []*operation
}

// ResourceType returns the resource type p was parsed for.
func (p *Patch) ResourceType() *schema.ResourceType { return p.rt }

// Len returns the number of resolved operations; a path-less add or
// replace counts once per attribute it names.
func (p *Patch) Len() int { return len(p.ops) }

// Parse validates a PATCH request body (RFC 7644 §3.5.2) against rt
// before any store access: the body is a JSON object; "schemas" contains
// urn:ietf:params:scim:api:messages:2.0:PatchOp (DialectStrict only: other
// dialects accept it missing); "Operations" is a non-empty array of at
// most Config.MaxOperations objects, each with an "op" of add, remove or
// replace; every path resolves to an attribute of rt (invalidPath); remove
// has a path (noTarget); add and replace have a value of the right shape
// and type (invalidValue). Member names of the body are matched
// case-insensitively. Every error is a *schema.Error.
func Parse(rt *schema.ResourceType, body []byte, cfg Config) (*Patch, error) {
	if rt == nil {
		return nil, schema.ErrInternal.WithDetail("patch: no resource type")
	}
	p := &Patch{rt: rt, cfg: cfg, f: cfg.Dialect.features(), opts: cfg.Decode}
	p.opts.CoerceStrings = p.f.coerce
	top, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	var ops any
	var hasOps bool
	var schemas any
	var hasSchemas bool
	for k, v := range top {
		switch strings.ToLower(k) {
		case "operations":
			ops, hasOps = v, true
		case "schemas":
			schemas, hasSchemas = v, true
		}
	}
	if err := p.checkSchemas(schemas, hasSchemas); err != nil {
		return nil, err
	}
	list, ok := ops.([]any)
	switch {
	case !hasOps:
		return nil, schema.ErrInvalidSyntax.WithDetail(`the PATCH body has no "Operations" array (RFC 7644 §3.5.2)`)
	case !ok:
		return nil, schema.ErrInvalidSyntax.WithDetail(`"Operations" must be an array of operation objects (RFC 7644 §3.5.2)`)
	case len(list) == 0:
		return nil, schema.ErrInvalidSyntax.WithDetail(`"Operations" is empty; RFC 7644 §3.5.2 requires one or more operations`)
	case len(list) > cfg.maxOperations():
		return nil, schema.ErrPayloadTooLarge.WithDetail("the PATCH request has %d operations; this server accepts at most %d", len(list), cfg.maxOperations())
	}
	for i, o := range list {
		m, ok := o.(map[string]any)
		if !ok {
			return nil, schema.ErrInvalidSyntax.WithDetail("Operations[%d] is not a JSON object", i)
		}
		if err := p.parseOperation(i, m); err != nil {
			return nil, err
		}
	}
	if err := p.hashPasswords(); err != nil {
		return nil, err
	}
	if err := p.checkReferences(); err != nil {
		return nil, err
	}
	return p, nil
}

// checkReferences enforces Config.MaxReferences over all operations.
func (p *Patch) checkReferences() error {
	if p.cfg.MaxReferences <= 0 {
		return nil
	}
	counts := map[*schema.Attribute]int{}
	for _, o := range p.ops {
		a := o.tgt.ref.Attr
		if a == nil || o.tgt.ref.Sub != nil || !a.MultiValued || !refList(a) || !o.hasValue {
			continue
		}
		n := 1
		if list, ok := o.value.([]any); ok {
			n = len(list)
		}
		if counts[a] += n; counts[a] > p.cfg.MaxReferences {
			return schema.ErrInvalidValue.WithDetail("attribute %q: the operations of this request carry more than %d values; this server accepts at most %d per request", a.Name, p.cfg.MaxReferences, p.cfg.MaxReferences)
		}
	}
	return nil
}

// decodeObject decodes body as one JSON object with numbers kept as
// json.Number: with schema.DecodeJSON, which gives encoding/json's values
// faster, and with encoding/json itself for the error of a body it
// refuses.
func decodeObject(body []byte) (map[string]any, error) {
	if v, err := schema.DecodeJSON(body); err == nil {
		if m, ok := v.(map[string]any); ok {
			return m, nil
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, schema.ErrInvalidSyntax.WithDetail("the PATCH body is not valid JSON: %v", err).WithCause(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, schema.ErrInvalidSyntax.WithDetail("the PATCH body has data after its JSON object")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, schema.ErrInvalidSyntax.WithDetail("the PATCH body must be a JSON object with \"schemas\" and \"Operations\"")
	}
	return m, nil
}

// checkSchemas enforces RFC 7644 §3.5.2: "schemas" holds the PatchOp URN,
// compared case-insensitively. Lenient dialects accept it missing (or
// null or empty) but never a list of other URNs only.
func (p *Patch) checkSchemas(v any, present bool) error {
	if !present || v == nil {
		if p.f.lenientSchemas {
			return nil
		}
		return schema.ErrInvalidSyntax.WithDetail(`the PATCH body has no "schemas"; it must contain %q (RFC 7644 §3.5.2)`, schema.PatchOpSchema)
	}
	list, ok := v.([]any)
	if !ok {
		if s, isStr := v.(string); isStr && p.f.lenientSchemas {
			list = []any{s}
		} else {
			return schema.ErrInvalidSyntax.WithDetail(`"schemas" must be an array of URNs containing %q`, schema.PatchOpSchema)
		}
	}
	if len(list) == 0 && p.f.lenientSchemas {
		return nil
	}
	for _, s := range list {
		if s, ok := s.(string); ok && strings.EqualFold(strings.TrimSpace(s), schema.PatchOpSchema) {
			return nil
		}
	}
	return schema.ErrInvalidSyntax.WithDetail(`"schemas" must contain %q (RFC 7644 §3.5.2)`, schema.PatchOpSchema)
}
