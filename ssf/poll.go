package ssf

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store"
)

// PollRequest is the body of a poll (RFC 8936 §2.1).
type PollRequest struct {
	// MaxEvents is the most SETs to return; 0 only acknowledges; absent
	// means DefaultMaxEvents. Capped at MaxMaxEvents.
	MaxEvents *int `json:"maxEvents,omitempty"`
	// ReturnImmediately answers at once even with no SETs; otherwise the
	// request waits up to Config.LongPoll for one.
	ReturnImmediately bool `json:"returnImmediately"`
	// Ack lists the jti of SETs received and processed.
	Ack []string `json:"ack,omitempty"`
	// SetErrs lists SETs received and refused, by jti (RFC 8936 §2.3).
	SetErrs map[string]SetErr `json:"setErrs,omitempty"`
}

// SetErr is an error about one SET (RFC 8936 §2.3, RFC 8935 §2.4 codes).
type SetErr struct {
	// Err is the error code, e.g. "invalid_issuer" or "invalid_key"
	// (RFC 8935 §2.4).
	Err string `json:"err"`
	// Description says why, for a person.
	Description string `json:"description,omitempty"`
}

// PollResponse is the answer to a poll (RFC 8936 §2.2).
type PollResponse struct {
	// Sets maps jti to the SET.
	Sets map[string]string `json:"sets"`
	// MoreAvailable says more SETs are ready.
	MoreAvailable bool `json:"moreAvailable,omitempty"`
}

// errUnchanged makes updateStream return without writing.
var errUnchanged = errors.New("unchanged")

// maxFeedRounds bounds the outbox reads of one poll.
const maxFeedRounds = 8

