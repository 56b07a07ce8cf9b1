package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scimkit/scimkit/internal/pgtest"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/storetest"
)

// indexMigrations are the indexes of the index migrations 0028 and 0029,
// which an upgrade builds concurrently.
var indexMigrations = []string{"events_request", "provisioning_log_outcome", "provisioning_log_status", "provisioning_log_request"}

// connect opens a connection of the test's own to the test database.
func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// validIndexes returns, for each name, whether the schema holds a valid
// index of that name ("missing" when it has none).
func validIndexes(t *testing.T, c *pgx.Conn, schema string, names []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, n := range names {
		var valid bool
		err := c.QueryRow(t.Context(), `SELECT i.indisvalid FROM pg_index i
			JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = $1 AND c.relname = $2`, schema, n).Scan(&valid)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			out[n] = "missing"
		case err != nil:
			t.Fatal(err)
		case valid:
			out[n] = "valid"
		default:
			out[n] = "invalid"
		}
	}
	return out
}

func allValid(names []string) map[string]string {
	out := map[string]string{}
	for _, n := range names {
		out[n] = "valid"
	}
	return out
}

// blockedBy returns the backends waiting for a lock that pid holds or
// is ahead of them in the queue for.
func blockedBy(t *testing.T, c *pgx.Conn, pid uint32) []uint32 {
	t.Helper()
	rows, err := c.Query(t.Context(), `SELECT pid FROM pg_stat_activity WHERE $1::int = ANY(pg_blocking_pids(pid))`, int32(pid))
	if err != nil {
		t.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[uint32])
	if err != nil {
		t.Fatal(err)
	}
	return pids
}

// TestIndexMigrationsDoNotBlockWriters upgrades a schema of a release
// before migration 0028 while a writer of events and provisioning_log is
// in a transaction: the migration's index builds wait for it, and a
// second writer that comes meanwhile does not wait for them (a plain
// CREATE INDEX, which locks the table against writes, would queue it).
// Once the first writer commits, the upgrade completes with valid indexes.
func TestIndexMigrationsDoNotBlockWriters(t *testing.T) {
	d := pgtest.DSN(t)
	name := pgtest.Schema(t, d)
	ctx := t.Context()
	if err := postgres.MigrateTo(ctx, postgres.Config{DSN: d, Schema: name}, 27); err != nil {
		t.Fatal(err)
	}
	ident := pgx.Identifier{name}.Sanitize()
	lockWrites := `LOCK TABLE ` + ident + `.events, ` + ident + `.provisioning_log IN ROW EXCLUSIVE MODE` // what an INSERT takes
	first, second, watch := connect(t, d), connect(t, d), connect(t, d)
	tx, err := first.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, lockWrites); err != nil {
		t.Fatal(err)
	}
	opened := make(chan error, 1)
	go func() {
		s, err := postgres.Open(ctx, postgres.Config{DSN: d, Schema: name, MaxConns: 2})
		if err == nil {
			s.Close()
		}
		opened <- err
	}()
	for len(blockedBy(t, watch, first.PgConn().PID())) == 0 { // the migration waits for the first writer
		select {
		case err := <-opened:
			t.Fatalf("Open returned (%v) while a writer's transaction was open", err)
		default:
			time.Sleep(time.Millisecond) // a pause between polls, not a bound
		}
	}
	wrote := make(chan error, 1)
	go func() {
		wrote <- pgx.BeginFunc(ctx, second, func(tx pgx.Tx) error { _, err := tx.Exec(ctx, lockWrites); return err })
	}()
	for done := false; !done; {
		select {
		case err := <-wrote:
			if err != nil {
				t.Fatal(err)
			}
			done = true
		default:
			for _, pid := range waiting(t, watch, second.PgConn().PID()) {
				t.Fatalf("a writer of events and provisioning_log waits for backend %d while the migration builds its indexes", pid)
			}
			time.Sleep(time.Millisecond)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-opened; err != nil {
		t.Fatal(err)
	}
	diff(t, "indexes after the upgrade", allValid(indexMigrations), validIndexes(t, watch, name, indexMigrations))
}

// waiting returns the backends pid waits for.
func waiting(t *testing.T, c *pgx.Conn, pid uint32) []uint32 {
	t.Helper()
	var pids []uint32
	if err := c.QueryRow(t.Context(), `SELECT pg_blocking_pids($1)`, int32(pid)).Scan(&pids); err != nil {
		t.Fatal(err)
	}
	return pids
}

// TestIndexMigrationAfterFailedBuild leaves the invalid index a failed
// concurrent build leaves (here a unique build over duplicates, under the
// name of migration 0028's index), then upgrades: the migration drops it
// and builds its own, valid and not unique, and the store then works.
func TestIndexMigrationAfterFailedBuild(t *testing.T) {
	d := pgtest.DSN(t)
	name := pgtest.Schema(t, d)
	ctx := t.Context()
	if err := postgres.MigrateTo(ctx, postgres.Config{DSN: d, Schema: name}, 27); err != nil {
		t.Fatal(err)
	}
	c := connect(t, d)
	ident := pgx.Identifier{name}.Sanitize()
	for i := range 2 {
		if _, err := c.Exec(ctx, `INSERT INTO `+ident+`.events (pseq, id, tenant, type, resource_type, resource_id, created, payload)
			VALUES (nextval('`+name+`.event_pseq'), $1, 't', 'user.created', 'User', 'u', now(), '{"RequestID": "r"}')`, fmt.Sprint("e", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Exec(ctx, `CREATE UNIQUE INDEX CONCURRENTLY events_request ON `+ident+`.events (tenant, (payload->>'RequestID'))`); err == nil {
		t.Fatal("a unique index over duplicates was built")
	}
	diff(t, "index left by the failed build", map[string]string{"events_request": "invalid"}, validIndexes(t, c, name, []string{"events_request"}))
	s := open(t, postgres.Config{DSN: d, Schema: name})
	diff(t, "indexes after the upgrade", allValid(indexMigrations), validIndexes(t, c, name, indexMigrations))
	var unique bool
	if err := c.QueryRow(ctx, `SELECT indisunique FROM pg_index WHERE indexrelid = $1::regclass`, name+".events_request").Scan(&unique); err != nil || unique {
		t.Errorf("events_request unique = %v (%v), want the migration's non-unique index", unique, err)
	}
	if _, err := s.Create(ctx, "t", storetest.UserType(), storetest.TypicalUser(1)); err != nil {
		t.Fatal(err)
	}
}

// TestIndexMigrationsFresh: on a fresh schema the index migrations run in
// the one migration transaction, and leave valid indexes.
func TestIndexMigrationsFresh(t *testing.T) {
	s := open(t, postgres.Config{})
	c := connect(t, pgtest.DSN(t))
	diff(t, "indexes of a fresh schema", allValid(indexMigrations), validIndexes(t, c, s.Schema(), indexMigrations))
}
