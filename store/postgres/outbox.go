package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scimkit/scimkit/store"
)

// insertEvents records evs in the outbox. It must be the last statement of
// the writing transaction: see eventsStmt.
func (s *Store) insertEvents(ctx context.Context, tx pgx.Tx, evs []store.Event) error {
	if len(evs) == 0 {
		return nil
	}
	query, args, err := s.eventsStmt(evs)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, query, args...)
	return err
}

// eventsStmt is the one statement that records evs: it advances the
// one-row sequence counter and inserts the events numbered from it. The
// counter's row lock is held until commit, so sequence numbers are gapless
// and increase in commit order (a reader polling Events never skips an
// event that commits later with a smaller Seq); it must therefore be the
// last statement of the transaction, sent together with or just before
// the commit, so writers wait on each other only for the commit itself.
// The statement also calls pg_notify to wake Notify listeners (delivery.go)
// at commit. The stored payload carries the assigned Seq.
func (s *Store) eventsStmt(evs []store.Event) (string, []any, error) {
	n := len(evs)
	ids, tenants, types, rtypes, rids, payloads := make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	times := make([]time.Time, n)
	for i, e := range evs {
		e.Seq = 0 // set by the statement
		b, err := json.Marshal(e)
		if err != nil {
			return "", nil, fmt.Errorf("encode event: %w", err)
		}
		ids[i], tenants[i], types[i], rtypes[i], rids[i], payloads[i] = e.ID, e.Tenant, string(e.Type), e.ResourceType, e.ResourceID, string(b)
		times[i] = e.Time
	}
	query := s.q(`WITH c AS (
			UPDATE {s}.event_seq SET last = last + $1 RETURNING last - $1 AS base, pg_notify($2, '') IS NULL AS notified)
		INSERT INTO {s}.events (seq, id, tenant, type, resource_type, resource_id, created, payload)
		SELECT c.base + e.ord, e.id, e.tenant, e.type, e.rtype, e.rid, e.created, jsonb_set(e.payload, '{Seq}', to_jsonb(c.base + e.ord))
		FROM c, unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::text[]::jsonb[])
			WITH ORDINALITY AS e(id, tenant, type, rtype, rid, created, payload, ord)`)
	return query, []any{int64(n), s.cfg.Schema, ids, tenants, types, rtypes, rids, times, payloads}, nil
}

// Events returns up to limit events with Seq > after, in Seq order
// (store.Outbox). Every event has committed; none is ever skipped.
func (s *Store) Events(ctx context.Context, after int64, limit int) ([]store.Event, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("store: events: %w", store.ErrClosed)
	}
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, s.q(`SELECT seq, payload FROM {s}.events WHERE seq > $1 ORDER BY seq LIMIT $2`), after, limit)
	if err != nil {
		return nil, mapErr("events", err)
	}
	var out []store.Event
	var seq int64
	var payload []byte
	_, err = pgx.ForEachRow(rows, []any{&seq, &payload}, func() error {
		var e store.Event
		if err := json.Unmarshal(payload, &e); err != nil {
			return fmt.Errorf("decode event %d: %w", seq, err)
		}
		e.Seq = seq
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, mapErr("events", err)
	}
	// Retention (prune.go): a cursor below what is kept is expired.
	if err := s.checkExpired(ctx, after, out); err != nil {
		return nil, err
	}
	return out, nil
}
