package postgres

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// beginLocked begins a transaction, locks the resource's row (SELECT ...
// FOR UPDATE) and reads the groups of a member, in one round trip. The
// caller commits or rolls back the transaction.
func (s *Store) beginLocked(ctx context.Context, tenant string, rt *schema.ResourceType, id string, opts store.ReadOptions) (pgx.Tx, *row, []any, error) {
	b := &pgx.Batch{}
	b.BeginTx(pgx.TxOptions{})
	b.Queue(s.q(`SELECT `+s.selectCols(rt, opts)+` FROM {s}.resources r WHERE r.tenant = $1 AND r.id = $2 AND r.type = $3 FOR UPDATE OF r`), tenant, id, rt.Name)
	hasGroups := groupsAttr(rt) != nil
	if hasGroups {
		b.Queue(s.q(groupsOf), tenant, id)
	}
	br := s.pool.SendBatch(ctx, b)
	tx := br.Tx()
	rw, groups, err := readLocked(br, hasGroups)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if tx != nil {
			tx.Rollback(ctx)
		}
		return nil, nil, nil, err
	}
	return tx, rw, groups, nil
}

func readLocked(br pgx.BatchResults, hasGroups bool) (*row, []any, error) {
	if _, err := br.Exec(); err != nil { // BEGIN
		return nil, nil, err
	}
	rw, err := scanRow(br.QueryRow())
	if err != nil || !hasGroups {
		return rw, nil, err
	}
	var raw []byte
	if err := br.QueryRow().Scan(&raw); err != nil || raw == nil {
		return rw, nil, err
	}
	var groups []any
	return rw, groups, json.Unmarshal(raw, &groups)
}
