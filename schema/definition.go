package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// ParseSchema parses one schema definition in the JSON form that the
// /Schemas endpoint returns (RFC 7643 §7, §8.7) and prepares it with
// NewSchema. Beyond NewSchema's checks it rejects unknown members and
// characteristic names, members of the wrong JSON type, canonicalValues on
// a non-string attribute and referenceTypes on a non-reference one. Errors
// wrap ErrInvalidValue (ErrInvalidSyntax for malformed JSON) and name the
// attribute, e.g. `schema urn:x: attribute "emails.type": "multiValued"
// must be a boolean`.
func ParseSchema(data []byte) (*Schema, error) {
	v, err := parseJSON(data)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, ErrInvalidSyntax.WithDetail("a schema definition must be a JSON object, got %s", jsonKind(v))
	}
	return schemaFromMap(m)
}

// ParseSchemas parses either a single schema definition or a ListResponse
// of them (RFC 7644 §3.4.2, as GET /Schemas returns) or a JSON array of
// them. Schema ids must be distinct (case-insensitively).
func ParseSchemas(data []byte) ([]*Schema, error) {
	v, err := parseJSON(data)
	if err != nil {
		return nil, err
	}
	var items []any
	switch v := v.(type) {
	case []any:
		items = v
	case map[string]any:
		items = []any{v}
		if r, ok := memberFold(v, "Resources"); ok {
			if items, ok = r.([]any); !ok {
				return nil, ErrInvalidValue.WithDetail(`"Resources" must be an array of schema definitions`)
			}
		}
	default:
		return nil, ErrInvalidSyntax.WithDetail("expected a schema definition or a ListResponse, got %s", jsonKind(v))
	}
	out := make([]*Schema, 0, len(items))
	seen := map[string]bool{}
	for i, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, ErrInvalidValue.WithDetail("schema definition #%d must be an object, got %s", i, jsonKind(it))
		}
		s, err := schemaFromMap(m)
		if err != nil {
			return nil, err
		}
		if seen[strings.ToLower(s.ID)] {
			return nil, ErrInvalidValue.WithDetail("schema %s is defined twice", s.ID)
		}
		seen[strings.ToLower(s.ID)] = true
		out = append(out, s)
	}
	return out, nil
}

func parseJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, syntaxError(dec, err)
	}
	if dec.More() {
		return nil, ErrInvalidSyntax.WithDetail("unexpected data after the JSON value at offset %d", dec.InputOffset())
	}
	return v, nil
}

// memberFold returns the member of m whose name equals name case-insensitively.
func memberFold(m map[string]any, name string) (any, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

// schemaFromMap converts and checks one schema definition object.
func schemaFromMap(m map[string]any) (*Schema, error) {
	s := &Schema{}
	id, _ := m["id"].(string)
	fail := func(format string, args ...any) error {
		return ErrInvalidValue.WithDetail("schema %s: "+format, append([]any{id}, args...)...)
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		var err error
		switch k {
		case "id":
			s.ID, err = jsonString(v, k)
		case "name":
			s.Name, err = jsonString(v, k)
		case "description":
			s.Description, err = jsonString(v, k)
		case "attributes":
			s.Attributes, err = attributesFromJSON(v, "")
		case "schemas", "meta":
			// representation only (RFC 7643 §7); recomputed on output
		default:
			err = fmt.Errorf("unknown member %q", k)
		}
		if err != nil {
			return nil, fail("%v", err)
		}
	}
	if s.ID == "" {
		return nil, ErrInvalidValue.WithDetail(`a schema definition needs an "id" (its URN)`)
	}
	if _, ok := m["attributes"]; !ok {
		return nil, fail(`"attributes" is required`)
	}
	return NewSchema(s)
}

func attributesFromJSON(v any, parent string) ([]*Attribute, error) {
	list, ok := v.([]any)
	if !ok {
		if parent == "" {
			return nil, fmt.Errorf(`"attributes" must be an array, got %s`, jsonKind(v))
		}
		return nil, fmt.Errorf(`attribute %q: "subAttributes" must be an array, got %s`, parent, jsonKind(v))
	}
	out := make([]*Attribute, 0, len(list))
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s[%d] must be an object, got %s", listName(parent), i, jsonKind(e))
		}
		if _, ok := m["name"]; !ok {
			return nil, fmt.Errorf("%s[%d] has no \"name\"", listName(parent), i)
		}
		a, err := attributeFromMap(m, parent)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// attributeFromMap converts one attribute definition (RFC 7643 §7).
func attributeFromMap(m map[string]any, parent string) (*Attribute, error) {
	a := &Attribute{}
	name, _ := m["name"].(string)
	full := name
	if parent != "" {
		full = parent + "." + name
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if err := a.setCharacteristic(k, m[k], full); err != nil {
			if k == "subAttributes" {
				return nil, err // already names the sub-attribute
			}
			return nil, fmt.Errorf("attribute %q: %w", full, err)
		}
	}
	if len(a.CanonicalValues) > 0 && a.Type != String && a.Type != "" && a.Type != Reference {
		return nil, fmt.Errorf("attribute %q: canonicalValues apply to string attributes, not %s", full, a.Type)
	}
	if len(a.ReferenceTypes) > 0 && a.Type != Reference {
		return nil, fmt.Errorf("attribute %q: referenceTypes apply to reference attributes, not %s", full, typeOrString(a.Type))
	}
	return a, nil
}

func listName(parent string) string {
	if parent == "" {
		return "attributes"
	}
	return parent + ".subAttributes"
}

func typeOrString(t Type) Type {
	if t == "" {
		return String
	}
	return t
}

func (a *Attribute) setCharacteristic(k string, v any, full string) error {
	var err error
	switch k {
	case "name":
		a.Name, err = jsonString(v, k)
	case "type":
		var s string
		s, err = jsonString(v, k)
		a.Type = Type(s)
	case "multiValued":
		a.MultiValued, err = jsonBool(v, k)
	case "description":
		a.Description, err = jsonString(v, k)
	case "required":
		a.Required, err = jsonBool(v, k)
	case "caseExact":
		a.CaseExact, err = jsonBool(v, k)
	case "canonicalValues":
		a.CanonicalValues, err = jsonStrings(v, k)
	case "referenceTypes":
		a.ReferenceTypes, err = jsonStrings(v, k)
	case "mutability":
		var s string
		s, err = jsonString(v, k)
		a.Mutability = Mutability(s)
	case "returned":
		var s string
		s, err = jsonString(v, k)
		a.Returned = Returned(s)
	case "uniqueness":
		var s string
		s, err = jsonString(v, k)
		a.Uniqueness = Uniqueness(s)
	case "subAttributes":
		a.SubAttributes, err = attributesFromJSON(v, full)
	default:
		err = fmt.Errorf("unknown characteristic %q (RFC 7643 §7)", k)
	}
	return err
}

func jsonString(v any, k string) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%q must be a string, got %s", k, jsonKind(v))
	}
	return s, nil
}

func jsonBool(v any, k string) (bool, error) {
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("%q must be a boolean, got %s", k, jsonKind(v))
	}
	return b, nil
}

func jsonStrings(v any, k string) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%q must be an array of strings, got %s", k, jsonKind(v))
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, ok := e.(string)
		if !ok {
			return nil, fmt.Errorf("%q must be an array of strings, found %s", k, jsonKind(e))
		}
		out = append(out, s)
	}
	return out, nil
}
