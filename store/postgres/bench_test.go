package postgres_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/scimkit/scimkit/internal/pgtest"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/storetest"
)

// seeded is a PostgreSQL store that seeds benchmark tenants with COPY
// (storetest.Seeder) instead of one Create per user.
type seeded struct{ *postgres.Store }

func (s seeded) Seed(ctx context.Context, tenant string, rt *schema.ResourceType, rs []*schema.Resource) ([]string, error) {
	return postgres.BulkLoad(ctx, s.Store, tenant, rt, rs)
}

// BenchmarkStoretest runs the shared store benchmarks (storetest.Bench):
// userName eq, unfiltered pages and member deltas at 1k and 100k, whose
// cost must not grow with the tenant, and Create and Get.
func BenchmarkStoretest(b *testing.B) {
	storetest.Bench(b, func(tb testing.TB) store.Store { return seeded{open(tb, postgres.Config{})} })
}

// BenchmarkCreateParallel creates typical users from GOMAXPROCS goroutines
// (-cpu 8: eight concurrent writers) in one tenant, whose sequence numbers
// share blocks of the page counts: their striping must keep concurrent
// creates from queueing on one counter row.
func BenchmarkCreateParallel(b *testing.B) {
	s := open(b, postgres.Config{MaxConns: 16})
	ctx := b.Context()
	var next atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Create(ctx, "bench-par", storetest.UserType(), storetest.TypicalUser(int(next.Add(1)))); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// unanalyzed seeds with COPY and VACUUM but no ANALYZE, then opens (and
// closes) another Store on the schema with analyze, as a process starting
// on a database that has rows but no statistics would.
type unanalyzed struct {
	*postgres.Store
	analyze postgres.AnalyzeMode
	tb      testing.TB
}

func (s unanalyzed) Seed(ctx context.Context, tenant string, rt *schema.ResourceType, rs []*schema.Resource) ([]string, error) {
	ids, err := postgres.BulkLoadNoStats(ctx, s.Store, tenant, rt, rs)
	if err != nil {
		return nil, err
	}
	s2, err := postgres.Open(ctx, postgres.Config{DSN: pgtest.DSN(s.tb), Schema: s.Schema(), Analyze: s.analyze})
	if err != nil {
		return nil, err
	}
	return ids, s2.Close()
}

// BenchmarkNoStats runs the shared store benchmarks on tenants loaded
// without planner statistics, with the store's statistics upkeep
// (Config.Analyze) off ("never") and forced on ("always"): the ratio
// between the two is what the upkeep buys on a server whose autovacuum is
// off.
func BenchmarkNoStats(b *testing.B) {
	for _, m := range []postgres.AnalyzeMode{postgres.AnalyzeNever, postgres.AnalyzeAlways} {
		b.Run(string(m), func(b *testing.B) {
			storetest.Bench(b, func(tb testing.TB) store.Store {
				return unanalyzed{open(tb, postgres.Config{Analyze: m}), m, tb}
			})
		})
	}
}

// BenchmarkCreateClients creates typical users in one tenant from 1 and
// from 32 goroutines (clients), each with a connection of its own, and
// reports creates/s: the ratio between the two is how well writes share
// commits (package doc, "Round trips and shared commits").
func BenchmarkCreateClients(b *testing.B) {
	for _, clients := range []int{1, 32} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			s := open(b, postgres.Config{MaxConns: int32(clients) + 2})
			ctx := b.Context()
			storetest.Clients(b, clients, "creates/s", func(i int) error {
				_, err := s.Create(ctx, "bench-clients", storetest.UserType(), storetest.TypicalUser(i))
				return err
			})
		})
	}
}
