package storetest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// Bench runs the shared benchmarks. newStore is called once per Bench
// call (not per sub-benchmark): seeded data is created outside the timer
// and reused by every sub-benchmark of the same size within the run. When
// the store implements Seeder, the users of the large tenants are loaded
// with it; otherwise with one Create each.
//
// Sub-benchmarks: UserNameEq/{1k,100k} (List with a bound userName eq
// filter), Page/{1k,100k} (an unfiltered page of 100 users at a random
// startIndex, with its exact totalResults: the cost of a page must not
// grow with the tenant), MemberAdd/{1k,100k} and MemberRemove/{1k,100k}
// (one-member delta on a group of that many members), Create (a typical
// user), Clients/{1,32}/Create (creates from that many goroutines at once,
// each op one Create: compare their ns/op to see writes scale with
// clients) and Get.
func Bench(b *testing.B, newStore func(tb testing.TB) store.Store) {
	s := newStore(b)
	ctx := context.Background()
	bs := &benchState{s: s, ctx: ctx, users: map[int][]string{}, groups: map[int]string{}}
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("UserNameEq/%s", size(n)), func(b *testing.B) { bs.userNameEq(b, n) })
	}
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("Page/%s", size(n)), func(b *testing.B) { bs.page(b, n) })
	}
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("MemberAdd/%s", size(n)), func(b *testing.B) { bs.memberAdd(b, n) })
		b.Run(fmt.Sprintf("MemberRemove/%s", size(n)), func(b *testing.B) { bs.memberRemove(b, n) })
	}
	b.Run("Create", bs.create)
	for _, n := range []int{1, 32} {
		b.Run(fmt.Sprintf("Clients/%d/Create", n), func(b *testing.B) { bs.createFrom(b, n) })
	}
	b.Run("Get", bs.get)
}

