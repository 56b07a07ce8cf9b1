package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// Translate exposes the filter translation to tests: the SQL condition
// and whether it is exact (no filter.Match fallback).
func Translate(s *Store, rt *schema.ResourceType, e filter.Expr) (string, bool) {
	w := &where{s: s, rt: rt, args: []any{"", rt.Name}}
	return w.node(e, nil)
}

// ExplainList returns the EXPLAIN (FORMAT JSON) plan of the statement
// List runs for q (which must translate exactly), with sequential scans
// disabled so that any usable index is chosen.
func ExplainList(ctx context.Context, s *Store, tenant string, rt *schema.ResourceType, q store.Query) (string, error) {
	w, p, exact, err := s.plan(tenant, rt, q)
	if err != nil {
		return "", err
	}
	if !exact {
		return "", fmt.Errorf("filter not translated exactly")
	}
	return s.Explain(ctx, s.exactQuery(w, rt, p, max(p.count, 1)), w.args...)
}

// Explain returns the plan of query with enable_seqscan off.
func (s *Store) Explain(ctx context.Context, query string, args ...any) (string, error) {
	var plan string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `EXPLAIN (FORMAT JSON) `+s.q(query), args...).Scan(&plan)
	})
	return plan, err
}

// Queries used by the membership operations, for EXPLAIN tests.
var (
	GroupsQuery = `SELECT ` + groupsQuery + ` FROM (SELECT $1::text AS tenant, $2::text AS id) r`
	AddMember   = `INSERT INTO {s}.members (tenant, group_id, member_id, type, display, ref, fold) VALUES ($1, $2, $3, '', '', '', '{}')
		ON CONFLICT DO NOTHING RETURNING member_id, ` + memberTypeExpr
	RemoveMember = `DELETE FROM {s}.members WHERE tenant = $1 AND group_id = $2 AND member_id = ANY($3::text[]) RETURNING member_id, ` + memberTypeExpr
	LeaveAll     = `DELETE FROM {s}.members WHERE tenant = $1 AND member_id = $2 RETURNING group_id`
)

// Exec runs a statement (table names as "{s}.name") for tests.
func (s *Store) Exec(ctx context.Context, query string, args ...any) error {
	_, err := s.pool.Exec(ctx, s.q(query), args...)
	return err
}
