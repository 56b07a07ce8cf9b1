package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// openGroup opens a store in a temporary file whose transactions keep
// taking queued writes for a minute, so that tests decide the batches.
func openGroup(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), Config{Path: filepath.Join(t.TempDir(), "scim.db"), MaxBatchTime: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// hold starts a write that blocks the write connection until the
// returned release is called, which returns the write's error; the
// writes queued meanwhile join its transaction.
func hold(t *testing.T, s *Store) (release func() error) {
	t.Helper()
	started, unblock := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.writeTx(context.Background(), "hold", func(*txn) error {
			close(started)
			<-unblock
			return nil
		})
	}()
	<-started
	return func() error {
		close(unblock)
		return <-done
	}
}

// waitQueued waits until n writes are queued behind the held one.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		s.group.mu.Lock()
		q := len(s.group.queue)
		s.group.mu.Unlock()
		if q >= n {
			return
		}
	}
	t.Fatalf("fewer than %d writes queued", n)
}

// batchSizes records the number of writes of each committed transaction.
func batchSizes(s *Store) *[]int {
	var sizes []int
	s.group.beforeCommit = func(n int) error { sizes = append(sizes, n); return nil }
	return &sizes
}

func newUser(name string) *schema.Resource {
	return &schema.Resource{Schemas: []string{schema.UserSchema}, Attrs: map[string]any{"userName": name}}
}

// resourceCount counts the stored resources and events, committed only.
func resourceCount(t *testing.T, s *Store) (resources, events int) {
	t.Helper()
	if err := s.read.QueryRowContext(t.Context(), "SELECT (SELECT count(*) FROM resources), (SELECT count(*) FROM events)").Scan(&resources, &events); err != nil {
		t.Fatal(err)
	}
	return resources, events
}

func TestGroupFailingWriteFailsAlone(t *testing.T) {
	s := openGroup(t)
	ctx := t.Context()
	users := schema.UserResourceType()
	seed, err := s.Create(ctx, "t1", users, newUser("seed"))
	if err != nil {
		t.Fatal(err)
	}
	sizes := batchSizes(s)
	errApply := errors.New("apply refused")
	writes := []struct {
		name string
		run  func() error
		want error // nil: succeeds
	}{
		{"create a", func() error { _, err := s.Create(ctx, "t1", users, newUser("a")); return err }, nil},
		{"create seed again", func() error { _, err := s.Create(ctx, "t1", users, newUser("SEED")); return err }, store.ErrConflict},
		{"create b", func() error { _, err := s.Create(ctx, "t1", users, newUser("b")); return err }, nil},
		{"update with a stale version", func() error {
			_, _, err := s.Update(ctx, "t1", users, seed.ID, store.Update{IfMatch: `W/"7"`, Apply: keepResource})
			return err
		}, store.ErrPrecondition},
		{"update whose Apply fails", func() error {
			_, _, err := s.Update(ctx, "t1", users, seed.ID, store.Update{Apply: func(*schema.Resource) (*schema.Resource, error) { return nil, errApply }})
			return err
		}, errApply},
		{"write that fails after writing", func() error {
			return s.writeTx(ctx, "insert then fail", func(tx *txn) error {
				if _, err := tx.ExecContext(ctx, "DELETE FROM resources"); err != nil {
					return err
				}
				return errApply
			})
		}, errApply},
		{"create c", func() error { _, err := s.Create(ctx, "t1", users, newUser("c")); return err }, nil},
	}
	release := hold(t, s)
	errs := make([]error, len(writes))
	var wg sync.WaitGroup
	for i, w := range writes {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = w.run() }()
		waitQueued(t, s, i+1) // in order, one transaction
	}
	if err := release(); err != nil {
		t.Errorf("held write: %v", err)
	}
	wg.Wait()
	for i, w := range writes {
		if w.want == nil && errs[i] != nil || w.want != nil && !errors.Is(errs[i], w.want) {
			t.Errorf("%s: got %v, want %v", w.name, errs[i], w.want)
		}
	}
	if diff := cmp.Diff([]int{1 + len(writes)}, *sizes); diff != "" {
		t.Errorf("writes per transaction (-want +got):\n%s", diff)
	}
	page, err := s.List(ctx, "t1", users, store.Query{Count: 10})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range page.Resources {
		names = append(names, r.Attrs["userName"].(string))
	}
	if diff := cmp.Diff([]string{"seed", "a", "b", "c"}, names); diff != "" {
		t.Errorf("stored users (-want +got):\n%s", diff)
	}
}

func keepResource(r *schema.Resource) (*schema.Resource, error) { return r, nil }

