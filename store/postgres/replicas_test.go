package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scimkit/internal/pgtest"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/storetest"
)

func TestUnavailable(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	start := time.Now()
	_, err := postgres.Open(ctx, postgres.Config{DSN: "postgres://postgres@127.0.0.1:1/test?sslmode=disable", ConnectTimeout: 500 * time.Millisecond})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Open on a closed port: %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Open took %v with a 500ms connect timeout", d)
	}
	// A statement that outlives the statement timeout is unavailable too.
	s := open(t, postgres.Config{StatementTimeout: 100 * time.Millisecond})
	if err := s.Exec(t.Context(), `SELECT pg_sleep(1)`); err == nil {
		t.Fatal("pg_sleep(1) with a 100ms statement timeout succeeded")
	}
	short, cancel2 := context.WithTimeout(t.Context(), time.Nanosecond)
	defer cancel2()
	time.Sleep(time.Millisecond)
	if _, err := s.Get(short, "t", storetest.UserType(), "x", store.ReadOptions{}); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Get with an expired deadline: %v, want ErrUnavailable", err)
	}
}

func TestConfigValidation(t *testing.T) {
	for _, cfg := range []postgres.Config{
		{},
		{DSN: pgtest.DefaultDSN, Schema: "Bad-Name"},
		{DSN: pgtest.DefaultDSN, Schema: "pg_catalog"},
		{DSN: pgtest.DefaultDSN, MinConns: 5, MaxConns: 2},
		{DSN: "postgres://%zz"},
	} {
		if s, err := postgres.Open(t.Context(), cfg); err == nil {
			s.Close()
			t.Errorf("Open(%+v) succeeded", cfg)
		}
	}
}

// TestReplicas runs two Stores on one schema, as two server replicas
// would, adding members to one group concurrently: every add is kept and
// the version counts every change.
func TestReplicas(t *testing.T) {
	a := open(t, postgres.Config{})
	b := open(t, postgres.Config{Schema: a.Schema()})
	ctx := t.Context()
	gt := storetest.GroupType()
	g, err := a.Create(ctx, "t", gt, &schema.Resource{Schemas: []string{schema.GroupSchema}, Attrs: map[string]any{"displayName": "G"}})
	if err != nil {
		t.Fatal(err)
	}
	const n = 40
	users := make([]string, n) // members must name resources (store/refs.go)
	for i := range users {
		u, err := a.Create(ctx, "t", storetest.UserType(), &schema.Resource{Schemas: []string{schema.UserSchema},
			Attrs: map[string]any{"userName": fmt.Sprint("m", i)}})
		if err != nil {
			t.Fatal(err)
		}
		users[i] = u.ID
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			d := []schema.MemberDelta{{Kind: schema.DeltaAdd, Members: []schema.Member{{Value: users[i]}}}}
			// Apply renames the group too: a read-modify-write that would
			// lose updates without the row lock.
			_, _, err := s.Update(ctx, "t", gt, g.ID, store.Update{Apply: func(cur *schema.Resource) (*schema.Resource, error) {
				next := cur.Clone()
				next.Attrs["displayName"] = fmt.Sprint(cur.Attrs["displayName"], "+")
				return next, nil
			}, MemberDeltas: d})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := b.Get(ctx, "t", gt, g.ID, store.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := got.Attrs["members"].([]any); len(m) != n {
		t.Errorf("%d members after %d concurrent adds", len(m), n)
	}
	if name := got.Attrs["displayName"].(string); len(name) != 1+n {
		t.Errorf("displayName %q: lost renames", name)
	}
	if got.Meta.Version != backend.FormatVersion(1+n) {
		t.Errorf("version %s, want %s", got.Meta.Version, backend.FormatVersion(1+n))
	}
	evs, err := a.Events(ctx, 0, 10*n)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range evs {
		if e.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d: outbox sequence has a gap", i, e.Seq)
		}
	}
}

// TestConcurrentMigrations opens one schema from several goroutines at
// once: the advisory lock makes exactly one of them migrate.
func TestConcurrentMigrations(t *testing.T) {
	d := pgtest.DSN(t)
	name := pgtest.Schema(t, d)
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range 6 {
		wg.Go(func() {
			s, err := postgres.Open(t.Context(), postgres.Config{DSN: d, Schema: name, MaxConns: 2})
			if err == nil {
				s.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	s := open(t, postgres.Config{DSN: d, Schema: name, SkipMigrations: true})
	if _, err := s.Create(t.Context(), "t", storetest.UserType(), storetest.TypicalUser(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.Open(t.Context(), postgres.Config{DSN: d, Schema: pgtest.Schema(t, d), SkipMigrations: true}); err == nil {
		t.Error("SkipMigrations on an empty schema succeeded")
	}
}

// TestDefaultMaxConns: a zero Config.MaxConns opens a pool of the greater
// of DefaultMaxConns, the number of CPUs and MinConns, so that concurrent
// writes waiting for their commits do not cap group commit.
func TestDefaultMaxConns(t *testing.T) {
	d := pgtest.DSN(t)
	for _, tt := range []struct {
		cfg  postgres.Config
		want int32
	}{
		{postgres.Config{}, max(postgres.DefaultMaxConns, int32(runtime.NumCPU()))},
		{postgres.Config{MinConns: postgres.DefaultMaxConns + 1}, max(postgres.DefaultMaxConns+1, int32(runtime.NumCPU()))},
		{postgres.Config{MaxConns: 3}, 3},
	} {
		tt.cfg.DSN = d
		tt.cfg.Schema = pgtest.Schema(t, d)
		s, err := postgres.Open(t.Context(), tt.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.PoolMaxConns(); got != tt.want {
			t.Errorf("Open(MaxConns %d, MinConns %d): pool of %d, want %d", tt.cfg.MaxConns, tt.cfg.MinConns, got, tt.want)
		}
		s.Close()
	}
}
