package sqlite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// blockSize is the most resources a page block holds (migration 0008).
const blockSize = 1024

type blockKey struct{ tenant, typ string }

// checkBlocks verifies page_blocks against the resources table: for every
// tenant and type, each block holds exactly the resources between its
// start and the next block's, 1 <= n <= 1024, neighbours sum to more than
// 1024, the first block starts at or before the first resource, and the
// sum equals COUNT(*) and the counts table.
func checkBlocks(t *testing.T, s *Store) {
	t.Helper()
	ctx := t.Context()
	type block struct{ start, n int64 }
	blocks := map[blockKey][]block{}
	rows, err := s.write.QueryContext(ctx, "SELECT tenant, type, start, n FROM page_blocks ORDER BY tenant, type, start")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k blockKey
		var b block
		if err := rows.Scan(&k.tenant, &k.typ, &b.start, &b.n); err != nil {
			t.Fatal(err)
		}
		blocks[k] = append(blocks[k], b)
	}
	rows.Close()
	seqs := map[blockKey][]int64{}
	rows, err = s.write.QueryContext(ctx, "SELECT tenant, type, seq FROM resources ORDER BY seq")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k blockKey
		var seq int64
		if err := rows.Scan(&k.tenant, &k.typ, &seq); err != nil {
			t.Fatal(err)
		}
		seqs[k] = append(seqs[k], seq)
	}
	rows.Close()
	for k := range blocks {
		if _, ok := seqs[k]; !ok {
			t.Errorf("%v: blocks %v without resources", k, blocks[k])
		}
	}
	for k, ss := range seqs {
		bs := blocks[k]
		if len(bs) == 0 {
			t.Errorf("%v: %d resources without blocks", k, len(ss))
			continue
		}
		if ss[0] < bs[0].start {
			t.Errorf("%v: resource seq %d before the first block %d", k, ss[0], bs[0].start)
		}
		var sum int64
		for i, b := range bs {
			sum += b.n
			if b.n < 1 || b.n > blockSize {
				t.Errorf("%v: block %d holds %d", k, b.start, b.n)
			}
			if i > 0 && bs[i-1].n+b.n <= blockSize {
				t.Errorf("%v: neighbour blocks %d (%d) and %d (%d) fit in one", k, bs[i-1].start, bs[i-1].n, b.start, b.n)
			}
			end := int64(1<<62 - 1)
			if i+1 < len(bs) {
				end = bs[i+1].start
			}
			lo, _ := slices.BinarySearch(ss, b.start)
			hi, _ := slices.BinarySearch(ss, end)
			if int64(hi-lo) != b.n {
				t.Errorf("%v: block %d says %d resources, has %d", k, b.start, b.n, hi-lo)
			}
		}
		var counted int64
		if err := s.write.QueryRowContext(ctx, "SELECT n FROM counts WHERE tenant = ? AND type = ?", k.tenant, k.typ).Scan(&counted); err != nil {
			t.Fatal(err)
		}
		if sum != int64(len(ss)) || counted != sum {
			t.Errorf("%v: blocks sum to %d, COUNT(*) %d, counts %d", k, sum, len(ss), counted)
		}
	}
}

