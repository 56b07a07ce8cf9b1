package postgres_test

import (
	"context"
	"sync/atomic"
	"testing"

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
