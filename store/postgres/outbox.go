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
// the writing transaction: it takes the lock on the one-row sequence
// counter, which it holds until commit, so sequence numbers are gapless
// and increase in commit order (a reader polling Events never skips an
// event that commits later with a smaller Seq).
func (s *Store) insertEvents(ctx context.Context, tx pgx.Tx, evs []store.Event) error {
	if len(evs) == 0 {
		return nil
	}
	var last int64
	var void bool // pg_notify wakes Notify listeners (delivery.go) at commit
	if err := tx.QueryRow(ctx, s.q(`UPDATE {s}.event_seq SET last = last + $1 RETURNING last, pg_notify($2, '') IS NULL`),
		len(evs), s.cfg.Schema).Scan(&last, &void); err != nil {
		return err
	}
	n := len(evs)
	seqs, ids, tenants, types, rtypes, rids, payloads := make([]int64, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	times := make([]time.Time, n)
	for i := range evs {
		evs[i].Seq = last - int64(n-1-i)
		e := evs[i]
		b, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("encode event: %w", err)
		}
		seqs[i], ids[i], tenants[i], types[i], rtypes[i], rids[i], payloads[i] = e.Seq, e.ID, e.Tenant, string(e.Type), e.ResourceType, e.ResourceID, string(b)
		times[i] = e.Time
	}
	_, err := tx.Exec(ctx, s.q(`INSERT INTO {s}.events (seq, id, tenant, type, resource_type, resource_id, created, payload)
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[]::jsonb[])`),
		seqs, ids, tenants, types, rtypes, rids, times, payloads)
	return err
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
	return out, nil
}
