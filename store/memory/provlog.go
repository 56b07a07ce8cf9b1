package memory

import (
	"context"
	"slices"
	"time"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// Append implements store.ProvisioningLog.
func (s *Store) Append(ctx context.Context, e store.ProvisioningEntry) (int64, error) {
	err := s.adminTx(ctx, true, "append provisioning entry", func(a *adminState, now time.Time) error {
		a.logSeq++
		e.Seq = a.logSeq
		if e.Time.IsZero() {
			e.Time = now
		}
		e.Time = micro(e.Time)
		e.BulkResults = cloneResults(e.BulkResults)
		e.DroppedMembers = cloneValues(e.DroppedMembers)
		if a.logMax == 0 {
			return nil
		}
		a.log = append(a.log, e)
		if over := len(a.log) - a.logMax; over >= max(a.logMax/4, 1) {
			// Drop the oldest in batches, so each Append stays O(1)
			// amortized; up to a quarter more than logMax is held.
			n := copy(a.log, a.log[over:])
			clear(a.log[n:])
			a.log = a.log[:n]
		}
		return nil
	})
	return e.Seq, err
}

// Query implements store.ProvisioningLog, scanning from the newest entry.
func (s *Store) Query(ctx context.Context, f store.ProvisioningFilter) (*store.ProvisioningPage, error) {
	before := int64(-1)
	if f.Cursor != "" {
		seq, err := backend.ParseProvisioningCursor(f.Cursor)
		if err != nil {
			return nil, err
		}
		before = seq
	}
	limit := f.PageSize()
	page := &store.ProvisioningPage{}
	err := s.adminTx(ctx, false, "query provisioning log", func(a *adminState, _ time.Time) error {
		for i := len(a.log) - 1; i >= 0; i-- {
			e := a.log[i]
			if before >= 0 && e.Seq >= before || !matchEntry(f, e) {
				continue
			}
			if len(page.Entries) == limit {
				page.NextCursor = backend.ProvisioningCursor(page.Entries[limit-1].Seq)
				break
			}
			e.BulkResults = cloneResults(e.BulkResults)
			e.DroppedMembers = cloneValues(e.DroppedMembers)
			page.Entries = append(page.Entries, e)
		}
		return nil
	})
	return page, err
}

// cloneValues copies vs; empty becomes nil, as in the SQL backends.
func cloneValues(vs []string) []string {
	if len(vs) == 0 {
		return nil
	}
	return slices.Clone(vs)
}

// cloneResults copies rs, so that neither the caller nor the log sees the
// other's changes; empty becomes nil, as in the SQL backends.
func cloneResults(rs []store.BulkResult) []store.BulkResult {
	if len(rs) == 0 {
		return nil
	}
	out := slices.Clone(rs)
	for i := range out {
		out[i].DroppedMembers = cloneValues(out[i].DroppedMembers)
	}
	return out
}

func matchEntry(f store.ProvisioningFilter, e store.ProvisioningEntry) bool {
	return (f.Tenant == "" || e.Tenant == f.Tenant) &&
		(f.Since.IsZero() || !e.Time.Before(micro(f.Since))) &&
		(f.Until.IsZero() || e.Time.Before(micro(f.Until))) &&
		(f.ResourceID == "" || e.ResourceID == f.ResourceID) &&
		(f.Outcome == "" || e.Outcome == f.Outcome) &&
		(f.IdP == "" || e.IdP == f.IdP) &&
		(f.Method == "" || e.Method == f.Method) &&
		(f.ResourceType == "" || e.ResourceType == f.ResourceType) &&
		(f.Status == 0 || e.Status == f.Status) &&
		(f.RequestID == "" || e.RequestID == f.RequestID) &&
		(f.Seq == 0 || e.Seq == f.Seq)
}

// Prune implements store.ProvisioningLog.
func (s *Store) Prune(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.adminTx(ctx, true, "prune provisioning log", func(a *adminState, _ time.Time) error {
		kept := a.log[:0]
		for _, e := range a.log {
			if e.Time.Before(micro(before)) {
				n++
				continue
			}
			kept = append(kept, e)
		}
		clear(a.log[len(kept):])
		a.log = kept
		return nil
	})
	return n, err
}
