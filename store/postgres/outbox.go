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

// eventsStmt is the one statement that records evs: it inserts them with
// provisional positions (pseq) from the sequence event_pseq, in the order
// of evs, and no final Seq; readers number committed events later
// (sequencer.go). It takes no lock other writers wait for, so concurrent
// writing transactions commit together. It should be the last statement
// of the transaction, or close to it: until the transaction ends, readers
// cannot number events with a larger pseq than its own (they wait up to
// sequenceWait in Events). The stored payload carries no Seq; Events sets
// it from the column.
func (s *Store) eventsStmt(evs []store.Event) (string, []any, error) {
	n := len(evs)
	ids, tenants, types, rtypes, rids, payloads := make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	times := make([]time.Time, n)
	for i, e := range evs {
		e.Seq = 0 // assigned by the sequencer
		b, err := json.Marshal(e)
		if err != nil {
			return "", nil, fmt.Errorf("encode event: %w", err)
		}
		ids[i], tenants[i], types[i], rtypes[i], rids[i], payloads[i] = e.ID, e.Tenant, string(e.Type), e.ResourceType, e.ResourceID, string(b)
		times[i] = e.Time
	}
	query := s.q(`INSERT INTO {s}.events (pseq, id, tenant, type, resource_type, resource_id, created, payload)
		SELECT nextval('{s}.event_pseq'), e.id, e.tenant, e.type, e.rtype, e.rid, e.created, e.payload
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[]::jsonb[])
			WITH ORDINALITY AS e(id, tenant, type, rtype, rid, created, payload, ord)
		ORDER BY e.ord`)
	return query, []any{ids, tenants, types, rtypes, rids, times, payloads}, nil
}

// Events returns up to limit events with Seq > after, in Seq order
// (store.Outbox). Every event has committed; none is ever skipped: an
// event gets its Seq only once every event with a smaller provisional
// position has committed or rolled back (sequencer.go). Events first numbers
// the events committed before the call, waiting up to sequenceWait for
// the writing transactions still running at the call to end, so a caller
// sees its own acknowledged writes; past that bound it returns what is
// numbered and a background pass finishes the numbering and wakes Notify
// listeners.
//
// A cursor below what retention still keeps is an error wrapping
// store.ErrExpired (prune.go).
func (s *Store) Events(ctx context.Context, after int64, limit int) ([]store.Event, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("store: events: %w", store.ErrClosed)
	}
	if limit <= 0 {
		return nil, nil
	}
	out, err := s.events(ctx, after, limit)
	if err != nil {
		return nil, err
	}
	if err := s.checkExpired(ctx, after, out); err != nil {
		return nil, err
	}
	return out, nil
}

// events is Events without the retention check.
func (s *Store) events(ctx context.Context, after int64, limit int) ([]store.Event, error) {
	b := &pgx.Batch{}
	b.Queue(s.q(sequenceEvents), sequenceBatch)
	b.Queue(s.q(readEvents), after, limit)
	br := s.pool.SendBatch(ctx, b)
	var done, target int64
	err := br.QueryRow().Scan(&done, &target)
	var out []store.Event
	if err == nil {
		out, err = collectEvents(br.Query())
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, mapErr("events", err)
	}
	if done >= target {
		return out, nil
	}
	if err := s.awaitHorizon(ctx, target); err != nil {
		return nil, mapErr("events", err)
	}
	out, err = collectEvents(s.pool.Query(ctx, s.q(readEvents), after, limit))
	return out, mapErr("events", err)
}

const readEvents = `SELECT seq, payload FROM {s}.events WHERE seq > $1 ORDER BY seq LIMIT $2`

func collectEvents(rows pgx.Rows, err error) ([]store.Event, error) {
	if err != nil {
		return nil, err
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
		return nil, err
	}
	return out, nil
}