func (t *Transmitter) servePoll(w http.ResponseWriter, r *http.Request, tenant string, _ scim.Principal) {
	var req PollRequest
	if r.ContentLength != 0 {
		if t.answer(w, decode(r, &req)) {
			return
		}
	}
	limit := DefaultMaxEvents
	if req.MaxEvents != nil {
		if *req.MaxEvents < 0 {
			t.answer(w, badf("maxEvents must not be negative"))
			return
		}
		limit = min(*req.MaxEvents, MaxMaxEvents)
	}
	if len(req.Ack)+len(req.SetErrs) > 10*MaxPending {
		t.answer(w, badf("too many acknowledgements in one request"))
		return
	}
	resp, err := t.Poll(r.Context(), tenant, r.PathValue("stream"), req.Ack, req.SetErrs, limit, !req.ReturnImmediately)
	if t.answer(w, err) {
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// Poll serves one poll of a poll stream (RFC 8936): it removes the
// acknowledged (and refused) SETs from the stream's pending ones, then
// returns up to limit SETs: first those handed out before and not
// acknowledged, then queued stream events, then the SETs of new outbox
// events, each moved to pending. With wait, when no SET is ready it waits
// up to Config.LongPoll for one. A paused or disabled stream returns none.
func (t *Transmitter) Poll(ctx context.Context, tenant, streamID string, ack []string, setErrs map[string]SetErr, limit int, wait bool) (PollResponse, error) {
	var wake <-chan struct{}
	deadline := t.now().Add(t.cfg.LongPoll)
	if wait && limit > 0 && t.notifier != nil {
		nctx, cancel := context.WithCancel(ctx)
		defer cancel()
		wake = t.notifier.Notify(nctx)
	}
	for {
		resp, err := t.pollOnce(ctx, tenant, streamID, ack, setErrs, limit)
		if err != nil || len(resp.Sets) > 0 || !wait || limit == 0 || !t.now().Before(deadline) {
			return resp, err
		}
		ack, setErrs = nil, nil
		select {
		case <-ctx.Done():
			return resp, nil
		case <-wake:
		case <-time.After(min(time.Second, deadline.Sub(t.now()))):
		}
	}
}

func (t *Transmitter) pollOnce(ctx context.Context, tenant, streamID string, ack []string, setErrs map[string]SetErr, limit int) (PollResponse, error) {
	var resp PollResponse
	_, err := t.updateStream(ctx, tenant, streamID, func(d *streamDoc) error {
		resp = PollResponse{Sets: map[string]string{}}
		if d.Config.Delivery.Method != DeliveryPoll {
			return badf("stream %s delivers by push, not poll", streamID)
		}
		changed := t.acknowledge(d, ack, setErrs)
		if limit == 0 || d.Status != StatusEnabled {
			return unchangedUnless(changed)
		}
		n, err := t.resend(ctx, tenant, d, resp.Sets, limit)
		if err != nil {
			return err
		}
		changed = changed || n
		for len(d.Queue) > 0 && len(resp.Sets) < limit {
			q := d.Queue[0]
			d.Queue = d.Queue[1:]
			d.Pending = append(d.Pending, pending{JTI: q.JTI, Token: q.Token})
			resp.Sets[q.JTI] = q.Token
			changed = true
		}
		more, moved, err := t.readNew(ctx, tenant, d, resp.Sets, limit)
		if err != nil {
			return err
		}
		resp.MoreAvailable = more || len(d.Queue) > 0
		return unchangedUnless(changed || moved)
	})
	return resp, err
}

func unchangedUnless(changed bool) error {
	if changed {
		return nil
	}
	return errUnchanged
}

// acknowledge drops acknowledged and refused SETs from pending.
func (t *Transmitter) acknowledge(d *streamDoc, ack []string, setErrs map[string]SetErr) bool {
	if len(ack) == 0 && len(setErrs) == 0 {
		return false
	}
	for jti, e := range setErrs {
		t.log.Warn("ssf: receiver refused a SET", "stream", d.Config.StreamID, "jti", jti, "err", e.Err, "description", e.Description)
	}
	n := len(d.Pending)
	d.Pending = slices.DeleteFunc(d.Pending, func(p pending) bool {
		_, refused := setErrs[p.JTI]
		return refused || slices.Contains(ack, p.JTI)
	})
	return len(d.Pending) != n
}

// resend puts pending SETs (handed out, unacknowledged) into sets, up to
// limit, rebuilding those made from outbox events; a pending event the
// outbox no longer keeps is dropped (reported as changed).
func (t *Transmitter) resend(ctx context.Context, tenant string, d *streamDoc, sets map[string]string, limit int) (bool, error) {
	changed := false
	cache := map[string]userInfo{}
	keep := d.Pending[:0:0]
	for _, p := range d.Pending {
		if len(sets) >= limit || p.Token != "" {
			if len(sets) < limit {
				sets[p.JTI] = p.Token
			}
			keep = append(keep, p)
			continue
		}
		evs, err := t.outbox.Events(ctx, p.Seq-1, 1)
		if err != nil && !errors.Is(err, store.ErrExpired) {
			return false, fmt.Errorf("ssf: read event %d: %w", p.Seq, err)
		}
		if len(evs) == 0 || evs[0].Seq != p.Seq {
			t.log.Warn("ssf: an unacknowledged SET's event is no longer kept; dropped", "stream", d.Config.StreamID, "jti", p.JTI, "seq", p.Seq)
			changed = true
			continue
		}
		built, err := t.setsFor(ctx, tenant, d, evs[0], cache)
		if err != nil {
			return false, err
		}
		i := slices.IndexFunc(built, func(b builtSET) bool { return b.typ == p.Type })
		if i < 0 {
			changed = true // no longer wanted (events_requested changed, subject removed)
			continue
		}
		sets[p.JTI] = built[i].token
		keep = append(keep, p)
	}
	d.Pending = keep
	return changed, nil
}

// readNew reads outbox events after the stream's cursor into sets and
// pending while there is room, moving the cursor past each event whose
// SETs are all handed out (an event's SETs may span two polls). more
// reports it stopped for lack of room; moved that the stream changed.
func (t *Transmitter) readNew(ctx context.Context, tenant string, d *streamDoc, sets map[string]string, limit int) (more, moved bool, err error) {
	cache := map[string]userInfo{}
	room := func() int { return min(limit-len(sets), MaxPending-len(d.Pending)) }
	for range maxFeedRounds {
		if room() <= 0 {
			return true, moved, nil
		}
		evs, next, err := hooks.Feed(ctx, t.outbox, tenant, d.Cursor, min(max(2*room(), 64), hooks.MaxFeedLimit))
		if exp, ok := errors.AsType[*store.ExpiredError](err); ok {
			t.log.Error("ssf: a poll stream fell behind the outbox retention; events were lost", "stream", d.Config.StreamID,
				"after", d.Cursor, "pruned", exp.Pruned)
			d.Cursor, d.Partial, moved = exp.Pruned, nil, true
			continue
		}
		if err != nil {
			return false, moved, err
		}
		for _, ev := range evs {
			built, err := t.setsFor(ctx, tenant, d, ev, cache)
			if err != nil {
				return false, moved, err
			}
			for _, b := range built {
				if slices.Contains(d.Partial, b.jti) {
					continue // handed out by an earlier poll that ran out of room
				}
				if room() <= 0 {
					return true, moved, nil
				}
				sets[b.jti] = b.token
				d.Pending = append(d.Pending, pending{JTI: b.jti, Seq: b.seq, Type: b.typ})
				d.Partial = append(d.Partial, b.jti)
				moved = true
			}
			d.Cursor, d.Partial, moved = ev.Seq, nil, true
		}
		if next <= d.Cursor {
			if len(evs) == 0 {
				return false, moved, nil // caught up
			}
			continue
		}
		d.Cursor, d.Partial, moved = next, nil, true // past other tenants' events
	}
	return true, moved, nil
}