// TestGroupFailingFirstWriteFailsAlone covers the first write of a
// transaction, which runs without a savepoint: when it fails after
// writing, the transaction is rolled back, nothing of it stays, and the
// writes queued behind it commit in the next one.
func TestGroupFailingFirstWriteFailsAlone(t *testing.T) {
	s := openGroup(t)
	ctx := t.Context()
	users := schema.UserResourceType()
	if _, err := s.Create(ctx, "t1", users, newUser("seed")); err != nil {
		t.Fatal(err)
	}
	sizes := batchSizes(s)
	errApply := errors.New("apply refused")
	started, unblock := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- s.writeTx(ctx, "delete then fail", func(tx *txn) error {
			close(started)
			<-unblock
			if _, err := tx.ExecContext(ctx, "DELETE FROM resources"); err != nil {
				return err
			}
			return errApply
		})
	}()
	<-started
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, name := range []string{"a", "b"} {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = s.Create(ctx, "t1", users, newUser(name)) }()
		waitQueued(t, s, i+1)
	}
	close(unblock)
	if err := <-first; !errors.Is(err, errApply) {
		t.Errorf("first write: got %v, want %v", err, errApply)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("create %d: %v", i, err)
		}
	}
	if diff := cmp.Diff([]int{2}, *sizes); diff != "" {
		t.Errorf("writes per committed transaction (-want +got):\n%s", diff)
	}
	page, err := s.List(ctx, "t1", users, store.Query{Count: 10})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range page.Resources {
		names = append(names, r.Attrs["userName"].(string))
	}
	if diff := cmp.Diff([]string{"seed", "a", "b"}, names); diff != "" {
		t.Errorf("stored users (-want +got):\n%s", diff)
	}
}

func TestGroupCancelledWriteDoesNotRun(t *testing.T) {
	s := openGroup(t)
	release := hold(t, s)
	ctx, cancel := context.WithCancel(t.Context())
	var ran atomic.Bool
	done := make(chan error, 1)
	go func() {
		done <- s.writeTx(ctx, "cancelled", func(*txn) error { ran.Store(true); return nil })
	}()
	waitQueued(t, s, 1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) || !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("cancelled write: got %v, want context.Canceled and store.ErrUnavailable", err)
	}
	if err := release(); err != nil {
		t.Errorf("held write: %v", err)
	}
	// A write queued after the cancelled one: once it has run, the
	// cancelled one would have run too.
	if err := s.writeTx(t.Context(), "after", func(*txn) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if ran.Load() {
		t.Error("the cancelled write ran")
	}
}

func TestGroupCancelledWhileRunningCommits(t *testing.T) {
	s := openGroup(t)
	ctx, cancel := context.WithCancel(t.Context())
	var out *schema.Resource
	err := s.writeTx(ctx, "cancel inside", func(tx *txn) error {
		cancel() // as a client disconnecting while the write runs
		var err error
		out, err = s.createIn(ctx, tx, "t1", "inside")
		return err
	})
	if err != nil {
		t.Fatalf("a write whose context is cancelled while it runs: %v, want it committed", err)
	}
	if _, err := s.Get(t.Context(), "t1", schema.UserResourceType(), out.ID, store.ReadOptions{}); err != nil {
		t.Errorf("Get: %v", err)
	}
}

// createIn creates a user in tx as Create does, without its events.
func (s *Store) createIn(ctx context.Context, tx *txn, tenant, name string) (*schema.Resource, error) {
	rt := schema.UserResourceType()
	return backend.RunCreate(ctx, silent{&writer{tx: tx, tenant: tenant, rt: rt}}, tenant, rt, newUser(name), store.NewID(), s.clock())
}

func TestGroupFailedCommitFailsEveryWrite(t *testing.T) {
	s := openGroup(t)
	ctx := t.Context()
	users := schema.UserResourceType()
	errCommit := errors.New("commit failed")
	var commits atomic.Int32
	release := hold(t, s)
	s.group.beforeCommit = func(int) error { commits.Add(1); return errCommit }
	const n = 5
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprint("u", i)
			if i == 2 {
				name = "u1" // fails alone on a uniqueness conflict, then with the commit
			}
			_, errs[i] = s.Create(ctx, "t1", users, newUser(name))
		}()
		waitQueued(t, s, i+1)
	}
	if err := release(); !errors.Is(err, errCommit) {
		t.Errorf("held write: got %v, want the commit's error", err)
	}
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, errCommit) {
			t.Errorf("write %d: got %v, want the commit's error", i, err)
		}
	}
	if got := commits.Load(); got != 1 {
		t.Errorf("%d commits, want 1", got)
	}
	if res, ev := resourceCount(t, s); res != 0 || ev != 0 {
		t.Errorf("after a failed commit: %d resources and %d events visible, want none", res, ev)
	}
	s.group.beforeCommit = nil
	if _, err := s.Create(ctx, "t1", users, newUser("u1")); err != nil {
		t.Errorf("create after the failed commit: %v", err)
	}
}

