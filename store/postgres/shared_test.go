package postgres_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scimkit/scimkit/internal/pgtest"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/storetest"
)

// lockTable locks table of s against writes (SHARE MODE) in a transaction
// of a connection of the test's own, rolled back when the test ends.
func lockTable(t *testing.T, s *postgres.Store, table string) (*pgx.Conn, pgx.Tx) {
	t.Helper()
	lock := connect(t, pgtest.DSN(t))
	tx, err := lock.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback(context.Background()) })
	if _, err := tx.Exec(t.Context(), `LOCK TABLE `+pgx.Identifier{s.Schema(), table}.Sanitize()+` IN SHARE MODE`); err != nil {
		t.Fatal(err)
	}
	return lock, tx
}

// queueCreates creates users in tenant "a" while every worker of the shared
// commits is busy: the resources table is locked against inserts while
// one create per worker waits for the lock, then users are created
// concurrently, and the lock is released once they are all queued. It
// returns each user's id or error, and how many pipelines were sent.
func queueCreates(t *testing.T, s *postgres.Store, first int, users []*schema.Resource) ([]string, []error, int64) {
	t.Helper()
	ctx := t.Context()
	lock, tx := lockTable(t, s, "resources")
	before, _ := s.SharedGroups()
	ids := make([]string, len(users))
	errs := make([]error, len(users))
	var wg sync.WaitGroup
	create := func(u *schema.Resource, id *string, err *error) {
		wg.Go(func() {
			var out *schema.Resource
			if out, *err = s.Create(ctx, "a", storetest.UserType(), u); *err == nil {
				*id = out.ID
			}
		})
	}
	watch := connect(t, pgtest.DSN(t))
	fillerErrs := make([]error, postgres.SharedWorkers)
	for i := range postgres.SharedWorkers { // one at a time, so each takes a worker
		var id string
		create(storetest.TypicalUser(first+i), &id, &fillerErrs[i])
		for len(blockedBy(t, watch, lock.PgConn().PID())) <= i {
			time.Sleep(time.Millisecond)
		}
	}
	for i, u := range users {
		create(u, &ids[i], &errs[i])
	}
	for _, n := s.SharedGroups(); n < len(users); _, n = s.SharedGroups() {
		time.Sleep(time.Millisecond)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, err := range fillerErrs {
		if err != nil {
			t.Errorf("create %d: %v", first+i, err)
		}
	}
	after, _ := s.SharedGroups()
	return ids, errs, after - before
}

// TestCreatesShareCommits: creates that queue while the workers are busy
// are sent together, a few pipelines for 16 creates, and each is stored
// with its event and its count. When two of them claim one userName, the
// one that loses fails alone with a store.ConflictError naming it.
func TestCreatesShareCommits(t *testing.T) {
	s := open(t, postgres.Config{})
	ctx := t.Context()
	users := make([]*schema.Resource, 16)
	for i := range users {
		users[i] = storetest.TypicalUser(100 + i)
	}
	ids, errs, pipelines := queueCreates(t, s, 0, users)
	for i, err := range errs {
		if err != nil {
			t.Errorf("create %d: %v", i, err)
		}
	}
	// One pipeline per blocked create, and at most one per worker for the
	// 16 that queued.
	if max := int64(2 * postgres.SharedWorkers); pipelines > max {
		t.Errorf("%d creates sent %d pipelines, want at most %d", postgres.SharedWorkers+len(users), pipelines, max)
	}

	users[15] = storetest.TypicalUser(200) // the userName of users[0] of this round
	for i := range 15 {
		users[i] = storetest.TypicalUser(200 + i)
	}
	ids2, errs, _ := queueCreates(t, s, 50, users)
	lost := 0
	for i, err := range errs {
		if ce, ok := errors.AsType[*store.ConflictError](err); ok && ce.Attr == "userName" && (i == 0 || i == 15) {
			lost++
		} else if err != nil {
			t.Errorf("create %d: %v", i, err)
		}
	}
	if lost != 1 {
		t.Errorf("%d of the two creates of one userName failed, want 1", lost)
	}

	const stored = 2*postgres.SharedWorkers + 16 + 15
	page, err := s.List(ctx, "a", storetest.UserType(), store.Query{Count: 100})
	if err != nil {
		t.Fatal(err)
	}
	if page.TotalResults != stored || len(page.Resources) != stored {
		t.Errorf("list: total %d, %d resources; want %d", page.TotalResults, len(page.Resources), stored)
	}
	evs, err := s.Events(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	created := map[string]bool{}
	for _, e := range evs {
		if e.Type == store.UserCreated {
			created[e.ResourceID] = true
		}
	}
	for _, id := range append(ids, ids2...) {
		if id != "" && !created[id] {
			t.Errorf("user %s has no create event", id)
		}
	}
	if len(created) != stored {
		t.Errorf("%d create events for %d users", len(created), stored)
	}
	checkBlocks(t, s, "after shared creates")
}

// TestSharedGroupLockWaits: a group waits for a row lock no longer than
// sharedLockTimeout; then each of its creates is sent again alone, so a
// create that contends with another transaction waits alone, and the
// others of its group are stored meanwhile. A create whose caller stopped
// waiting is not sent again: when its caller was told it failed, it is
// not stored.
func TestSharedGroupLockWaits(t *testing.T) {
	s := open(t, postgres.Config{})
	ctx := t.Context()
	rt := storetest.UserType()
	// holding(u) creates u, then deletes its unique values in a transaction
	// left open: a create claiming them waits for it.
	holding := func(u *schema.Resource) pgx.Tx {
		out, err := s.Create(ctx, "a", rt, u)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := connect(t, pgtest.DSN(t)).Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tx.Rollback(context.Background()) })
		if _, err := tx.Exec(ctx, `DELETE FROM `+pgx.Identifier{s.Schema(), "uniques"}.Sanitize()+` WHERE id = $1`, out.ID); err != nil {
			t.Fatal(err)
		}
		return tx
	}
	t1, t2 := holding(storetest.TypicalUser(901)), holding(storetest.TypicalUser(900))
	watch := connect(t, pgtest.DSN(t))
	blocked := func(tx pgx.Tx) int { return len(blockedBy(t, watch, tx.Conn().PgConn().PID())) }
	type result struct {
		id  string
		err error
	}
	create := func(ctx context.Context, u *schema.Resource) chan result {
		c := make(chan result, 1)
		go func() {
			out, err := s.Create(ctx, "a", rt, u)
			if err != nil {
				c <- result{err: err}
				return
			}
			c <- result{id: out.ID}
		}()
		return c
	}
	// Each worker waits for t1, alone.
	var fillers []chan result
	for i := range postgres.SharedWorkers {
		fillers = append(fillers, create(ctx, storetest.TypicalUser(901)))
		for blocked(t1) <= i {
			time.Sleep(time.Millisecond)
		}
	}
	// A contends with t2; B and C do not, and C's caller stops waiting.
	cctx, cancel := context.WithCancel(ctx)
	a, b, c := create(ctx, storetest.TypicalUser(900)), create(ctx, storetest.TypicalUser(902)), create(cctx, storetest.TypicalUser(903))
	for _, n := s.SharedGroups(); n < 3; _, n = s.SharedGroups() {
		time.Sleep(time.Millisecond)
	}
	if err := t1.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	for _, f := range fillers {
		if r := <-f; !errors.Is(r.err, store.ErrConflict) {
			t.Errorf("filler: %v, want a conflict", r.err)
		}
	}
	cancel()
	select {
	case r := <-b:
		if r.err != nil {
			t.Errorf("B: %v", r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("B, grouped with a create that waits for a lock, waits with it")
	}
	if err := t2.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if r := <-a; !errors.Is(r.err, store.ErrConflict) {
		t.Errorf("A: %v, want a conflict", r.err)
	}
	rc := <-c
	page, err := s.List(ctx, "a", rt, store.Query{Count: 100})
	if err != nil {
		t.Fatal(err)
	}
	stored := false
	for _, r := range page.Resources {
		stored = stored || r.Attrs["userName"] == storetest.TypicalUser(903).Attrs["userName"]
	}
	if stored != (rc.err == nil) {
		t.Errorf("C: caller told %v, stored %v", rc.err, stored)
	}
}
