package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/scimkit/scimkit/store"
)

// consumerRow is a delivery consumer as the deliveries page shows it.
type consumerRow struct {
	store.Consumer
	// LagEvents is the number of events after the checkpoint; LagSeconds
	// the age of the oldest of them (0 when none). -1 when unknown.
	LagEvents  int64
	LagSeconds float64
	LagError   string
}

// deliveries returns the store's delivery capabilities, or nil.
func (c *Console) deliveries() (store.Deliveries, store.Consumers, store.Outbox) {
	d, ok1 := c.cfg.Store.(store.Deliveries)
	cs, ok2 := c.cfg.Store.(store.Consumers)
	o, ok3 := c.cfg.Store.(store.Outbox)
	if !ok1 || !ok2 || !ok3 {
		return nil, nil, nil
	}
	return d, cs, o
}

// deliveriesPage lists the consumers with their checkpoint, lag and
// parked events.
func (c *Console) deliveriesPage(w http.ResponseWriter, r *http.Request, s *session) {
	_, cs, o := c.deliveries()
	if cs == nil {
		c.fail(w, r, s, http.StatusNotImplemented, "This store keeps no delivery consumers.")
		return
	}
	all, err := cs.Consumers(r.Context())
	if err != nil {
		c.internal(w, r, s, "read the consumers", err)
		return
	}
	rows := make([]consumerRow, len(all))
	var head int64 = -1
	for i, cn := range all {
		rows[i] = consumerRow{Consumer: cn, LagEvents: -1, LagSeconds: -1}
		if head < 0 {
			if head, err = headSeq(r.Context(), o, cn.Checkpoint); err != nil {
				c.cfg.Logger.Error("console: read the outbox's head", "err", err)
				rows[i].LagError, head = "the lag could not be read (the server log has the error)", -1
				continue
			}
		}
		if err := c.lag(r.Context(), o, &rows[i], head); err != nil {
			c.cfg.Logger.Error("console: read a consumer's lag", "consumer", cn.Name, "err", err)
			rows[i].LagError = "the lag could not be read (the server log has the error)"
		}
	}
	c.render(w, r, http.StatusOK, "deliveries", s, map[string]any{"Consumers": rows})
}

// lag fills in row's lag behind head, the outbox's last Seq.
func (c *Console) lag(ctx context.Context, o store.Outbox, row *consumerRow, head int64) error {
	row.LagEvents = max(head-row.Checkpoint, 0)
	row.LagSeconds = 0
	if row.LagEvents == 0 {
		return nil
	}
	evs, err := o.Events(ctx, row.Checkpoint, 1)
	if err != nil {
		row.LagSeconds = -1
		return err
	}
	if len(evs) > 0 {
		row.LagSeconds = max(c.cfg.Now().Sub(evs[0].Time), 0).Round(time.Second).Seconds()
	}
	return nil
}

// headSeq returns the Seq of the outbox's last event: store.OutboxHead's
// LastSeq when o has it (one query), else found with O(log n) reads of
// one event from a Seq known to be kept (from), Seqs being gapless.
func headSeq(ctx context.Context, o store.Outbox, from int64) (int64, error) {
	if h, ok := o.(store.OutboxHead); ok {
		last, err := h.LastSeq(ctx)
		return max(last, from), err
	}
	has := func(after int64) (bool, error) {
		evs, err := o.Events(ctx, after, 1)
		return len(evs) > 0, err
	}
	lo := from
	ok, err := has(lo)
	var exp *store.ExpiredError
	if errors.As(err, &exp) {
		lo = exp.Pruned
		ok, err = has(lo)
	}
	if err != nil || !ok {
		return lo, err
	}
	// Events after lo exist; find hi with none after it, then bisect.
	step := int64(1)
	hi := lo + step
	for {
		if ok, err = has(hi); err != nil {
			return 0, err
		}
		if !ok {
			break
		}
		lo, step = hi, step*2
		hi = lo + step
	}
	for hi-lo > 1 { // an event after lo, none after hi: head is in (lo, hi]
		mid := lo + (hi-lo)/2
		if ok, err = has(mid); err != nil {
			return 0, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi, nil
}

// consumerPage shows a consumer's parked events, with replay buttons
// when the console has a Replayer.
func (c *Console) consumerPage(w http.ResponseWriter, r *http.Request, s *session) {
	c.showConsumer(w, r, s, http.StatusOK, nil)
}

func (c *Console) showConsumer(w http.ResponseWriter, r *http.Request, s *session, status int, data map[string]any) {
	d, cs, _ := c.deliveries()
	if cs == nil {
		c.fail(w, r, s, http.StatusNotImplemented, "This store keeps no delivery consumers.")
		return
	}
	name := r.PathValue("consumer")
	all, err := cs.Consumers(r.Context())
	if err != nil {
		c.internal(w, r, s, "read the consumers", err)
		return
	}
	var cn *store.Consumer
	for i := range all {
		if all[i].Name == name {
			cn = &all[i]
		}
	}
	if cn == nil {
		c.fail(w, r, s, http.StatusNotFound, "No consumer "+name+".")
		return
	}
	parked, err := d.Parked(r.Context(), name, c.cfg.PageSize)
	if err != nil {
		c.internal(w, r, s, "read the parked events", err)
		return
	}
	if data == nil {
		data = map[string]any{}
	}
	data["C"], data["Parked"], data["CanReplay"] = cn, parked, c.cfg.Replayer != nil
	if r.URL.Query().Get("replayed") != "" {
		data["Notice"] = "Replayed: the events were delivered."
	}
	c.render(w, r, status, "consumer", s, data)
}

// replay redelivers the posted parked events ("id", repeated; none: all).
func (c *Console) replay(w http.ResponseWriter, r *http.Request, s *session) {
	if c.cfg.Replayer == nil {
		c.fail(w, r, s, http.StatusNotImplemented, "This console has no dispatcher to replay events with.")
		return
	}
	name := r.PathValue("consumer")
	ids := r.PostForm["id"]
	if err := c.cfg.Replayer.Replay(r.Context(), name, ids...); err != nil {
		c.cfg.Logger.Warn("console: replay failed", "consumer", name, "events", ids, "err", err)
		c.showConsumer(w, r, s, http.StatusBadGateway, map[string]any{"Error": "Replay failed; the events stay parked: " + firstLines(err.Error(), 5)})
		return
	}
	c.cfg.Logger.Info("console: events replayed", "consumer", name, "events", ids)
	http.Redirect(w, r, c.cfg.Prefix+"/deliveries/"+pathEscape(name)+"?replayed=1", http.StatusSeeOther)
}

// firstLines returns the first n lines of s (a joined error, one line per
// event), saying how many more there are.
func firstLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) <= n {
		return s
	}
	return strings.Join(lines[:n], "\n") + fmt.Sprintf("\n… and %d more (the server log has them all)", len(lines)-n)
}