// checkPages compares random unfiltered pages (and the edges of the range
// and of blocks) with the plain LIMIT/OFFSET query.
func checkPages(t *testing.T, s *Store, rnd *rand.Rand, tenant string, rt *schema.ResourceType) {
	t.Helper()
	ctx := t.Context()
	var total int
	if err := s.write.QueryRowContext(ctx, "SELECT count(*) FROM resources WHERE tenant = ? AND type = ?", tenant, rt.Name).Scan(&total); err != nil {
		t.Fatal(err)
	}
	offsets := []int{0, 1, total - 1, total, total + 3, blockSize - 1, blockSize, blockSize + 1, 2*blockSize - 1}
	for range 25 {
		offsets = append(offsets, rnd.IntN(total+2))
	}
	for _, off := range offsets {
		if off < 0 {
			continue
		}
		count := 1 + rnd.IntN(150)
		want, err := idsOf(s.write.QueryContext(ctx, "SELECT id FROM resources WHERE tenant = ? AND type = ? ORDER BY seq LIMIT ? OFFSET ?",
			tenant, rt.Name, count, off))
		if err != nil {
			t.Fatal(err)
		}
		page, err := s.List(ctx, tenant, rt, store.Query{StartIndex: off + 1, Count: count, Read: store.ReadOptions{OmitMembers: true, OmitGroups: true}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range page.Resources {
			got = append(got, r.ID)
		}
		if page.TotalResults != total || !slices.Equal(got, want) {
			t.Fatalf("%s %s startIndex %d count %d: total %d, %d ids; want total %d, %d ids (equal: %v)",
				tenant, rt.Name, off+1, count, page.TotalResults, len(got), total, len(want), slices.Equal(got, want))
		}
	}
}

func idsOf(rows interface {
	Next() bool
	Scan(...any) error
	Close() error
	Err() error
}, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// TestPageBlocks creates and deletes resources at random in interleaved
// tenants and types (single deletes, tombstoned deletes, multi-row
// deletes, ranges deleted back to front and whole tenants) and checks
// after each round that the page blocks are exact and that random pages
// equal LIMIT/OFFSET.
func TestPageBlocks(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, Config{Path: filepath.Join(t.TempDir(), "blocks.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rnd := rand.New(rand.NewPCG(1, 2))
	users, groups := schema.UserResourceType(), schema.GroupResourceType()
	tenants := []string{"a", "b", "c"}
	next := 0
	newUser := func() *schema.Resource {
		next++
		return &schema.Resource{Schemas: []string{schema.UserSchema}, Attrs: map[string]any{"userName": fmt.Sprintf("user%d", next)}}
	}
	ids := func(tenant string, rt *schema.ResourceType) []string {
		got, err := idsOf(s.write.QueryContext(ctx, "SELECT id FROM resources WHERE tenant = ? AND type = ? ORDER BY seq", tenant, rt.Name))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	rounds, batches, singles := 12, 8, 60
	if raceOn {
		rounds, batches, singles = 4, 5, 15
	}
	for round := range rounds {
		// Interleaved bulk creates, with a few groups in between.
		for range batches {
			tenant := tenants[rnd.IntN(len(tenants))]
			rs := make([]*schema.Resource, 1+rnd.IntN(700))
			for i := range rs {
				rs[i] = newUser()
			}
			if _, err := BulkLoad(ctx, s, tenant, users, rs); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Create(ctx, tenant, groups, &schema.Resource{Schemas: []string{schema.GroupSchema},
				Attrs: map[string]any{"displayName": fmt.Sprintf("g%d", next)}}); err != nil {
				t.Fatal(err)
			}
			next++
		}
		// Single deletes, some with tombstones.
		live := map[string][]string{}
		for _, tenant := range tenants {
			live[tenant] = ids(tenant, users)
		}
		for range singles {
			tenant := tenants[rnd.IntN(len(tenants))]
			all := live[tenant]
			if len(all) == 0 {
				continue
			}
			i := rnd.IntN(len(all))
			id := all[i]
			live[tenant] = slices.Delete(all, i, i+1)
			if rnd.IntN(2) == 0 {
				err = s.Delete(ctx, tenant, users, id, "")
			} else {
				err = s.DeleteWithTombstone(ctx, tenant, users, id, "")
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		// A multi-row delete of a random range and a random scattering
		// (many rows per statement, so the triggers merge blocks).
		tenant := tenants[rnd.IntN(len(tenants))]
		if all := ids(tenant, users); len(all) > 0 {
			lo := rnd.IntN(len(all))
			hi := min(len(all), lo+rnd.IntN(2500))
			if _, err := s.write.ExecContext(ctx, "DELETE FROM resources WHERE tenant = ? AND type = ? AND id IN (SELECT value FROM json_each(?))",
				tenant, users.Name, jsonIDs(all[lo:hi])); err != nil {
				t.Fatal(err)
			}
		}
		// A range deleted one row at a time from its end, so blocks shrink
		// back to front and merge with their successors.
		if seqs := seqsOf(t, s, tenant, users); len(seqs) > 0 {
			lo := rnd.IntN(len(seqs))
			hi := min(len(seqs), lo+rnd.IntN(1500))
			err := s.writeTx(ctx, "test", func(tx *txn) error {
				for i := hi - 1; i >= lo; i-- {
					if _, err := tx.ExecContext(ctx, "DELETE FROM resources WHERE seq = ?", seqs[i]); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			checkBlocks(t, s)
		}
		if all := ids(tenant, users); len(all) > 0 {
			var pick []string
			for _, id := range all {
				if rnd.IntN(3) == 0 {
					pick = append(pick, id)
				}
			}
			if _, err := s.write.ExecContext(ctx, "DELETE FROM resources WHERE tenant = ? AND type = ? AND id IN (SELECT value FROM json_each(?))",
				tenant, users.Name, jsonIDs(pick)); err != nil {
				t.Fatal(err)
			}
		}
		// Now and then a whole tenant goes.
		if round%4 == 3 || round == rounds-1 {
			gone := tenants[rnd.IntN(len(tenants))]
			if _, err := s.write.ExecContext(ctx, "DELETE FROM resources WHERE tenant = ?", gone); err != nil {
				t.Fatal(err)
			}
			var left int
			if err := s.write.QueryRowContext(ctx, "SELECT count(*) FROM page_blocks WHERE tenant = ?", gone).Scan(&left); err != nil || left != 0 {
				t.Errorf("tenant %s deleted: %d blocks left (%v)", gone, left, err)
			}
		}
		checkBlocks(t, s)
		for _, tenant := range tenants {
			checkPages(t, s, rnd, tenant, users)
			checkPages(t, s, rnd, tenant, groups)
		}
		if t.Failed() {
			t.Fatalf("round %d", round)
		}
	}
}

func seqsOf(t *testing.T, s *Store, tenant string, rt *schema.ResourceType) []int64 {
	t.Helper()
	rows, err := s.write.QueryContext(t.Context(), "SELECT seq FROM resources WHERE tenant = ? AND type = ? ORDER BY seq", tenant, rt.Name)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var seqs []int64
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
	}
	return seqs
}

func jsonIDs(ids []string) string {
	b := []byte{'['}
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, "%q", id)
	}
	return string(append(b, ']'))
}

// TestPageBlocksMigration opens a database of schema version 7 that has
// resources (made by removing what migration 0008 adds) and checks that
// reopening backfills exact page blocks that the triggers then maintain.
func TestPageBlocksMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	s, err := Open(ctx, Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	users := schema.UserResourceType()
	n := 0
	batches := 6
	if raceOn {
		batches = 3
	}
	for range batches {
		for _, tenant := range []string{"a", "b"} {
			rs := make([]*schema.Resource, 900)
			for i := range rs {
				n++
				rs[i] = &schema.Resource{Schemas: []string{schema.UserSchema}, Attrs: map[string]any{"userName": fmt.Sprintf("u%d", n)}}
			}
			if _, err := BulkLoad(ctx, s, tenant, users, rs); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, q := range []string{
		"DROP TRIGGER resources_block_insert", "DROP TRIGGER resources_block_delete", "DROP TRIGGER resources_block_fixed",
		"DROP TABLE page_blocks", "DELETE FROM resources WHERE seq % 7 = 0",
		"ALTER TABLE provisioning_log DROP COLUMN dropped_members", // added by 0012
		"PRAGMA user_version = 7",
	} {
		if _, err := s.write.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	s.Close()
	if s, err = Open(ctx, Config{Path: path}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.SchemaVersion(ctx); err != nil || v != LatestSchemaVersion() {
		t.Fatalf("schema version %d, %v; want %d", v, err, LatestSchemaVersion())
	}
	checkBlocks(t, s)
	rnd := rand.New(rand.NewPCG(3, 4))
	checkPages(t, s, rnd, "a", users)
	if _, err := s.write.ExecContext(ctx, "DELETE FROM resources WHERE tenant = 'a' AND seq % 3 = 0"); err != nil {
		t.Fatal(err)
	}
	if _, err := BulkLoad(ctx, s, "a", users, []*schema.Resource{{Schemas: []string{schema.UserSchema}, Attrs: map[string]any{"userName": "late"}}}); err != nil {
		t.Fatal(err)
	}
	checkBlocks(t, s)
	checkPages(t, s, rnd, "a", users)
	checkPages(t, s, rnd, "b", users)
}

// TestResourceKeepsItsPlace checks that the store refuses to move a
// resource to another tenant, type or seq, which the counts and page
// blocks assume never happens.
func TestResourceKeepsItsPlace(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, Config{Path: filepath.Join(t.TempDir(), "fixed.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	users := schema.UserResourceType()
	if _, err := s.Create(ctx, "a", users, &schema.Resource{Schemas: []string{schema.UserSchema}, Attrs: map[string]any{"userName": "x"}}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"UPDATE resources SET tenant = 'b'", "UPDATE resources SET type = 'Group'", "UPDATE resources SET seq = seq + 100"} {
		if _, err := s.write.ExecContext(ctx, q); err == nil {
			t.Errorf("%s succeeded", q)
		}
	}
	if _, err := s.write.ExecContext(ctx, "UPDATE resources SET tenant = tenant, version = version + 1"); err != nil {
		t.Errorf("an update that keeps the tenant: %v", err)
	}
	checkBlocks(t, s)
}

// BenchmarkPageQuery measures the page statement alone (rows stepped, not
// decoded) at random startIndex in tenants of 1k and 100k users (and in
// the first 1k of the 100k tenant): "offset"
// is plain LIMIT/OFFSET over the (tenant, type, seq) index, "blocks" the
// page-block statement List uses; the cost of blocks must not grow with
// the tenant beyond the running sum over its blocks.
func BenchmarkPageQuery(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, Config{Path: filepath.Join(b.TempDir(), "bench.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	users := schema.UserResourceType()
	sizes := []int{1000, 100000}
	for _, n := range sizes {
		rs := make([]*schema.Resource, n)
		for i := range rs {
			rs[i] = &schema.Resource{Schemas: []string{schema.UserSchema}, Attrs: map[string]any{"userName": fmt.Sprintf("u%d-%d", n, i)}}
		}
		if _, err := BulkLoad(ctx, s, fmt.Sprint(n), users, rs); err != nil {
			b.Fatal(err)
		}
	}
	for _, mode := range []string{"offset", "blocks"} {
		// 100k-head reads pages among the first 1k users of the 100k
		// tenant: OFFSET is cheap there, and blocks should cost the same
		// as at any other startIndex of the tenant.
		for _, c := range []struct {
			name        string
			n, distinct int
		}{{"1k", 1000, 1000}, {"100k", 100000, 100000}, {"100k-head", 100000, 1000}} {
			n := c.n
			tenant := fmt.Sprint(n)
			p := newPlan(tenant, users, store.Query{})
			query := pageQuery(p, p.where, mode == "blocks", false, false)
			b.Run(mode+"/"+c.name, func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					off := (1 + i*7919) % c.distinct
					args := []any{tenant, users.Name, 100, off}
					if mode == "blocks" {
						args = []any{tenant, users.Name, off, off, off, tenant, users.Name, 100}
					}
					rows, err := s.read.QueryContext(ctx, query, args...)
					if err != nil {
						b.Fatal(err)
					}
					got := 0
					for rows.Next() {
						got++
					}
					rows.Close()
					if got != min(100, n-off) {
						b.Fatalf("offset %d: %d rows", off, got)
					}
				}
			})
		}
	}
}
