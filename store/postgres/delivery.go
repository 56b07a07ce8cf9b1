package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scimkit/scimkit/store"
)

var (
	_ store.Deliveries = (*Store)(nil)
	_ store.Notifier   = (*Store)(nil)
)

// notifyRetry is how long Notify waits before reconnecting its listening
// connection after an error.
const notifyRetry = time.Second

// Lease implements store.Deliveries with a lease row per consumer: an
// INSERT ... ON CONFLICT DO UPDATE that only takes the row when the lease
// is the caller's or has expired by the server's clock. The row lock the
// upsert takes serialises concurrent callers, so exactly one wins. A new
// consumer's checkpoint is the highest Seq already pruned (prune.go).
func (s *Store) Lease(ctx context.Context, consumer, owner string, ttl time.Duration) (bool, error) {
	if s.closed.Load() {
		return false, fmt.Errorf("store: lease %s: %w", consumer, store.ErrClosed)
	}
	var ok bool
	err := s.pool.QueryRow(ctx, s.q(`INSERT INTO {s}.deliveries AS d (consumer, owner, lease_until, checkpoint)
		VALUES ($1, $2, clock_timestamp() + $3::bigint * interval '1 microsecond', (`+prunedSQL+` FOR SHARE))
		ON CONFLICT (consumer) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
		WHERE d.owner = excluded.owner OR d.owner = '' OR d.lease_until <= clock_timestamp()
		RETURNING true`), consumer, owner, ttl.Microseconds()).Scan(&ok)
	if err == pgx.ErrNoRows {
		return false, nil
	}
	return ok, mapErr("lease "+consumer, err)
}

// Checkpoint implements store.Deliveries.
func (s *Store) Checkpoint(ctx context.Context, consumer string) (int64, error) {
	if s.closed.Load() {
		return 0, fmt.Errorf("store: checkpoint %s: %w", consumer, store.ErrClosed)
	}
	var cp int64
	err := s.pool.QueryRow(ctx, s.q(`SELECT checkpoint FROM {s}.deliveries WHERE consumer = $1`), consumer).Scan(&cp)
	if err == pgx.ErrNoRows {
		return 0, nil
	}
	return cp, mapErr("checkpoint "+consumer, err)
}

// Advance implements store.Deliveries.
func (s *Store) Advance(ctx context.Context, consumer, owner string, seq int64) error {
	if s.closed.Load() {
		return fmt.Errorf("store: advance %s: %w", consumer, store.ErrClosed)
	}
	tag, err := s.pool.Exec(ctx, s.q(`UPDATE {s}.deliveries SET checkpoint = GREATEST(checkpoint, $3)
		WHERE consumer = $1 AND owner = $2`), consumer, owner, seq)
	if err != nil {
		return mapErr("advance "+consumer, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: advance %s: %w: %q is not the owner", consumer, store.ErrLeaseLost, owner)
	}
	return nil
}

// Park implements store.Deliveries.
func (s *Store) Park(ctx context.Context, consumer string, ev store.Event, attempts int, lastErr string) error {
	if s.closed.Load() {
		return fmt.Errorf("store: park %s: %w", consumer, store.ErrClosed)
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("store: park %s: %w", ev.ID, err)
	}
	_, err = s.pool.Exec(ctx, s.q(`INSERT INTO {s}.parked (consumer, event_id, seq, payload, attempts, last_error, parked_at)
		VALUES ($1, $2, $3, $4::text::jsonb, $5, $6, date_trunc('microseconds', clock_timestamp()))
		ON CONFLICT (consumer, event_id) DO UPDATE SET seq = excluded.seq, payload = excluded.payload,
		attempts = excluded.attempts, last_error = excluded.last_error, parked_at = excluded.parked_at`),
		consumer, ev.ID, ev.Seq, string(body), attempts, lastErr)
	return mapErr("park "+consumer, err)
}

// Parked implements store.Deliveries.
func (s *Store) Parked(ctx context.Context, consumer string, limit int) ([]store.ParkedEvent, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("store: parked %s: %w", consumer, store.ErrClosed)
	}
	var lim *int
	if limit > 0 {
		lim = &limit
	}
	rows, err := s.pool.Query(ctx, s.q(`SELECT payload, attempts, last_error, parked_at FROM {s}.parked
		WHERE consumer = $1 ORDER BY seq, event_id LIMIT $2`), consumer, lim)
	if err != nil {
		return nil, mapErr("parked "+consumer, err)
	}
	out, err := collectParked(rows)
	return out, mapErr("parked "+consumer, err)
}

// Unpark implements store.Deliveries.
func (s *Store) Unpark(ctx context.Context, consumer string, ids []string) ([]store.ParkedEvent, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("store: unpark %s: %w", consumer, store.ErrClosed)
	}
	rows, err := s.pool.Query(ctx, s.q(`DELETE FROM {s}.parked WHERE consumer = $1 AND event_id = ANY($2)
		RETURNING payload, attempts, last_error, parked_at`), consumer, ids)
	if err != nil {
		return nil, mapErr("unpark "+consumer, err)
	}
	out, err := collectParked(rows)
	if err != nil {
		return nil, mapErr("unpark "+consumer, err)
	}
	slices.SortFunc(out, func(a, b store.ParkedEvent) int {
		return cmp.Or(cmp.Compare(a.Event.Seq, b.Event.Seq), cmp.Compare(a.Event.ID, b.Event.ID))
	})
	return out, nil
}

func collectParked(rows pgx.Rows) ([]store.ParkedEvent, error) {
	var out []store.ParkedEvent
	var payload []byte
	var p store.ParkedEvent
	_, err := pgx.ForEachRow(rows, []any{&payload, &p.Attempts, &p.LastError, &p.ParkedAt}, func() error {
		q := p
		q.Event = store.Event{}
		if err := json.Unmarshal(payload, &q.Event); err != nil {
			return fmt.Errorf("decode parked event: %w", err)
		}
		q.ParkedAt = q.ParkedAt.UTC()
		out = append(out, q)
		return nil
	})
	return out, err
}

// Notify implements store.Notifier with LISTEN/NOTIFY: after each
// committed write transaction a Store sends a notification on the channel
// named after its schema (Schema), from a background goroutine outside the
// writing transaction (coalesced: at most one being sent and one waiting),
// and the server delivers it to every process listening. A notification
// may thus arrive before the write's events are numbered; Events numbers
// them (waiting briefly for the writes still running), and an Events call
// that stops waiting wakes listeners again once they are numbered. A
// process that crashes between a commit and its notification leaves the
// wake-up to polling. Each call opens one dedicated connection outside the
// pool, kept until ctx is done and re-established after errors; the
// channel also receives a value whenever the connection (re)starts
// listening, since notifications may have been missed meanwhile.
func (s *Store) Notify(ctx context.Context) <-chan struct{} {
	out := make(chan struct{}, 1)
	go func() {
		defer close(out)
		for ctx.Err() == nil && !s.closed.Load() {
			s.listen(ctx, out)
			select {
			case <-ctx.Done():
			case <-time.After(notifyRetry):
			}
		}
	}()
	return out
}

// listen listens on the schema's channel until an error or ctx is done,
// forwarding notifications to out (coalesced).
func (s *Store) listen(ctx context.Context, out chan struct{}) {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), notifyRetry)
		defer cancel()
		conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{s.cfg.Schema}.Sanitize()); err != nil {
		return
	}
	for {
		select {
		case out <- struct{}{}:
		default:
		}
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return
		}
	}
}
