package memory_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
	"github.com/scimkit/scimkit/store/storetest"
)

func newStore(tb testing.TB) store.Store {
	s := memory.New()
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestStore(t *testing.T) { storetest.Run(t, func(t *testing.T) store.Store { return newStore(t) }) }

func BenchmarkStore(b *testing.B) { storetest.Bench(b, newStore) }

// BenchmarkBytesPerUser reports the heap the store holds per typical user
// (storetest.TypicalUser) at 100,000 users: with the outbox disabled, so
// only resources and indexes count, and with the default outbox, which
// then holds the last DefaultOutboxSize user.created events. The budgets
// (measured: ~390 and ~445 bytes) leave a server room to stay within
// 1.5 KiB of resident memory per user after GC.
func BenchmarkBytesPerUser(b *testing.B) {
	for _, bc := range []struct {
		name   string
		outbox int
		budget float64
	}{
		{"outbox=off", -1, 512},
		{"outbox=default", 0, 576},
	} {
		b.Run(bc.name, func(b *testing.B) {
			const n = 100_000
			for b.Loop() {
				s := memory.New(memory.Config{OutboxSize: bc.outbox})
				before := heapInuse()
				ctx := context.Background()
				for i := range n {
					if _, err := s.Create(ctx, "t", storetest.UserType(), storetest.TypicalUser(i)); err != nil {
						b.Fatal(err)
					}
				}
				per := float64(heapInuse()-before) / n
				b.ReportMetric(per, "bytes/user")
				if per > bc.budget {
					b.Errorf("%.0f bytes per typical user, budget %.0f", per, bc.budget)
				}
				runtime.KeepAlive(s)
			}
		})
	}
}

func heapInuse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

func Example() {
	s := memory.New()
	defer s.Close()
	ctx := context.Background()
	users, groups := schema.UserResourceType(), schema.GroupResourceType()
	u, _ := s.Create(ctx, "acme", users, &schema.Resource{
		Schemas: []string{schema.UserSchema},
		Attrs:   map[string]any{"userName": "bjensen@example.com"},
	})
	g, _ := s.Create(ctx, "acme", groups, &schema.Resource{
		Schemas: []string{schema.GroupSchema},
		Attrs:   map[string]any{"displayName": "Admins", "members": []any{map[string]any{"value": u.ID}}},
	})
	_, err := s.Create(ctx, "acme", users, &schema.Resource{
		Schemas: []string{schema.UserSchema},
		Attrs:   map[string]any{"userName": "BJENSEN@example.com"},
	})
	fmt.Println(u.Meta.Version, err != nil)
	u, _ = s.Get(ctx, "acme", users, u.ID, store.ReadOptions{})
	fmt.Println(u.Attrs["groups"].([]any)[0].(map[string]any)["display"])
	evs, _ := s.Events(ctx, 0, 10)
	for _, e := range evs {
		fmt.Println(e.Type, e.ResourceID == g.ID || e.ResourceID == u.ID)
	}
	// Output:
	// W/"1" true
	// Admins
	// user.created true
	// group.created true
	// group.members_added true
	// user.groups_changed true
}

func TestDeliveries(t *testing.T) {
	storetest.RunDeliveries(t, func(t *testing.T) store.Store { return newStore(t) })
}

func TestTombstones(t *testing.T) {
	storetest.RunTombstones(t, func(t *testing.T) store.Store { return newStore(t) })
}

// TestDistinctTypePointers: callers may build their own *schema.ResourceType
// values for one type (scim and a hooks.Directory each calling
// schema.UserResourceType()); concurrent use must not race.
func TestDistinctTypePointers(t *testing.T) {
	st := memory.New()
	ctx := t.Context()
	u, err := st.Create(ctx, "t", schema.UserResourceType(), &schema.Resource{
		Schemas: []string{schema.UserSchema}, Attrs: map[string]any{"userName": "a"}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rt := schema.UserResourceType()
			for range 50 {
				if _, err := st.Get(ctx, "t", rt, u.ID, store.ReadOptions{}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestIDForms: ids are kept in binary form; only the exact id the store
// assigned names the resource (ids are caseExact, RFC 7643 §3.1).
func TestIDForms(t *testing.T) {
	s := memory.New()
	ctx := t.Context()
	u, err := s.Create(ctx, "t", schema.UserResourceType(), &schema.Resource{
		Schemas: []string{schema.UserSchema}, Attrs: map[string]any{"userName": "a"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id   string
		want error
	}{
		{u.ID, nil},
		{strings.ToUpper(u.ID), store.ErrNotFound},
		{strings.ReplaceAll(u.ID, "-", ""), store.ErrNotFound},
		{"", store.ErrNotFound},
		{"a", store.ErrNotFound},
	} {
		t.Run(tc.id, func(t *testing.T) {
			got, err := s.Get(ctx, "t", schema.UserResourceType(), tc.id, store.ReadOptions{})
			if !errors.Is(err, tc.want) || err == nil && got.ID != u.ID {
				t.Errorf("Get(%q) = %v, %v; want id %s or %v", tc.id, got, err, u.ID, tc.want)
			}
		})
	}
}
