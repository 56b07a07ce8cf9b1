package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scimkit/store"
)

func statesOf(t *testing.T, s store.Store) store.States {
	t.Helper()
	ss, ok := s.(store.States)
	if !ok {
		t.Skip("store does not implement store.States")
	}
	return ss
}

// testStates pins the contract of store.States: versions, preconditions,
// limits, prefixes in byte order, tenant isolation and copies.
func testStates(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ss := statesOf(t, s)
	ctx := t.Context()
	before := time.Now().Add(-time.Second)

	if _, err := ss.GetState(ctx, "t1", "a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetState of a missing key: %v, want ErrNotFound", err)
	}
	if err := ss.DeleteState(ctx, "t1", "a", store.AnyVersion); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("DeleteState of a missing key: %v, want ErrNotFound", err)
	}
	if _, err := ss.PutState(ctx, "t1", "a", []byte("x"), 3); !errors.Is(err, store.ErrPrecondition) {
		t.Fatalf("PutState ifVersion 3 of a missing key: %v, want ErrPrecondition", err)
	}

	value := []byte(`{"cursor":"p1"}`)
	st, err := ss.PutState(ctx, "t1", "a", value, 0)
	if err != nil {
		t.Fatalf("PutState create: %v", err)
	}
	value[0] = 'X' // the store keeps a copy
	if st.Key != "a" || st.Version != 1 || string(st.Value) != `{"cursor":"p1"}` || st.Updated.Before(before) || st.Updated.Location() != time.UTC {
		t.Fatalf("PutState create returned %+v", st)
	}
	got, err := ss.GetState(ctx, "t1", "a")
	if err != nil || got.Version != 1 || string(got.Value) != `{"cursor":"p1"}` || !got.Updated.Equal(st.Updated) {
		t.Fatalf("GetState after create = %+v, %v; want %+v", got, err, st)
	}
	got.Value[0] = 'Y' // and returns copies
	if again, _ := ss.GetState(ctx, "t1", "a"); string(again.Value) != `{"cursor":"p1"}` {
		t.Fatalf("GetState returned the store's own buffer: %q", again.Value)
	}

	if _, err := ss.PutState(ctx, "t1", "a", []byte("dup"), 0); !errors.Is(err, store.ErrPrecondition) {
		t.Fatalf("PutState ifVersion 0 of an existing key: %v, want ErrPrecondition", err)
	}
	if _, err := ss.PutState(ctx, "t1", "a", []byte("stale"), 2); !errors.Is(err, store.ErrPrecondition) {
		t.Fatalf("PutState with a wrong version: %v, want ErrPrecondition", err)
	}
	if st, err = ss.PutState(ctx, "t1", "a", []byte("v2"), 1); err != nil || st.Version != 2 {
		t.Fatalf("PutState ifVersion 1 = %+v, %v; want version 2", st, err)
	}
	if st, err = ss.PutState(ctx, "t1", "a", nil, store.AnyVersion); err != nil || st.Version != 3 || len(st.Value) != 0 {
		t.Fatalf("PutState AnyVersion with an empty value = %+v, %v; want version 3", st, err)
	}
	if got, err := ss.GetState(ctx, "t1", "a"); err != nil || got.Version != 3 || len(got.Value) != 0 {
		t.Fatalf("GetState of an empty value = %+v, %v", got, err)
	}
	if st, err = ss.PutState(ctx, "t1", "fresh", []byte("f"), store.AnyVersion); err != nil || st.Version != 1 {
		t.Fatalf("PutState AnyVersion of a new key = %+v, %v; want version 1", st, err)
	}

	// Limits.
	for name, tc := range map[string]struct {
		key   string
		value []byte
		ifv   int64
	}{
		"empty key":     {"", nil, 0},
		"long key":      {strings.Repeat("k", store.MaxStateKey+1), nil, 0},
		"large value":   {"big", make([]byte, store.MaxStateValue+1), 0},
		"bad ifVersion": {"v", nil, -2},
	} {
		if _, err := ss.PutState(ctx, "t1", tc.key, tc.value, tc.ifv); !errors.Is(err, store.ErrInvalidState) {
			t.Errorf("PutState with %s: %v, want ErrInvalidState", name, err)
		}
	}
	if _, err := ss.PutState(ctx, "t1", strings.Repeat("k", store.MaxStateKey), make([]byte, store.MaxStateValue), 0); err != nil {
		t.Errorf("PutState at the limits: %v", err)
	}

	// Prefixes, byte order, tenants.
	for _, k := range []string{"ssf/stream/b", "ssf/stream/a", "ssf/streams", "ssf/key/1", "ssf/stream/\u00e9", "ssg"} {
		if _, err := ss.PutState(ctx, "t1", k, []byte(k), 0); err != nil {
			t.Fatalf("PutState %q: %v", k, err)
		}
	}
	if _, err := ss.PutState(ctx, "t2", "ssf/stream/a", []byte("other tenant"), 0); err != nil {
		t.Fatalf("PutState in another tenant: %v", err)
	}
	list, err := ss.ListStates(ctx, "t1", "ssf/stream/")
	if err != nil {
		t.Fatalf("ListStates: %v", err)
	}
	if got, want := stateKeys(list), "ssf/stream/a ssf/stream/b ssf/stream/\u00e9"; got != want {
		t.Errorf("ListStates(ssf/stream/) = %s, want %s", got, want)
	}
	for _, st := range list {
		if string(st.Value) != st.Key || st.Version != 1 {
			t.Errorf("ListStates entry %+v", st)
		}
	}
	if list, _ := ss.ListStates(ctx, "t2", ""); stateKeys(list) != "ssf/stream/a" || string(list[0].Value) != "other tenant" {
		t.Errorf("ListStates of t2 = %+v", list)
	}
	if list, _ := ss.ListStates(ctx, "t3", ""); len(list) != 0 {
		t.Errorf("ListStates of an unknown tenant = %+v", list)
	}
	if all, _ := ss.ListStates(ctx, "t1", ""); len(all) != 9 {
		t.Errorf("ListStates(t1, \"\") has %d states, want 9: %s", len(all), stateKeys(all))
	}

	// Deletes.
	if err := ss.DeleteState(ctx, "t1", "a", 2); !errors.Is(err, store.ErrPrecondition) {
		t.Fatalf("DeleteState with a wrong version: %v, want ErrPrecondition", err)
	}
	if err := ss.DeleteState(ctx, "t1", "a", 3); err != nil {
		t.Fatalf("DeleteState: %v", err)
	}
	if _, err := ss.GetState(ctx, "t1", "a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetState after delete: %v, want ErrNotFound", err)
	}
	if err := ss.DeleteState(ctx, "t2", "ssf/stream/a", store.AnyVersion); err != nil {
		t.Fatalf("DeleteState AnyVersion: %v", err)
	}
	if got, err := ss.GetState(ctx, "t1", "ssf/stream/a"); err != nil || string(got.Value) != "ssf/stream/a" {
		t.Fatalf("a delete in t2 touched t1: %+v, %v", got, err)
	}
	// A deleted key starts again at version 1.
	if st, err := ss.PutState(ctx, "t1", "a", []byte("again"), 0); err != nil || st.Version != 1 {
		t.Fatalf("PutState after delete = %+v, %v; want version 1", st, err)
	}
}