func size(n int) string {
	if n%1000 == 0 {
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

type benchState struct {
	s      store.Store
	ctx    context.Context
	users  map[int][]string // tenant-per-size user ids
	groups map[int]string
	next   int
}

func benchTenant(n int) string { return "bench-" + size(n) }

// Seeder is an optional capability of a store under Bench, typically
// implemented by a test wrapper around a backend: Seed stores rs in tenant
// as Create would (same stored documents, unique values, ids assigned by
// the store; events may be left out) and returns their ids in order, much
// faster than one Create each, so that benchmarks on tenants of 100k users
// do not spend minutes seeding. Without it, Bench calls Create.
type Seeder interface {
	// Seed stores rs in tenant in bulk and returns their ids in order.
	Seed(ctx context.Context, tenant string, rt *schema.ResourceType, rs []*schema.Resource) ([]string, error)
}

// seedUsers creates n typical users in tenant bench-<n> once.
func (bs *benchState) seedUsers(b *testing.B, n int) []string {
	if ids, ok := bs.users[n]; ok {
		return ids
	}
	b.StopTimer()
	defer b.StartTimer()
	var ids []string
	if sd, ok := bs.s.(Seeder); ok {
		rs := make([]*schema.Resource, n)
		for i := range rs {
			rs[i] = TypicalUser(i)
		}
		var err error
		if ids, err = sd.Seed(bs.ctx, benchTenant(n), UserType(), rs); err != nil || len(ids) != n {
			b.Fatalf("Seed %d users: %v (%d ids)", n, err, len(ids))
		}
	} else {
		ids = make([]string, n)
		for i := range n {
			r, err := bs.s.Create(bs.ctx, benchTenant(n), UserType(), TypicalUser(i))
			if err != nil {
				b.Fatalf("seed user %d: %v", i, err)
			}
			ids[i] = r.ID
		}
	}
	bs.users[n] = ids
	return ids
}

// page reads random unfiltered pages of 100 users by startIndex.
func (bs *benchState) page(b *testing.B, n int) {
	bs.seedUsers(b, n)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		q := store.Query{StartIndex: 1 + (i*7919)%n, Count: 100}
		p, err := bs.s.List(bs.ctx, benchTenant(n), UserType(), q)
		if err != nil || p.TotalResults != n || len(p.Resources) != min(100, n-q.StartIndex+1) {
			b.Fatalf("List startIndex %d: %v (page %v)", q.StartIndex, err, p)
		}
	}
}

func (bs *benchState) userNameEq(b *testing.B, n int) {
	bs.seedUsers(b, n)
	queries := make([]store.Query, 64)
	for i := range queries {
		name := TypicalUser((i * 7919) % n).Attrs["userName"].(string)
		e, err := filter.Parse(fmt.Sprintf("userName eq %q", name))
		if err == nil {
			e, err = filter.Bind(UserType(), e)
		}
		if err != nil {
			b.Skipf("filter: %v", err)
		}
		queries[i] = store.Query{Filter: e, Count: 10}
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		p, err := bs.s.List(bs.ctx, benchTenant(n), UserType(), queries[i%len(queries)])
		if err != nil || p.TotalResults != 1 {
			b.Fatalf("List: %v (total %v)", err, p)
		}
	}
}

// seedGroup creates, once, a group with n members in tenant bench-<n>:
// its n users (seedUsers), since members must name resources.
func (bs *benchState) seedGroup(b *testing.B, n int) string {
	if id, ok := bs.groups[n]; ok {
		return id
	}
	users := bs.seedUsers(b, n)
	b.StopTimer()
	defer b.StartTimer()
	g, err := bs.s.Create(bs.ctx, benchTenant(n), GroupType(), group("Bench"))
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i += 5000 {
		d := schema.MemberDelta{Kind: schema.DeltaAdd}
		for j := i; j < min(i+5000, n); j++ {
			d.Members = append(d.Members, schema.Member{Value: users[j], Type: "User"})
		}
		if _, _, err := bs.s.Update(bs.ctx, benchTenant(n), GroupType(), g.ID, store.Update{MemberDeltas: []schema.MemberDelta{d}, Apply: keep}); err != nil {
			b.Fatal(err)
		}
	}
	bs.groups[n] = g.ID
	return g.ID
}

func keep(cur *schema.Resource) (*schema.Resource, error) { return cur, nil }

func (bs *benchState) delta(b *testing.B, n int, g string, kind schema.DeltaKind, values []string) {
	d := schema.MemberDelta{Kind: kind}
	for _, v := range values {
		d.Members = append(d.Members, schema.Member{Value: v, Type: "User"})
	}
	if _, _, err := bs.s.Update(bs.ctx, benchTenant(n), GroupType(), g, store.Update{MemberDeltas: []schema.MemberDelta{d}, Apply: keep}); err != nil {
		b.Fatal(err)
	}
}

func (bs *benchState) memberAdd(b *testing.B, n int) {
	g := bs.seedGroup(b, n)
	var added []string
	b.ResetTimer()
	for b.Loop() {
		bs.next++
		b.StopTimer()
		u, err := bs.s.Create(bs.ctx, benchTenant(n), UserType(), user(fmt.Sprintf("extra-%d", bs.next)))
		if err != nil {
			b.Fatal(err)
		}
		v := u.ID
		b.StartTimer()
		bs.delta(b, n, g, schema.DeltaAdd, []string{v})
		added = append(added, v)
	}
	b.StopTimer()
	bs.delta(b, n, g, schema.DeltaRemove, added)
}

func (bs *benchState) memberRemove(b *testing.B, n int) {
	g := bs.seedGroup(b, n)
	users := bs.seedUsers(b, n)
	// Remove existing members, re-adding them outside the timer in batches
	// so the group keeps about n members.
	const batch = 500
	var removed []string
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		v := users[i%min(n, batch)]
		if len(removed) == batch || (len(removed) > 0 && i%batch == 0) {
			b.StopTimer()
			bs.delta(b, n, g, schema.DeltaAdd, removed)
			removed = removed[:0]
			b.StartTimer()
		}
		bs.delta(b, n, g, schema.DeltaRemove, []string{v})
		removed = append(removed, v)
	}
	b.StopTimer()
	bs.delta(b, n, g, schema.DeltaAdd, removed)
}

func (bs *benchState) create(b *testing.B) {
	for b.Loop() {
		bs.next++
		if _, err := bs.s.Create(bs.ctx, "bench-create", UserType(), TypicalUser(1_000_000+bs.next)); err != nil {
			b.Fatal(err)
		}
	}
}

// createFrom runs b.N creates from clients goroutines, each taking the
// next user number until b.N are done.
func (bs *benchState) createFrom(b *testing.B, clients int) {
	base := 2_000_000 + 10_000_000*clients + bs.next // distinct userNames per run
	bs.next += b.N
	Clients(b, clients, "creates/s", func(i int) error {
		_, err := bs.s.Create(bs.ctx, "bench-clients", UserType(), TypicalUser(base+i))
		return err
	})
}

// Clients runs op for i = 1..b.N from clients goroutines, each taking the
// next i until b.N are done, fails b with the first error, and reports the
// rate as metric (e.g. "creates/s"): how a write scales with clients.
func Clients(b *testing.B, clients int, metric string, op func(i int) error) {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	b.ResetTimer()
	for range clients {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				if err := op(int(i)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), metric)
}

func (bs *benchState) get(b *testing.B) {
	ids := bs.seedUsers(b, 1000)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := bs.s.Get(bs.ctx, benchTenant(1000), UserType(), ids[i%len(ids)], store.ReadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