func TestGroupPanicIsTheCallers(t *testing.T) {
	s := openGroup(t)
	ctx := t.Context()
	users := schema.UserResourceType()
	release := hold(t, s)
	var wg sync.WaitGroup
	var recovered any
	var errA, errB error
	wg.Add(3)
	go func() { defer wg.Done(); _, errA = s.Create(ctx, "t1", users, newUser("a")) }()
	waitQueued(t, s, 1)
	go func() {
		defer wg.Done()
		defer func() { recovered = recover() }()
		s.writeTx(ctx, "panic", func(tx *txn) error {
			if _, err := s.createIn(ctx, tx, "t1", "written before the panic"); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	waitQueued(t, s, 2)
	go func() { defer wg.Done(); _, errB = s.Create(ctx, "t1", users, newUser("b")) }()
	waitQueued(t, s, 3)
	if err := release(); err != nil {
		t.Errorf("held write: %v", err)
	}
	wg.Wait()
	if recovered != "boom" {
		t.Errorf("recovered %v in the panicking caller, want boom", recovered)
	}
	if errA != nil || errB != nil {
		t.Errorf("the writes beside a panic: %v, %v; want both committed", errA, errB)
	}
	if res, _ := resourceCount(t, s); res != 2 {
		t.Errorf("%d resources, want 2 (a and b, nothing of the panicking write)", res)
	}
}

func TestGroupLostTransactionFailsItsWrites(t *testing.T) {
	s := openGroup(t)
	ctx := t.Context()
	users := schema.UserResourceType()
	release := hold(t, s)
	var wg sync.WaitGroup
	var errBefore, errCulprit, errAfter error
	wg.Add(3)
	go func() { defer wg.Done(); _, errBefore = s.Create(ctx, "t1", users, newUser("before")) }()
	waitQueued(t, s, 1)
	go func() {
		defer wg.Done()
		// As SQLite does after an I/O error, a full disk or an interrupt.
		errCulprit = s.writeTx(ctx, "roll back everything", func(tx *txn) error {
			_, err := tx.Tx.ExecContext(ctx, "ROLLBACK")
			return err
		})
	}()
	waitQueued(t, s, 2)
	go func() { defer wg.Done(); _, errAfter = s.Create(ctx, "t1", users, newUser("after")) }()
	waitQueued(t, s, 3)
	if err := release(); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("held write: got %v, want store.ErrUnavailable", err)
	}
	wg.Wait()
	if !errors.Is(errBefore, store.ErrUnavailable) || !strings.Contains(errBefore.Error(), "create User") {
		t.Errorf("write before the loss: %v, want store.ErrUnavailable naming its operation", errBefore)
	}
	if errCulprit == nil {
		t.Error("the write that lost the transaction succeeded")
	}
	if errAfter != nil {
		t.Errorf("write after the loss: %v, want it run in the next transaction", errAfter)
	}
	if res, _ := resourceCount(t, s); res != 1 {
		t.Errorf("%d resources, want 1 (after)", res)
	}
}

func TestGroupConcurrentDuplicates(t *testing.T) {
	s := openGroup(t)
	s.group.maxTime = DefaultMaxBatchTime
	ctx := t.Context()
	users := schema.UserResourceType()
	const clients, names = 32, 20
	wins := make([]atomic.Int32, names)
	sizes := batchSizes(s)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range names {
				n := (i + c) % names
				_, err := s.Create(ctx, "t1", users, newUser(fmt.Sprintf("User%d", n)))
				switch {
				case err == nil:
					wins[n].Add(1)
				case !errors.Is(err, store.ErrConflict):
					t.Errorf("create User%d: %v", n, err)
				}
			}
		}()
	}
	wg.Wait()
	for n := range wins {
		if got := wins[n].Load(); got != 1 {
			t.Errorf("User%d: %d creates succeeded, want 1", n, got)
		}
	}
	if res, ev := resourceCount(t, s); res != names || ev != names {
		t.Errorf("%d resources and %d events, want %d of each", res, ev, names)
	}
	most := 0
	for _, n := range *sizes {
		most = max(most, n)
	}
	t.Logf("%d transactions for %d writes, at most %d in one", len(*sizes), clients*names, most)
}

