package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/scimkit/scimkit/internal/pgtest"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/storetest"
)

// bulk loads n typical users (numbered from first) into tenant with COPY.
func bulk(t *testing.T, s *postgres.Store, tenant string, first, n int) []string {
	t.Helper()
	rs := make([]*schema.Resource, n)
	for i := range rs {
		rs[i] = storetest.TypicalUser(first + i)
	}
	ids, err := postgres.BulkLoad(t.Context(), s, tenant, storetest.UserType(), rs)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// checkBlocks fails unless every block count of page_blocks is the number
// of resources rows in its block.
func checkBlocks(t *testing.T, s *postgres.Store, when string) {
	t.Helper()
	n, err := s.QueryInt(t.Context(), postgres.BlockMismatches)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%s: %d blocks whose count differs from their rows", when, n)
	}
}

// TestBlockPagesConcurrent: unfiltered creation-order pages read through
// the block counts equal a plain OFFSET over the whole index in the same
// snapshot, at random offsets across (and past) the range, while other
// connections create, delete and soft-delete users of the tenant, of
// another tenant and groups (whose sequence numbers interleave, so the
// tenant's blocks are sparse).
func TestBlockPagesConcurrent(t *testing.T) {
	s := open(t, postgres.Config{MaxConns: 6})
	ctx := t.Context()
	ut, gt := storetest.UserType(), storetest.GroupType()
	var mu sync.Mutex
	ids := bulk(t, s, "t", 0, 1500)
	bulk(t, s, "other", 0, 2100)
	ids = append(ids, bulk(t, s, "t", 1500, 1500)...)

	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for w := range 3 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for i := 0; !stop.Load(); i++ {
				var err error
				switch op := rng.IntN(10); {
				case op < 4:
					var u *schema.Resource
					u, err = s.Create(ctx, "t", ut, storetest.TypicalUser(10_000*(w+1)+i))
					if err == nil {
						mu.Lock()
						ids = append(ids, u.ID)
						mu.Unlock()
					}
				case op < 7:
					mu.Lock()
					var id string
					if len(ids) > 0 {
						k := rng.IntN(len(ids))
						id = ids[k]
						ids = slices.Delete(ids, k, k+1)
					}
					mu.Unlock()
					if id == "" {
						continue
					}
					if op == 6 {
						err = s.DeleteWithTombstone(ctx, "t", ut, id, "")
					} else {
						err = s.Delete(ctx, "t", ut, id, "")
					}
				case op < 9:
					_, err = s.Create(ctx, "other", ut, storetest.TypicalUser(10_000*(w+1)+i))
				default:
					_, err = s.Create(ctx, "t", gt, &schema.Resource{Schemas: []string{schema.GroupSchema},
						Attrs: map[string]any{"displayName": fmt.Sprintf("G %d %d", w, i)}})
				}
				if err != nil && !errors.Is(err, context.Canceled) {
					errs <- err
					return
				}
			}
		})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		mu.Lock()
		n := len(ids)
		mu.Unlock()
		offset, count := rng.IntN(n+60), 1+rng.IntN(120)
		switch {
		case i%25 == 0:
			offset = 0
		case i%3 == 0: // next to the end of a block
			nb, err := s.QueryInt(ctx, `SELECT count(DISTINCT block) FROM {s}.page_blocks WHERE tenant = $1 AND type = $2`, "t", ut.Name)
			if err != nil {
				t.Fatal(err)
			}
			end, err := s.QueryInt(ctx, `SELECT upto FROM (SELECT block, (sum(sum(n)) OVER (ORDER BY block))::bigint AS upto
				FROM {s}.page_blocks WHERE tenant = $1 AND type = $2 GROUP BY block) b ORDER BY block OFFSET $3 LIMIT 1`, "t", ut.Name, rng.IntN(int(nb)))
			if err != nil {
				t.Fatal(err)
			}
			offset = max(int(end)+rng.IntN(3)-1, 0)
		}
		block, plain, err := postgres.PageBoth(ctx, s, "t", ut, offset, count)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(block, plain) {
			t.Fatalf("offset %d count %d: block page %d ids, OFFSET page %d ids; differ:\n%v\n%v", offset, count, len(block), len(plain), block, plain)
		}
		if len(plain) == 0 && offset < n-200 {
			t.Fatalf("offset %d of about %d: empty page", offset, n)
		}
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	checkBlocks(t, s, "after concurrent writes")

	// With the writers done, List pages are the slices of the whole
	// creation order, with the exact total.
	mu.Lock()
	defer mu.Unlock()
	all, err := s.List(ctx, "t", ut, store.Query{StartIndex: 1, Count: len(ids) + 10, Read: store.ReadOptions{OmitGroups: true}})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, r := range all.Resources {
		order = append(order, r.ID)
	}
	if len(order) != len(ids) || all.TotalResults != len(ids) {
		t.Fatalf("List: %d resources, total %d; want %d", len(order), all.TotalResults, len(ids))
	}
	for range 40 {
		start, count := 1+rng.IntN(len(order)+20), 1+rng.IntN(150)
		p, err := s.List(ctx, "t", ut, store.Query{StartIndex: start, Count: count, Read: store.ReadOptions{OmitGroups: true}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range p.Resources {
			got = append(got, r.ID)
		}
		want := order[min(start-1, len(order)):min(start-1+count, len(order))]
		if p.TotalResults != len(order) || !slices.Equal(got, want) {
			t.Fatalf("start %d count %d: total %d (want %d), ids %v, want %v", start, count, p.TotalResults, len(order), got, want)
		}
	}
}

// TestBlockCountsExact: the block counts equal COUNT(*) per block after
// COPY, creates, deletes, soft deletes, groups with members, a tenant's
// deletion (which keeps its resources: store.Tenants) and a statement
// deleting many rows at once; and the migration counts existing rows.
func TestBlockCountsExact(t *testing.T) {
	dsn := pgtest.DSN(t)
	schemaName := pgtest.Schema(t, dsn)
	s := open(t, postgres.Config{DSN: dsn, Schema: schemaName})
	ctx := t.Context()
	ut, gt := storetest.UserType(), storetest.GroupType()
	rng := rand.New(rand.NewPCG(3, 4))
	ids := map[string][]string{}
	for _, tenant := range []string{"a", "b", "c"} {
		if _, err := s.CreateTenant(ctx, store.TenantRecord{ID: tenant}); err != nil {
			t.Fatal(err)
		}
		ids[tenant] = bulk(t, s, tenant, 0, 700+rng.IntN(800))
	}
	checkBlocks(t, s, "after COPY")
	for i := range 400 {
		tenant := []string{"a", "b", "c"}[rng.IntN(3)]
		switch op := rng.IntN(5); {
		case op < 2:
			u, err := s.Create(ctx, tenant, ut, storetest.TypicalUser(50_000+i))
			if err != nil {
				t.Fatal(err)
			}
			ids[tenant] = append(ids[tenant], u.ID)
		case op < 4:
			k := rng.IntN(len(ids[tenant]))
			id := ids[tenant][k]
			ids[tenant] = slices.Delete(ids[tenant], k, k+1)
			del := s.Delete
			if op == 3 {
				del = s.DeleteWithTombstone
			}
			if err := del(ctx, tenant, ut, id, ""); err != nil {
				t.Fatal(err)
			}
		default:
			members := []any{map[string]any{"value": ids[tenant][0]}}
			if _, err := s.Create(ctx, tenant, gt, &schema.Resource{Schemas: []string{schema.GroupSchema},
				Attrs: map[string]any{"displayName": fmt.Sprint("G", i), "members": members}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	checkBlocks(t, s, "after creates and deletes")
	if err := s.DeleteTenant(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	checkBlocks(t, s, "after DeleteTenant")
	if err := s.Exec(ctx, `DELETE FROM {s}.resources WHERE tenant = 'c'`); err != nil {
		t.Fatal(err)
	}
	checkBlocks(t, s, "after deleting a tenant's rows in one statement")
	p, err := s.List(ctx, "c", ut, store.Query{StartIndex: 1, Count: 10})
	if err != nil || p.TotalResults != 0 || len(p.Resources) != 0 {
		t.Fatalf("List of an emptied tenant: %v, %v", err, p)
	}

	// Backfill: remove what migration 0007 made and open the schema again.
	for _, q := range []string{
		`DROP TRIGGER resources_page_key_update ON {s}.resources`,
		`DROP FUNCTION {s}.page_key_fixed()`,
		`DROP TABLE {s}.page_blocks`,
		`DELETE FROM {s}.schema_migrations WHERE version = 7`,
	} {
		if err := s.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	s2 := open(t, postgres.Config{DSN: dsn, Schema: schemaName})
	checkBlocks(t, s2, "after the migration's backfill")
	p, err = s2.List(ctx, "a", ut, store.Query{StartIndex: len(ids["a"]) - 4, Count: 10})
	if err != nil || p.TotalResults != len(ids["a"]) || len(p.Resources) != 5 {
		t.Fatalf("List after backfill: %v, total %d, %d resources; want %d and 5", err, p.TotalResults, len(p.Resources), len(ids["a"]))
	}
	if err := s2.Exec(ctx, `UPDATE {s}.resources SET tenant = 'z' WHERE tenant = 'a'`); err == nil {
		t.Error("changing a resource's tenant was allowed; the block counts would drift")
	}
}
