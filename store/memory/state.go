package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

var _ store.States = (*Store)(nil)

// GetState implements store.States.
func (s *Store) GetState(ctx context.Context, tenant, key string) (store.State, error) {
	var out store.State
	err := s.adminTx(ctx, false, "get state "+key, func(a *adminState, _ time.Time) error {
		st, ok := a.states[tenant][key]
		if !ok {
			return store.ErrNotFound
		}
		out = copyState(st)
		return nil
	})
	return out, err
}

// PutState implements store.States.
func (s *Store) PutState(ctx context.Context, tenant, key string, value []byte, ifVersion int64) (store.State, error) {
	op := "put state " + key
	if err := backend.CheckState(key, value, ifVersion); err != nil {
		return store.State{}, fmt.Errorf("memory: %s: %w", op, err)
	}
	var out store.State
	err := s.adminTx(ctx, true, op, func(a *adminState, now time.Time) error {
		cur := a.states[tenant][key]
		if err := backend.CheckStateVersion(key, cur.Version, ifVersion); err != nil {
			return err
		}
		if a.states == nil {
			a.states = map[string]map[string]store.State{}
		}
		if a.states[tenant] == nil {
			a.states[tenant] = map[string]store.State{}
		}
		st := store.State{Key: key, Value: slices.Clone(value), Version: cur.Version + 1, Updated: now}
		a.states[tenant][key] = st
		out = copyState(st)
		return nil
	})
	return out, err
}

// DeleteState implements store.States.
func (s *Store) DeleteState(ctx context.Context, tenant, key string, ifVersion int64) error {
	return s.adminTx(ctx, true, "delete state "+key, func(a *adminState, _ time.Time) error {
		cur, ok := a.states[tenant][key]
		if !ok {
			return store.ErrNotFound
		}
		if err := backend.CheckStateVersion(key, cur.Version, ifVersion); err != nil {
			return err
		}
		delete(a.states[tenant], key)
		return nil
	})
}

// ListStates implements store.States.
func (s *Store) ListStates(ctx context.Context, tenant, prefix string) ([]store.State, error) {
	var out []store.State
	err := s.adminTx(ctx, false, "list states", func(a *adminState, _ time.Time) error {
		for k, st := range a.states[tenant] {
			if strings.HasPrefix(k, prefix) {
				out = append(out, copyState(st))
			}
		}
		slices.SortFunc(out, func(x, y store.State) int { return strings.Compare(x.Key, y.Key) })
		return nil
	})
	return out, err
}

func copyState(st store.State) store.State {
	st.Value = slices.Clone(st.Value)
	return st
}
