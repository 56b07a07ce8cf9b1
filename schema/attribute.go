package schema

import "strings"

// Type is an attribute's data type (RFC 7643 §2.3).
type Type string

// Attribute data types of RFC 7643 §2.3.
const (
	String    Type = "string"
	Boolean   Type = "boolean"
	Decimal   Type = "decimal"
	Integer   Type = "integer"
	DateTime  Type = "dateTime"
	Binary    Type = "binary"
	Reference Type = "reference"
	Complex   Type = "complex"
)

// Mutability says whether and how an attribute may be modified (RFC 7643 §7).
type Mutability string

// Mutability values of RFC 7643 §7. The empty value means ReadWrite.
const (
	ReadOnly  Mutability = "readOnly"
	ReadWrite Mutability = "readWrite"
	Immutable Mutability = "immutable"
	WriteOnly Mutability = "writeOnly"
)

// Returned says when an attribute is returned in a response (RFC 7643 §7).
type Returned string

// Returned values of RFC 7643 §7. The empty value means ReturnedDefault.
const (
	ReturnedAlways  Returned = "always"
	ReturnedNever   Returned = "never"
	ReturnedDefault Returned = "default"
	ReturnedRequest Returned = "request"
)

// Uniqueness says how an attribute's value must be unique (RFC 7643 §7).
type Uniqueness string

// Uniqueness values of RFC 7643 §7. The empty value means UniqueNone.
const (
	UniqueNone   Uniqueness = "none"
	UniqueServer Uniqueness = "server"
	UniqueGlobal Uniqueness = "global"
)

// Attribute describes one attribute of a schema with all the characteristics
// of RFC 7643 §2.2 and §7. Zero-valued characteristics take the RFC defaults:
// type string, single-valued, optional, caseExact false, readWrite, returned
// default, uniqueness none.
//
// An Attribute must not be modified once it is part of a Schema that has
// been passed to NewSchema: schemas are shared, read-only, and safe for
// concurrent use.
type Attribute struct {
	// Name is the attribute's name (RFC 7643 §7 "name"), e.g. "userName".
	Name string `json:"name"`
	// Type is the attribute's data type (RFC 7643 §2.3, §7 "type").
	Type Type `json:"type"`
	// MultiValued says whether the attribute's value is an array (RFC 7643 §7 "multiValued").
	MultiValued bool `json:"multiValued"`
	// Description is the attribute's human-readable description (RFC 7643 §7 "description").
	Description string `json:"description,omitempty"`
	// Required says whether the attribute must be present (RFC 7643 §7 "required").
	Required bool `json:"required"`
	// CanonicalValues lists suggested values such as "work" or "home" (RFC 7643 §7 "canonicalValues").
	CanonicalValues []string `json:"canonicalValues,omitempty"`
	// CaseExact says whether string values compare case-sensitively (RFC 7643 §7 "caseExact").
	CaseExact bool `json:"caseExact"`
	// Mutability says whether and when the attribute may be written (RFC 7643 §7 "mutability").
	Mutability Mutability `json:"mutability"`
	// Returned says when the attribute appears in responses (RFC 7643 §7 "returned").
	Returned Returned `json:"returned"`
	// Uniqueness says how the service provider enforces unique values (RFC 7643 §7 "uniqueness").
	Uniqueness Uniqueness `json:"uniqueness"`
	// ReferenceTypes lists the resource types a reference attribute may point to (RFC 7643 §7 "referenceTypes").
	ReferenceTypes []string `json:"referenceTypes,omitempty"`
	// SubAttributes defines the sub-attributes of a complex attribute (RFC 7643 §7 "subAttributes").
	SubAttributes []*Attribute `json:"subAttributes,omitempty"`

	subs map[string]*Attribute // lower-cased name → sub-attribute
}

// Sub returns the sub-attribute with the given name, compared
// case-insensitively (RFC 7643 §2.1), or nil.
func (a *Attribute) Sub(name string) *Attribute {
	if a == nil {
		return nil
	}
	if a.subs != nil {
		if s, ok := a.subs[name]; ok {
			return s
		}
		return a.subs[strings.ToLower(name)]
	}
	for _, s := range a.SubAttributes {
		if strings.EqualFold(s.Name, name) {
			return s
		}
	}
	return nil
}

// IsComplex reports whether the attribute is of type complex.
func (a *Attribute) IsComplex() bool { return a.Type == Complex }

// EffectiveMutability returns the attribute's mutability, ReadWrite when unset.
func (a *Attribute) EffectiveMutability() Mutability {
	if a.Mutability == "" {
		return ReadWrite
	}
	return a.Mutability
}

// EffectiveReturned returns the attribute's returned characteristic,
// ReturnedDefault when unset.
func (a *Attribute) EffectiveReturned() Returned {
	if a.Returned == "" {
		return ReturnedDefault
	}
	return a.Returned
}

// EffectiveUniqueness returns the attribute's uniqueness, UniqueNone when unset.
func (a *Attribute) EffectiveUniqueness() Uniqueness {
	if a.Uniqueness == "" {
		return UniqueNone
	}
	return a.Uniqueness
}

// index builds the lookup tables of a and its sub-attributes and fills in
// RFC defaults; it is called once by NewSchema.
func (a *Attribute) index() {
	if a.Type == "" {
		a.Type = String
	}
	if a.Mutability == "" {
		a.Mutability = ReadWrite
	}
	if a.Returned == "" {
		a.Returned = ReturnedDefault
	}
	if a.Uniqueness == "" {
		a.Uniqueness = UniqueNone
	}
	if len(a.SubAttributes) == 0 {
		return
	}
	a.subs = make(map[string]*Attribute, 2*len(a.SubAttributes))
	for _, s := range a.SubAttributes {
		s.index()
		a.subs[s.Name] = s
		a.subs[strings.ToLower(s.Name)] = s
	}
}