func stateKeys(list []store.State) string {
	keys := make([]string, len(list))
	for i, st := range list {
		keys[i] = st.Key
	}
	return strings.Join(keys, " ")
}

// testStateConcurrency races writers on one key with compare-and-swap
// increments: every success is one increment, none is lost, and exactly
// one of the racing creators wins.
func testStateConcurrency(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ss := statesOf(t, s)
	ctx := t.Context()
	const writers, each = 8, 10

	var mu sync.Mutex
	created := 0
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			if _, err := ss.PutState(ctx, "t1", "once", []byte("x"), 0); err == nil {
				mu.Lock()
				created++
				mu.Unlock()
			} else if !errors.Is(err, store.ErrPrecondition) {
				t.Errorf("racing create: %v, want nil or ErrPrecondition", err)
			}
		})
	}
	wg.Wait()
	if created != 1 {
		t.Fatalf("%d racing creators succeeded, want 1", created)
	}

	if _, err := ss.PutState(ctx, "t1", "counter", []byte("0"), 0); err != nil {
		t.Fatal(err)
	}
	for range writers {
		wg.Go(func() {
			for done := 0; done < each; {
				cur, err := ss.GetState(ctx, "t1", "counter")
				if err != nil {
					t.Errorf("GetState: %v", err)
					return
				}
				var n int
				fmt.Sscan(string(cur.Value), &n)
				_, err = ss.PutState(ctx, "t1", "counter", fmt.Append(nil, n+1), cur.Version)
				switch {
				case err == nil:
					done++
				case !errors.Is(err, store.ErrPrecondition):
					t.Errorf("PutState: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	got, err := ss.GetState(ctx, "t1", "counter")
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprint(writers * each); !bytes.Equal(got.Value, []byte(want)) || got.Version != int64(writers*each+1) {
		t.Fatalf("counter = %q at version %d, want %s at version %d", got.Value, got.Version, want, writers*each+1)
	}
}
