package connector

import (
	"context"
	"time"
)

// stateDoc and stateStore mirror store.State and store.States until that
// capability lands on main; they are replaced by the store's types then.
type stateDoc struct {
	Key     string
	Value   []byte
	Version int64
	Updated time.Time
}

const anyVersion int64 = -1

type stateStore interface {
	GetState(ctx context.Context, tenant, key string) (stateDoc, error)
	PutState(ctx context.Context, tenant, key string, value []byte, ifVersion int64) (stateDoc, error)
	DeleteState(ctx context.Context, tenant, key string, ifVersion int64) error
	ListStates(ctx context.Context, tenant, prefix string) ([]stateDoc, error)
}
