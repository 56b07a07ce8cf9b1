package sqlite

import (
	"context"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// Append implements store.ProvisioningLog.
func (s *Store) Append(ctx context.Context, e store.ProvisioningEntry) (int64, error) {
	if e.Time.IsZero() {
		e.Time = s.clock()
	}
	results, err := backend.EncodeBulkResults(e.BulkResults)
	if err != nil {
		return 0, fmt.Errorf("sqlite: append provisioning entry: %w", err)
	}
	dropped, err := backend.EncodeValues(e.DroppedMembers)
	if err != nil {
		return 0, fmt.Errorf("sqlite: append provisioning entry: %w", err)
	}
	w := &write{ctx: ctx, op: "append provisioning entry", entry: []any{micros(e.Time), e.Tenant, e.TokenID, e.IdP,
		e.RequestID, e.Method, e.Path, e.ResourceType, e.ResourceID, e.ExternalID, e.Operations, string(e.Outcome), e.Status,
		e.ScimType, e.Detail, e.Latency.Microseconds(), e.Body, e.Query, e.UserAgent, e.ContentType, e.IfMatch, e.Version,
		e.Response, results, dropped}}
	w.fn = func(tx *txn) error { return tx.QueryRowContext(ctx, entryInserts[0], w.entry...).Scan(&w.seq) }
	err = s.submit(w)
	return w.seq, err
}

// entryInserts[k] inserts 1<<k provisioning entries (Append's values, in
// the order of its columns) and returns their seqs. Entries are
// inserted in statements of 1<<k rows (batch.runEntries), so that a
// connection prepares at most len(entryInserts) of them.
var entryInserts = func() []string {
	const cols = `time, tenant, token_id, idp, request_id, method, path, resource_type, resource_id, external_id, operations,
		outcome, status, scim_type, detail, latency_us, body, query, user_agent, content_type, if_match, version, response,
		bulk_results, dropped_members`
	row := "(?" + strings.Repeat(", ?", strings.Count(cols, ",")) + ")"
	out := make([]string, 7) // up to 64 rows of 25 values, far below SQLite's 32,766 parameters
	for k := range out {
		out[k] = "INSERT INTO provisioning_log (" + cols + ") VALUES " + row + strings.Repeat(", "+row, 1<<k-1) + " RETURNING seq"
	}
	return out
}()

// runEntries inserts the provisioning entries (Append) queued in the
// batch, after its other writes, in queue order and in as few statements
// as entryInserts allows, each in a savepoint. When a statement fails,
// its entries are inserted one by one (exec), so that an entry SQLite
// refuses fails alone. It returns the write that lost the transaction, if
// one did, with the entries it did not reach, to be queued again. When a
// statement of several entries loses it (SQLite rolled it back: an I/O
// error, a full disk, an interrupt), they all fail alike with
// errBatchRolledBack and the statement's error, as every write that ran in
// the lost transaction does: which of them caused it is not known.
func (b *batch) runEntries(ctx context.Context, ws []*write) (culprit *write, left []*write) {
	var live []*write
	for _, w := range ws {
		if b.start(w) {
			live = append(live, w)
		}
	}
	requeue := func(ws []*write) []*write {
		for _, w := range ws {
			w.state.Store(queued) // not run: the next batch starts it again
		}
		return ws
	}
	for len(live) > 0 {
		k := min(bits.Len(uint(len(live))), len(entryInserts)) - 1
		c := live[:1<<k]
		live = live[1<<k:]
		if len(c) == 1 {
			if b.exec(ctx, c[0], len(b.ran) == 0) {
				return c[0], requeue(live)
			}
			continue
		}
		err, lost := b.inSavepoint(ctx, false, func(tx *txn) error { return insertEntries(ctx, tx, k, c) })
		switch {
		case lost:
			for _, w := range c {
				w.err = fmt.Errorf("%w: %d provisioning entries inserted together: %w", errBatchRolledBack, len(c), err)
			}
			b.ran = append(b.ran, c...)
			return c[0], requeue(live)
		case err == nil:
			b.ran = append(b.ran, c...)
			b.committed += len(c)
			continue
		}
		for j, w := range c {
			if b.exec(ctx, w, len(b.ran) == 0) {
				return w, requeue(append(c[j+1:len(c):len(c)], live...))
			}
		}
	}
	return nil, nil
}

// insertEntries inserts the entries of ws (1<<k of them) in tx with one
// statement and sets their seqs. SQLite inserts the rows of a VALUES list
// in order, each with a seq above every seq before it (AUTOINCREMENT), so
// the sorted seqs it returns are theirs in order.
func insertEntries(ctx context.Context, tx *txn, k int, ws []*write) error {
	args := make([]any, 0, len(ws)*len(ws[0].entry))
	for _, w := range ws {
		args = append(args, w.entry...)
	}
	rows, err := tx.QueryContext(ctx, entryInserts[k], args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	seqs := make([]int64, 0, len(ws))
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			return err
		}
		seqs = append(seqs, seq)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(seqs) != len(ws) {
		return fmt.Errorf("inserted %d provisioning entries, want %d", len(seqs), len(ws))
	}
	slices.Sort(seqs)
	for i, w := range ws {
		w.seq = seqs[i]
	}
	return nil
}

const entryCols = `seq, time, tenant, token_id, idp, request_id, method, path, resource_type, resource_id,
	external_id, operations, outcome, status, scim_type, detail, latency_us, body,
	query, user_agent, content_type, if_match, version, response, bulk_results, dropped_members`

// Query implements store.ProvisioningLog: newest first, keyset-paged by seq.
func (s *Store) Query(ctx context.Context, f store.ProvisioningFilter) (*store.ProvisioningPage, error) {
	var conds []string
	var args []any
	add := func(cond string, arg any) { conds, args = append(conds, cond), append(args, arg) }
	if err := backend.ProvisioningConds(f, add, func(t time.Time) any { return t.UnixMicro() }); err != nil {
		return nil, err
	}
	q := `SELECT ` + entryCols + ` FROM provisioning_log`
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, " AND ")
	}
	limit := f.PageSize()
	rows, err := s.read.QueryContext(ctx, q+` ORDER BY seq DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, s.wrap("query provisioning log", err)
	}
	defer rows.Close()
	page := &store.ProvisioningPage{}
	for rows.Next() {
		var e store.ProvisioningEntry
		var at, latency int64
		var outcome, results, dropped string
		if err := rows.Scan(&e.Seq, &at, &e.Tenant, &e.TokenID, &e.IdP, &e.RequestID, &e.Method, &e.Path, &e.ResourceType,
			&e.ResourceID, &e.ExternalID, &e.Operations, &outcome, &e.Status, &e.ScimType, &e.Detail, &latency, &e.Body,
			&e.Query, &e.UserAgent, &e.ContentType, &e.IfMatch, &e.Version, &e.Response, &results, &dropped); err != nil {
			return nil, s.wrap("query provisioning log", err)
		}
		e.Time, e.Outcome, e.Latency = fromMicros(at), store.Outcome(outcome), time.Duration(latency)*time.Microsecond
		var err error
		if e.BulkResults, err = backend.DecodeBulkResults(results); err != nil {
			return nil, fmt.Errorf("sqlite: query provisioning log: seq %d: %w", e.Seq, err)
		}
		if e.DroppedMembers, err = backend.DecodeValues(dropped); err != nil {
			return nil, fmt.Errorf("sqlite: query provisioning log: seq %d: %w", e.Seq, err)
		}
		page.Entries = append(page.Entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("query provisioning log", err)
	}
	if len(page.Entries) > limit {
		page.Entries = page.Entries[:limit]
		page.NextCursor = backend.ProvisioningCursor(page.Entries[limit-1].Seq)
	}
	return page, nil
}

// Prune implements store.ProvisioningLog.
func (s *Store) Prune(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.writeTx(ctx, "prune provisioning log", func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM provisioning_log WHERE time < ?`, before.UnixMicro())
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	return n, err
}
