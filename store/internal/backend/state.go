package backend

import (
	"fmt"

	"github.com/scimkit/scimkit/store"
)

// CheckState returns an error wrapping ErrInvalidState when key or value
// is outside the limits of a State, or ifVersion is neither AnyVersion nor
// a version (≥ 0). Backends call it before writing.
func CheckState(key string, value []byte, ifVersion int64) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: empty key", store.ErrInvalidState)
	case len(key) > store.MaxStateKey:
		return fmt.Errorf("%w: key of %d bytes (at most %d)", store.ErrInvalidState, len(key), store.MaxStateKey)
	case len(value) > store.MaxStateValue:
		return fmt.Errorf("%w: value of %d bytes under %q (at most %d)", store.ErrInvalidState, len(value), key, store.MaxStateValue)
	case ifVersion < store.AnyVersion:
		return fmt.Errorf("%w: ifVersion %d", store.ErrInvalidState, ifVersion)
	}
	return nil
}

// CheckStateVersion returns ErrPrecondition (wrapped, naming key) unless
// ifVersion is AnyVersion or equals stored, the version currently stored
// (0 when the key is absent). Backends call it inside their transaction.
func CheckStateVersion(key string, stored, ifVersion int64) error {
	if ifVersion == store.AnyVersion || ifVersion == stored {
		return nil
	}
	if stored == 0 {
		return fmt.Errorf("state %q does not exist, expected version %d: %w", key, ifVersion, store.ErrPrecondition)
	}
	return fmt.Errorf("state %q is at version %d, expected %d: %w", key, stored, ifVersion, store.ErrPrecondition)
}
