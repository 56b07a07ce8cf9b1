package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// Append implements store.ProvisioningLog. Concurrent Appends share
// statements and commits (provlog_append.go); each returns once its entry
// has committed. An Append whose ctx ends first returns the context's
// error, and its entry may still be recorded.
func (s *Store) Append(ctx context.Context, e store.ProvisioningEntry) (int64, error) {
	const op = "append provisioning entry"
	if err := s.checkOpen(op); err != nil {
		return 0, err
	}
	row, err := entryRow(e)
	if err != nil {
		return 0, fmt.Errorf("postgres: %s: %w", op, err)
	}
	seq, ok, err := s.enqueue(ctx, row)
	if !ok {
		return 0, fmt.Errorf("store: %s: %w", op, store.ErrClosed)
	}
	return seq, mapErr(op, err)
}

// entryRow returns the values of e's columns (provlogCols), with Time set
// to now when zero.
func entryRow(e store.ProvisioningEntry) ([]any, error) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	results, err := backend.EncodeBulkResults(e.BulkResults)
	if err != nil {
		return nil, err
	}
	dropped, err := backend.EncodeValues(e.DroppedMembers)
	if err != nil {
		return nil, err
	}
	return []any{dbTime(e.Time), e.Tenant, e.TokenID, e.IdP, e.RequestID, e.Method, e.Path,
		e.ResourceType, e.ResourceID, e.ExternalID, e.Operations, string(e.Outcome), e.Status, e.ScimType, e.Detail,
		e.Latency.Microseconds(), e.Body, e.Query, e.UserAgent, e.ContentType, e.IfMatch, e.Version, e.Response,
		results, dropped}, nil
}

const entryCols = `seq, time, tenant, token_id, idp, request_id, method, path, resource_type, resource_id,
	external_id, operations, outcome, status, scim_type, detail, latency_us, body,
	query, user_agent, content_type, if_match, version, response, bulk_results, dropped_members`

// Query implements store.ProvisioningLog: newest first, keyset-paged by seq.
func (s *Store) Query(ctx context.Context, f store.ProvisioningFilter) (*store.ProvisioningPage, error) {
	const op = "query provisioning log"
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	var conds []string
	var args []any
	add := func(cond string, arg any) {
		args = append(args, arg)
		conds = append(conds, strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1))
	}
	if err := backend.ProvisioningConds(f, add, func(t time.Time) any { return dbTime(t) }); err != nil {
		return nil, err
	}
	q := `SELECT ` + entryCols + ` FROM {s}.provisioning_log`
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, " AND ")
	}
	limit := f.PageSize()
	args = append(args, limit+1)
	rows, err := s.pool.Query(ctx, s.q(q+` ORDER BY seq DESC LIMIT $`+strconv.Itoa(len(args))), args...)
	if err != nil {
		return nil, mapErr(op, err)
	}
	entries, err := pgx.CollectRows(rows, scanEntry)
	if err != nil {
		return nil, mapErr(op, err)
	}
	page := &store.ProvisioningPage{Entries: entries}
	if len(entries) > limit {
		page.Entries = entries[:limit]
		page.NextCursor = backend.ProvisioningCursor(entries[limit-1].Seq)
	}
	return page, nil
}

func scanEntry(r pgx.CollectableRow) (store.ProvisioningEntry, error) {
	var e store.ProvisioningEntry
	var latency int64
	var outcome, results, dropped string
	err := r.Scan(&e.Seq, &e.Time, &e.Tenant, &e.TokenID, &e.IdP, &e.RequestID, &e.Method, &e.Path, &e.ResourceType,
		&e.ResourceID, &e.ExternalID, &e.Operations, &outcome, &e.Status, &e.ScimType, &e.Detail, &latency, &e.Body,
		&e.Query, &e.UserAgent, &e.ContentType, &e.IfMatch, &e.Version, &e.Response, &results, &dropped)
	e.Time, e.Outcome, e.Latency = e.Time.UTC(), store.Outcome(outcome), time.Duration(latency)*time.Microsecond
	if err == nil {
		if e.BulkResults, err = backend.DecodeBulkResults(results); err != nil {
			err = fmt.Errorf("seq %d: %w", e.Seq, err)
		} else if e.DroppedMembers, err = backend.DecodeValues(dropped); err != nil {
			err = fmt.Errorf("seq %d: %w", e.Seq, err)
		}
	}
	return e, err
}

// Prune implements store.ProvisioningLog.
func (s *Store) Prune(ctx context.Context, before time.Time) (int64, error) {
	const op = "prune provisioning log"
	if err := s.checkOpen(op); err != nil {
		return 0, err
	}
	tag, err := s.pool.Exec(ctx, s.q(`DELETE FROM {s}.provisioning_log WHERE time < $1`), dbTime(before))
	return tag.RowsAffected(), mapErr(op, err)
}
