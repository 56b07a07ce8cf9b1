package connector

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/scimkit/scimkit/store"
)

// statesStore adds a map-backed stateStore to a store until store.States
// lands on main.
type statesStore struct {
	store.Store
	mu sync.Mutex
	m  map[string]stateDoc
}

func withStates(st store.Store) store.Store { return &statesStore{Store: st, m: map[string]stateDoc{}} }

func (s *statesStore) Events(ctx context.Context, after int64, limit int) ([]store.Event, error) {
	return s.Store.(store.Outbox).Events(ctx, after, limit)
}

func (s *statesStore) GetState(ctx context.Context, tenant, key string) (stateDoc, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.m[tenant+"\x00"+key]
	if !ok {
		return d, store.ErrNotFound
	}
	return d, nil
}

func (s *statesStore) PutState(ctx context.Context, tenant, key string, value []byte, ifVersion int64) (stateDoc, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.m[tenant+"\x00"+key]
	if ifVersion != anyVersion && ifVersion != d.Version {
		return d, store.ErrPrecondition
	}
	d = stateDoc{Key: key, Value: append([]byte(nil), value...), Version: d.Version + 1, Updated: time.Now()}
	s.m[tenant+"\x00"+key] = d
	return d, nil
}

func (s *statesStore) DeleteState(ctx context.Context, tenant, key string, ifVersion int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.m[tenant+"\x00"+key]
	if !ok {
		return store.ErrNotFound
	}
	if ifVersion != anyVersion && ifVersion != d.Version {
		return store.ErrPrecondition
	}
	delete(s.m, tenant+"\x00"+key)
	return nil
}

func (s *statesStore) ListStates(ctx context.Context, tenant, prefix string) ([]stateDoc, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []stateDoc
	for k, d := range s.m {
		if strings.HasPrefix(k, tenant+"\x00"+prefix) {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}
