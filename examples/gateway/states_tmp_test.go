package main

// TODO(ssf): delete once store.States is on main (the stores have them).

import (
	"context"
	"strings"
	"sync"

	"github.com/scimkit/scimkit/ssf"
	"github.com/scimkit/scimkit/store"
)

type tmpStates struct {
	mu sync.Mutex
	m  map[string]ssf.State
}

func (f *tmpStates) GetState(_ context.Context, tenant, key string) (ssf.State, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.m[tenant+"\x00"+key]
	if !ok {
		return ssf.State{}, store.ErrNotFound
	}
	return s, nil
}

func (f *tmpStates) PutState(_ context.Context, tenant, key string, value []byte, ifVersion int64) (ssf.State, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[string]ssf.State{}
	}
	cur, ok := f.m[tenant+"\x00"+key]
	if ifVersion >= 0 && cur.Version != ifVersion || ifVersion == 0 && ok {
		return ssf.State{}, store.ErrPrecondition
	}
	s := ssf.State{Key: key, Value: append([]byte(nil), value...), Version: cur.Version + 1}
	f.m[tenant+"\x00"+key] = s
	return s, nil
}

func (f *tmpStates) DeleteState(_ context.Context, tenant, key string, _ int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.m, tenant+"\x00"+key)
	return nil
}

func (f *tmpStates) ListStates(_ context.Context, tenant, prefix string) ([]ssf.State, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []ssf.State
	for k, s := range f.m {
		if t, key, _ := strings.Cut(k, "\x00"); t == tenant && strings.HasPrefix(key, prefix) {
			out = append(out, s)
		}
	}
	return out, nil
}
