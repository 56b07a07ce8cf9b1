package postgres_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scimkit/internal/pgtest"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/postgres"
)

// requestIDs returns the RequestID of each entry of tenant, by Seq.
func requestIDs(t *testing.T, s *postgres.Store, tenant string) map[int64]string {
	t.Helper()
	page, err := s.Query(t.Context(), store.ProvisioningFilter{Tenant: tenant, Limit: store.MaxProvisioningLimit})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]string{}
	for _, e := range page.Entries {
		out[e.Seq] = e.RequestID
	}
	return out
}

// TestAppendsShareStatements holds the provisioning log locked against
// inserts while one Append's statement waits and 15 more Appends queue:
// once the lock is released, the 15 are written by one statement, and
// every Append returns the Seq of its own entry.
func TestAppendsShareStatements(t *testing.T) {
	s := open(t, postgres.Config{})
	ctx := t.Context()
	lock, tx := lockTable(t, s, "provisioning_log")
	before, _ := s.AppendGroups()
	seqs := make([]int64, 16)
	errs := make([]error, 16)
	var wg sync.WaitGroup
	appendOne := func(i int) {
		wg.Go(func() {
			seqs[i], errs[i] = s.Append(ctx, store.ProvisioningEntry{Tenant: "a", RequestID: fmt.Sprint("r", i)})
		})
	}
	appendOne(0)
	watch := connect(t, pgtest.DSN(t))
	for len(blockedBy(t, watch, lock.PgConn().PID())) == 0 { // the first statement waits for the lock
		time.Sleep(time.Millisecond)
	}
	for i := 1; i < 16; i++ {
		appendOne(i)
	}
	for _, queued := s.AppendGroups(); queued < 15; _, queued = s.AppendGroups() {
		time.Sleep(time.Millisecond)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Append %d: %v", i, err)
		}
	}
	if after, _ := s.AppendGroups(); after-before != 2 {
		t.Errorf("16 Appends (1, then 15 while it waited) ran %d statements, want 2", after-before)
	}
	want := map[int64]string{}
	for i, seq := range seqs {
		want[seq] = fmt.Sprint("r", i)
	}
	diff(t, "entries by the Seq their Append returned", want, requestIDs(t, s, "a"))
}

// TestAppendGroupFailsAlone writes a group whose middle entry the server
// refuses (a NUL byte in text): that entry's Append fails, and the others
// are recorded with their own Seqs.
func TestAppendGroupFailsAlone(t *testing.T) {
	s := open(t, postgres.Config{})
	es := []store.ProvisioningEntry{
		{Tenant: "a", RequestID: "r0"},
		{Tenant: "a", RequestID: "r1", Detail: "nul\x00byte"},
		{Tenant: "a", RequestID: "r2"},
	}
	seqs, errs := s.WriteGroup(es)
	if errs[0] != nil || errs[1] == nil || errs[2] != nil {
		t.Fatalf("group errors = %v; want only the second entry to fail", errs)
	}
	diff(t, "recorded entries", map[int64]string{seqs[0]: "r0", seqs[2]: "r2"}, requestIDs(t, s, "a"))
}

// TestAppendAfterClose: Close writes what is queued; later Appends return
// store.ErrClosed.
func TestAppendAfterClose(t *testing.T) {
	s := open(t, postgres.Config{})
	s.Close()
	if _, err := s.Append(t.Context(), store.ProvisioningEntry{Tenant: "a"}); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Append after Close = %v, want store.ErrClosed", err)
	}
}
