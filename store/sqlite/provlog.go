package sqlite

import (
	"context"
	"fmt"
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
	var seq int64
	err = s.writeTx(ctx, "append provisioning entry", func(tx *txn) error {
		return tx.QueryRowContext(ctx, `INSERT INTO provisioning_log (time, tenant, token_id, idp, request_id, method, path,
			resource_type, resource_id, external_id, operations, outcome, status, scim_type, detail, latency_us, body,
			query, user_agent, content_type, if_match, version, response, bulk_results, dropped_members)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
			micros(e.Time), e.Tenant, e.TokenID, e.IdP, e.RequestID, e.Method, e.Path, e.ResourceType, e.ResourceID,
			e.ExternalID, e.Operations, string(e.Outcome), e.Status, e.ScimType, e.Detail, e.Latency.Microseconds(), e.Body,
			e.Query, e.UserAgent, e.ContentType, e.IfMatch, e.Version, e.Response, results, dropped).Scan(&seq)
	})
	return seq, err
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