func TestGroupBatchBound(t *testing.T) {
	s, err := Open(t.Context(), Config{Path: filepath.Join(t.TempDir(), "scim.db"), MaxBatchWrites: 3, MaxBatchTime: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	sizes := batchSizes(s)
	release := hold(t, s)
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.writeTx(t.Context(), "noop", func(*txn) error { return nil }); err != nil {
				t.Errorf("write %d: %v", i, err)
			}
		}()
		waitQueued(t, s, i+1)
	}
	if err := release(); err != nil {
		t.Errorf("held write: %v", err)
	}
	wg.Wait()
	if diff := cmp.Diff([]int{3, 3}, *sizes); diff != "" {
		t.Errorf("writes per transaction with MaxBatchWrites 3 (-want +got):\n%s", diff)
	}
}

func TestGroupConfig(t *testing.T) {
	for _, c := range []Config{{MaxBatchWrites: -1}, {MaxBatchTime: -time.Second}} {
		c.Path = ":memory:"
		if s, err := Open(t.Context(), c); err == nil {
			s.Close()
			t.Errorf("Open(%+v) succeeded, want an error", c)
		}
	}
}

// appendEntry appends an entry whose request id is id and returns its
// seq.
func appendEntry(ctx context.Context, s *Store, id string) (int64, error) {
	return s.Append(ctx, store.ProvisioningEntry{Tenant: "t1", RequestID: id, Method: "POST", Path: "/Users", Status: 201})
}

// queueEntries queues appends of ids (and a create of a user named after
// each id that starts with "user:") behind a held write, in order, and
// returns their results and the held write's once it is released.
func queueEntries(t *testing.T, s *Store, ids []string) (seqs []int64, errs []error, held error) {
	t.Helper()
	ctx := t.Context()
	release := hold(t, s)
	seqs, errs = make([]int64, len(ids)), make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			if name, ok := strings.CutPrefix(id, "user:"); ok {
				_, errs[i] = s.Create(ctx, "t1", schema.UserResourceType(), newUser(name))
				return
			}
			seqs[i], errs[i] = appendEntry(ctx, s, id)
		})
		waitQueued(t, s, i+1)
	}
	held = release()
	wg.Wait()
	return seqs, errs, held
}

// storedEntries returns the request id of every stored entry by seq.
func storedEntries(t *testing.T, s *Store) map[int64]string {
	t.Helper()
	rows, err := s.read.QueryContext(t.Context(), "SELECT seq, request_id FROM provisioning_log")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var seq int64
		var id string
		if err := rows.Scan(&seq, &id); err != nil {
			t.Fatal(err)
		}
		out[seq] = id
	}
	return out
}

// TestGroupEntriesShareStatements covers provisioning entries queued in one
// batch: they are inserted after its other writes by statements of
// several rows (here one of 4 and one of 1), and each Append returns the
// seq of its own entry, in queue order.
func TestGroupEntriesShareStatements(t *testing.T) {
	s := openGroup(t)
	sizes := batchSizes(s)
	ids := []string{"e1", "user:a", "e2", "e3", "user:b", "e4", "e5"}
	seqs, errs, held := queueEntries(t, s, ids)
	if held != nil {
		t.Errorf("held write: %v", held)
	}
	want := map[int64]string{}
	var last int64
	for i, id := range ids {
		if errs[i] != nil {
			t.Fatalf("%s: %v", id, errs[i])
		}
		if strings.HasPrefix(id, "user:") {
			continue
		}
		if seqs[i] <= last {
			t.Errorf("%s: seq %d, not above the seq before it (%d)", id, seqs[i], last)
		}
		last, want[seqs[i]] = seqs[i], id
	}
	if diff := cmp.Diff(want, storedEntries(t, s)); diff != "" {
		t.Errorf("stored entries by seq (-returned +stored):\n%s", diff)
	}
	if diff := cmp.Diff([]int{1 + len(ids)}, *sizes); diff != "" {
		t.Errorf("writes per transaction (-want +got):\n%s", diff)
	}
	if s.write.cached(entryInserts[2]) == nil {
		t.Error("no statement of 4 entries was prepared: the entries were not inserted together")
	}
	if res, _ := resourceCount(t, s); res != 2 {
		t.Errorf("%d resources, want 2", res)
	}
}

