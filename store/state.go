package store

import (
	"context"
	"errors"
	"time"
)

// AnyVersion as the ifVersion of PutState or DeleteState skips the version
// check: the write applies whatever version is stored, or none.
const AnyVersion int64 = -1

// Limits of a State, enforced by every backend: a key or value outside
// them is refused with ErrInvalidState.
const (
	// MaxStateKey is the longest State key, in bytes.
	MaxStateKey = 256
	// MaxStateValue is the largest State value, in bytes.
	MaxStateValue = 1 << 20
)

// ErrInvalidState is returned (wrapped) for a State key or value outside
// the limits above.
var ErrInvalidState = errors.New("invalid state")

// State is one document kept by States: small, opaque to the store, and
// versioned for optimistic concurrency.
type State struct {
	// Key names the document within its tenant, e.g.
	// "googleworkspace/sync" or "ssf/stream/<id>". 1 to MaxStateKey bytes.
	Key string
	// Value is the document itself (JSON, usually), at most MaxStateValue
	// bytes. The store keeps it as given: a component that keeps secrets
	// in it (private keys, channel tokens) encrypts or hashes them first.
	Value []byte
	// Version is 1 when the key is first written and grows by one with
	// every PutState.
	Version int64
	// Updated is the store's clock at the last PutState.
	Updated time.Time
}

// States is an optional capability of a store: small per-tenant documents
// that components built on scimkit (a directory connector's progress, a
// Shared Signals stream and its keys) keep across restarts and share
// between replicas. Keys of different tenants never meet. A deleted
// tenant's states are kept, like its resources.
//
// Values are copied in and out. Methods are safe for concurrent use; each
// is atomic on its own.
type States interface {
	// GetState returns the tenant's state under key, or ErrNotFound.
	GetState(ctx context.Context, tenant, key string) (State, error)
	// PutState stores value under key when the stored version equals
	// ifVersion (0: the key must not exist; AnyVersion: no check) and
	// returns the state as stored. A version mismatch returns
	// ErrPrecondition; a key or value outside the limits ErrInvalidState.
	PutState(ctx context.Context, tenant, key string, value []byte, ifVersion int64) (State, error)
	// DeleteState removes key when the stored version equals ifVersion
	// (AnyVersion: no check). A missing key returns ErrNotFound, a version
	// mismatch ErrPrecondition.
	DeleteState(ctx context.Context, tenant, key string, ifVersion int64) error
	// ListStates returns the tenant's states whose key starts with prefix
	// ("" for all), in key byte order.
	ListStates(ctx context.Context, tenant, prefix string) ([]State, error)
}
