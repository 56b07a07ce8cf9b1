package postgres_test

import (
	"encoding/json"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/scimkit/scimkit/internal/pgtest"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/storetest"
)

// TestCounterRowsByIndex: the count triggers find the counter row they add
// to through the index, however many old row versions the counters' tables
// hold (migration 0032); 0030's function read every page of counts here.
func TestCounterRowsByIndex(t *testing.T) {
	s := open(t, postgres.Config{})
	ctx := t.Context()
	// Statistics taken while the tables held many rows of the tenant and
	// type, which are gone but not vacuumed: a plan that scans the table
	// expects to find a row at once, and reads every page.
	for _, q := range []string{
		`INSERT INTO {s}.counts (tenant, type, slot, n) SELECT 't', 'User', i, 0 FROM generate_series(100, 20099) i`,
		`INSERT INTO {s}.page_blocks (tenant, type, block, stripe, n) SELECT 't', 'User', 0, i, 0 FROM generate_series(100, 20099) i`,
		`ANALYZE {s}.counts`,
		`ANALYZE {s}.page_blocks`,
		`DELETE FROM {s}.counts WHERE slot >= 100`,
		`DELETE FROM {s}.page_blocks WHERE stripe >= 100`,
		// Statistics that count the one row left (a check of the store's,
		// or autovacuum's, can take them at any time): a plan may then read
		// every entry the index still holds.
		`ANALYZE {s}.counts`,
		`ANALYZE {s}.page_blocks`,
	} {
		if err := s.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Create(ctx, "t", storetest.UserType(), storetest.TypicalUser(1)); err != nil {
		t.Fatal(err)
	}
	pages, err := s.QueryInt(ctx, `SELECT pg_relation_size('{s}.counts') / current_setting('block_size')::int`)
	if err != nil {
		t.Fatal(err)
	}
	// Adding 0 leaves the counts as they are. The call is made once before
	// it is measured, on the same connection: a connection's first call
	// also reads the catalogs (hundreds of buffers) to plan it.
	c := connect(t, pgtest.DSN(t))
	call := `SELECT ` + pgx.Identifier{s.Schema(), "count_group"}.Sanitize() + `('t', 'User', 0, 0)`
	if _, err := c.Exec(ctx, call); err != nil {
		t.Fatal(err)
	}
	var b []byte
	if err := c.QueryRow(ctx, `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) `+call).Scan(&b); err != nil {
		t.Fatal(err)
	}
	var plans []struct {
		Plan struct {
			Hit  int64 `json:"Shared Hit Blocks"`
			Read int64 `json:"Shared Read Blocks"`
		}
	}
	if err := json.Unmarshal(b, &plans); err != nil || len(plans) != 1 {
		t.Fatalf("EXPLAIN: %v: %s", err, b)
	}
	// A few index and heap pages per statement; the table is over 100.
	n := plans[0].Plan.Hit + plans[0].Plan.Read
	t.Logf("count_group read %d buffers; counts has %d pages", n, pages)
	if n > 40 {
		t.Errorf("count_group read %d buffers, want at most 40 (a few per statement); its EXPLAIN:\n%s", n, b)
	}
	if pages < 100 {
		t.Errorf("counts has %d pages, want the test to bloat it past 100", pages)
	}
	checkBlocks(t, s, "after count_group")
}