// TestGroupEntryFailsAlone covers an entry SQLite refuses in a statement
// of several: it fails alone, and the others of its statement are stored.
func TestGroupEntryFailsAlone(t *testing.T) {
	s := openGroup(t)
	raiseOn(t, s, "bad", "ABORT, 'refused by the test'")
	ids := []string{"e1", "bad", "e2", "e3", "user:a"}
	seqs, errs, held := queueEntries(t, s, ids)
	if held != nil {
		t.Errorf("held write: %v", held)
	}
	checkRefused(t, s, ids, seqs, errs)
}

// TestGroupEntriesLostTransaction covers an entry whose statement loses
// the whole transaction (as SQLite does after an I/O error, a full disk or
// an interrupt; here a trigger's RAISE(ROLLBACK)): every write that ran
// fails, nothing of it is stored, and the entries after it run in the
// next transaction.
func TestGroupEntriesLostTransaction(t *testing.T) {
	s := openGroup(t)
	raiseOn(t, s, "lose", "ROLLBACK, 'rolled back by the test'")
	// A statement of 4 (e1, lose, e2, e3) loses the transaction; e4 is
	// queued again.
	ids := []string{"user:a", "e1", "lose", "e2", "e3", "e4"}
	seqs, errs, held := queueEntries(t, s, ids)
	if !errors.Is(held, store.ErrUnavailable) {
		t.Errorf("held write: %v, want store.ErrUnavailable", held)
	}
	for i, id := range ids {
		if id == "e4" {
			if errs[i] != nil {
				t.Errorf("e4, after the lost statement: %v, want it run in the next transaction", errs[i])
			}
			continue
		}
		if !errors.Is(errs[i], store.ErrUnavailable) {
			t.Errorf("%s: %v, want store.ErrUnavailable", id, errs[i])
		}
	}
	if diff := cmp.Diff(map[int64]string{seqs[5]: "e4"}, storedEntries(t, s)); diff != "" {
		t.Errorf("stored entries by seq (-want +got):\n%s", diff)
	}
	if res, _ := resourceCount(t, s); res != 0 {
		t.Errorf("%d resources, want 0 (the lost transaction's)", res)
	}
}

// TestGroupEntriesOnly covers a batch of provisioning entries alone: a
// refused entry in a statement of several is retried alone as the
// transaction's first write (no savepoint); its failure rolls the
// transaction back and the entries after it commit in the next one.
func TestGroupEntriesOnly(t *testing.T) {
	s := openGroup(t)
	raiseOn(t, s, "bad", "ABORT, 'refused by the test'")
	sizes := batchSizes(s)
	s.group.maxTime = 0 // a batch takes only the writes queued when it starts
	release := hold(t, s)
	ids := []string{"bad", "e1", "e2", "e3"}
	seqs, errs := make([]int64, len(ids)), make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() { seqs[i], errs[i] = appendEntry(t.Context(), s, id) })
		waitQueued(t, s, i+1)
	}
	if err := release(); err != nil {
		t.Errorf("held write: %v", err)
	}
	wg.Wait()
	checkRefused(t, s, ids, seqs, errs)
	// The held write, then the 3 entries: the batch that tried all 4 was
	// rolled back and not committed.
	if diff := cmp.Diff([]int{1, 3}, *sizes); diff != "" {
		t.Errorf("writes per committed transaction (-want +got):\n%s", diff)
	}
}

// raiseOn makes SQLite refuse the insert of an entry whose request id is
// id with RAISE(raise).
func raiseOn(t *testing.T, s *Store, id, raise string) {
	t.Helper()
	if _, err := s.write.ExecContext(t.Context(), `CREATE TRIGGER raise_`+id+` BEFORE INSERT ON provisioning_log
		WHEN NEW.request_id = '`+id+`' BEGIN SELECT RAISE(`+raise+`); END`); err != nil {
		t.Fatal(err)
	}
}

// checkRefused checks the results of queueEntries when the entry "bad"
// is refused (raiseOn ABORT): it alone failed, with the trigger's error,
// and every other entry is stored under the seq its Append returned.
func checkRefused(t *testing.T, s *Store, ids []string, seqs []int64, errs []error) {
	t.Helper()
	want := map[int64]string{}
	for i, id := range ids {
		switch {
		case id == "bad":
			if errs[i] == nil || !strings.Contains(errs[i].Error(), "refused by the test") {
				t.Errorf("bad entry: %v, want the trigger's error", errs[i])
			}
		case errs[i] != nil:
			t.Errorf("%s: %v", id, errs[i])
		case !strings.HasPrefix(id, "user:"):
			want[seqs[i]] = id
		}
	}
	if diff := cmp.Diff(want, storedEntries(t, s)); diff != "" {
		t.Errorf("stored entries by seq (-returned +stored):\n%s", diff)
	}
}
