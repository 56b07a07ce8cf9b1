package store

import (
	"errors"
)

// ConflictError is the error of a write refused for uniqueness (it wraps
// ErrConflict): the attribute whose value is in use in the tenant, or an
// externalId reserved by a tombstone (Reserved). It never names another
// tenant or its data.
type ConflictError struct {
	// Attr is the attribute's path, e.g. "userName", or "externalId".
	Attr string
	// Reserved means the value belonged to a deleted resource and is never
	// reused (soft delete, Tombstones).
	Reserved bool
}

// Error names the attribute and wraps ErrConflict's text.
func (e *ConflictError) Error() string {
	if e.Reserved {
		return e.Attr + " belonged to a deleted resource and is never reused: " + ErrConflict.Error()
	}
	return e.Attr + " is already in use: " + ErrConflict.Error()
}

// Unwrap returns ErrConflict.
func (e *ConflictError) Unwrap() error { return ErrConflict }

// ErrInvalidSort means a List was asked to sort by an attribute the store
// cannot order resources by: one kept in the membership index (members,
// groups and their sub-attributes). The HTTP layer answers 400
// invalidValue.
var ErrInvalidSort = errors.New("unsupported sortBy attribute")
