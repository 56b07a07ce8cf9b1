package schema

import (
	"fmt"
	"strings"
)

// SchemaSchema is the URN of the schema that describes schema definitions
// (RFC 7643 §7).
const SchemaSchema = "urn:ietf:params:scim:schemas:core:2.0:Schema"

// Schema is a SCIM schema definition (RFC 7643 §2.4, §7): a URN and the
// attributes it defines. Create one with NewSchema, which validates it and
// builds its lookup tables; a Schema is read-only afterwards and safe for
// concurrent use.
type Schema struct {
	// ID is the schema's URI, e.g. "urn:ietf:params:scim:schemas:core:2.0:User" (RFC 7643 §7 "id").
	ID string `json:"id"`
	// Name is the schema's human-readable name (RFC 7643 §7).
	Name string `json:"name,omitempty"`
	// Description is the schema's human-readable description (RFC 7643 §7).
	Description string `json:"description,omitempty"`
	// Attributes defines the schema's top-level attributes (RFC 7643 §7).
	Attributes []*Attribute `json:"attributes"`

	attrs map[string]*Attribute // exact and lower-cased names
}

// NewSchema validates s and prepares it for use: it fills in RFC 7643
// defaults for unset characteristics and indexes attribute names for
// case-insensitive lookup. It returns an error wrapping ErrInvalidValue that
// names the offending attribute when the definition is not valid (bad or
// duplicate name, complex attribute without sub-attributes, complex
// sub-attribute, unknown type or characteristic).
func NewSchema(s *Schema) (*Schema, error) {
	if !strings.HasPrefix(strings.ToLower(s.ID), "urn:") {
		return nil, ErrInvalidValue.WithDetail("schema id %q must be a URN", s.ID)
	}
	if err := checkAttributes(s.ID, "", s.Attributes, 0); err != nil {
		return nil, err
	}
	s.attrs = make(map[string]*Attribute, 2*len(s.Attributes))
	for _, a := range s.Attributes {
		a.index()
		s.attrs[a.Name] = a
		s.attrs[strings.ToLower(a.Name)] = a
	}
	return s, nil
}

// MustSchema is like NewSchema but panics on error. It is meant for schemas
// defined in Go source at package initialisation.
func MustSchema(s *Schema) *Schema {
	s, err := NewSchema(s)
	if err != nil {
		panic(err)
	}
	return s
}

// Attribute returns the top-level attribute with the given name, compared
// case-insensitively, or nil.
func (s *Schema) Attribute(name string) *Attribute {
	if a, ok := s.attrs[name]; ok {
		return a
	}
	return s.attrs[strings.ToLower(name)]
}

func checkAttributes(urn, parent string, attrs []*Attribute, depth int) error {
	seen := make(map[string]bool, len(attrs))
	for i, a := range attrs {
		if a == nil {
			return ErrInvalidValue.WithDetail("schema %s: attribute #%d of %q is null", urn, i, parent)
		}
		full := a.Name
		if parent != "" {
			full = parent + "." + a.Name
		}
		if !validAttrName(a.Name) {
			return ErrInvalidValue.WithDetail("schema %s: attribute %q: invalid name (RFC 7643 §2.1 ATTRNAME: a letter, then letters, digits, '-', '_' or '$')", urn, full)
		}
		low := strings.ToLower(a.Name)
		if seen[low] {
			return ErrInvalidValue.WithDetail("schema %s: attribute %q is defined twice (names are case-insensitive)", urn, full)
		}
		seen[low] = true
		if err := checkCharacteristics(a); err != nil {
			return ErrInvalidValue.WithDetail("schema %s: attribute %q: %v", urn, full, err)
		}
		if a.Type == Complex {
			if depth > 0 {
				return ErrInvalidValue.WithDetail("schema %s: attribute %q: a sub-attribute cannot be complex (RFC 7643 §2.3.8)", urn, full)
			}
			if len(a.SubAttributes) == 0 {
				return ErrInvalidValue.WithDetail("schema %s: attribute %q: a complex attribute needs subAttributes", urn, full)
			}
			if err := checkAttributes(urn, full, a.SubAttributes, depth+1); err != nil {
				return err
			}
		} else if len(a.SubAttributes) > 0 {
			return ErrInvalidValue.WithDetail("schema %s: attribute %q: only complex attributes have subAttributes (type is %q)", urn, full, a.Type)
		}
	}
	return nil
}

func checkCharacteristics(a *Attribute) error {
	switch a.Type {
	case "", String, Boolean, Decimal, Integer, DateTime, Binary, Reference, Complex:
	default:
		return fmt.Errorf("unknown type %q", a.Type)
	}
	switch a.Mutability {
	case "", ReadOnly, ReadWrite, Immutable, WriteOnly:
	default:
		return fmt.Errorf("unknown mutability %q", a.Mutability)
	}
	switch a.Returned {
	case "", ReturnedAlways, ReturnedNever, ReturnedDefault, ReturnedRequest:
	default:
		return fmt.Errorf("unknown returned %q", a.Returned)
	}
	switch a.Uniqueness {
	case "", UniqueNone, UniqueServer, UniqueGlobal:
	default:
		return fmt.Errorf("unknown uniqueness %q", a.Uniqueness)
	}
	if a.Type == Reference && len(a.ReferenceTypes) == 0 {
		return fmt.Errorf("a reference attribute needs referenceTypes")
	}
	return nil
}

// validAttrName reports whether name matches RFC 7643 §2.1 ATTRNAME
// (ALPHA *(nameChar)); "$ref" is allowed as the RFC's own sub-attributes use it.
func validAttrName(name string) bool {
	if name == "$ref" {
		return true
	}
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '_'):
		default:
			return false
		}
	}
	return true
}
