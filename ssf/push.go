package ssf

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/store"
)

var _ hooks.Handler = (*Transmitter)(nil)

// HandleEvent implements hooks.Handler: register the Transmitter with a
// hooks.Dispatcher (one consumer, e.g. "ssf-push") and it pushes (RFC
// 8935) the SETs of each event to every enabled push stream of the
// event's tenant created before the event (a paused stream holds them
// until enabled, a disabled one drops them). What a stream holds or has
// queued (held events, verification and stream-updated SETs) is pushed
// first, so a receiver gets a user's SETs in order; while it cannot be,
// the event fails for now and is retried. The dispatcher gives the
// delivery guarantees: at least once, in order per user, retries with
// backoff, parked events after the last attempt. A stream that already
// took a SET is not sent it again on a retry of the event (within this
// process); receivers drop any other duplicate by jti. An error from a
// receiver that refused the SET (4xx other than 408 and 429) is
// permanent; when every failing stream failed so, the event is parked at
// once.
func (t *Transmitter) HandleEvent(ctx context.Context, ev store.Event) error {
	if len(eventTypes(ev)) == 0 {
		return nil
	}
	all, err := t.streams(ctx, ev.Tenant)
	if err != nil {
		return err
	}
	var errs []error
	permanent := true
	for _, d := range all {
		if d.Config.Delivery.Method != DeliveryPush || d.Status == StatusDisabled {
			continue
		}
		built, err := t.setsFor(ctx, ev.Tenant, d, ev, nil)
		if err != nil {
			return err
		}
		if d.Status == StatusPaused {
			if len(built) > 0 {
				if err := t.hold(ctx, ev.Tenant, d.Config.StreamID, ev.Seq); err != nil {
					return err
				}
			}
			continue
		}
		if len(d.Queue) > 0 || len(d.Held) > 0 {
			// What the stream holds goes first: the event is tried again
			// (and the stream's other SETs kept waiting) until it is out.
			if t.flush(ctx, ev.Tenant, d.Config.StreamID) {
				errs = append(errs, fmt.Errorf("stream %s: SETs held or queued before this event are not delivered yet", d.Config.StreamID))
				permanent = false
				continue
			}
		}
		for _, b := range built {
			key := d.Config.StreamID + "/" + b.jti
			if t.pushed.has(key) {
				continue
			}
			if err := t.push(ctx, ev.Tenant, d, b.token); err != nil {
				errs = append(errs, fmt.Errorf("stream %s: %w", d.Config.StreamID, err))
				permanent = permanent && hooks.IsPermanent(err)
				continue
			}
			t.pushed.add(key)
		}
	}
	switch {
	case len(errs) == 0:
		return nil
	case permanent:
		return hooks.Permanent(fmt.Errorf("ssf: push event %s: %w", ev.ID, errors.Join(errs...)))
	default:
		return fmt.Errorf("ssf: push event %s: %w", ev.ID, errors.Join(errs...))
	}
}

// push POSTs one SET to the stream's endpoint (RFC 8935 §2): 202 (any
// 2xx) is success; a 400 with an RFC 8935 error, and other 4xx except
// 408 and 429, are permanent failures (errors from hooks.Permanent);
// anything else is worth retrying.
func (t *Transmitter) push(ctx context.Context, tenant string, d *streamDoc, token string) error {
	ctx, cancel := context.WithTimeout(ctx, t.cfg.PushTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Config.Delivery.EndpointURL, bytes.NewReader([]byte(token)))
	if err != nil {
		return hooks.Permanent(err)
	}
	req.Header.Set("Content-Type", "application/secevent+jwt")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "scimkit-ssf")
	if len(d.AuthSealed) > 0 {
		auth, err := t.keys.openSecret(tenant, d.Config.StreamID, d.AuthSealed)
		if err != nil {
			return hooks.Permanent(err)
		}
		req.Header.Set("Authorization", auth)
	}
	resp, err := t.cfg.Client.Do(req)
	if err != nil {
		return fmt.Errorf("push to %s: %w", d.Config.Delivery.EndpointURL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return nil
	case code >= 400 && code < 500 && code != http.StatusRequestTimeout && code != http.StatusTooManyRequests:
		var e SetErr
		json.Unmarshal(body, &e)
		return hooks.Permanent(fmt.Errorf("receiver refused the SET: %s %s %s", resp.Status, e.Err, e.Description))
	default:
		return fmt.Errorf("receiver answered %s", resp.Status)
	}
}

// hold records an event a paused push stream will push once enabled
// (SSF 1.0 §8.1.2); beyond MaxPending held events the oldest are dropped.
func (t *Transmitter) hold(ctx context.Context, tenant, streamID string, seq int64) error {
	_, err := t.updateStream(ctx, tenant, streamID, func(d *streamDoc) error {
		if slices.Contains(d.Held, seq) {
			return errUnchanged
		}
		d.Held = append(d.Held, seq)
		if len(d.Held) > MaxPending {
			t.log.Warn("ssf: a paused push stream holds too many events; the oldest is dropped", "stream", streamID)
			d.Held = d.Held[1:]
		}
		return nil
	})
	return err
}

// Retries of flushQueue when the receiver did not take everything: after
// flushRetryFirst, doubling up to flushRetryMax, at most flushRetries
// times (then the next event, status change or verification of the
// stream tries again).
const (
	flushRetryFirst = time.Second
	flushRetryMax   = time.Minute
	flushRetries    = 12
)

// flushQueue pushes, in the background, the stream's queued SETs
// (verification, stream-updated) and then the events it held while
// paused, removing each once accepted; what the receiver does not take is
// tried again later (flushRetries times), even when no new event comes.
func (t *Transmitter) flushQueue(tenant, streamID string) {
	t.flushAttempt(tenant, streamID, 0)
}

func (t *Transmitter) flushAttempt(tenant, streamID string, attempt int) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 4*t.cfg.PushTimeout)
		defer cancel()
		if !t.flush(ctx, tenant, streamID) || attempt >= flushRetries {
			return
		}
		key := tenant + "\x00" + streamID
		t.flushMu.Lock()
		defer t.flushMu.Unlock()
		if t.retrying[key] {
			return // a retry is already scheduled
		}
		t.retrying[key] = true
		time.AfterFunc(min(flushRetryFirst<<attempt, flushRetryMax), func() {
			t.flushMu.Lock()
			delete(t.retrying, key)
			t.flushMu.Unlock()
			t.flushAttempt(tenant, streamID, attempt+1)
		})
	}()
}

// flush pushes the stream's queued SETs, then its held events, in order,
// removing each once accepted (or refused for good); it stops at the first
// that fails for now, and reports whether any is left. One flush of a
// stream runs at a time.
func (t *Transmitter) flush(ctx context.Context, tenant, streamID string) (left bool) {
	mu := t.streamMutex(tenant, streamID)
	mu.Lock()
	defer mu.Unlock()
	d, _, err := t.loadStream(ctx, tenant, streamID)
	if err != nil {
		return !errors.Is(err, store.ErrNotFound)
	}
	if d.Config.Delivery.Method != DeliveryPush || d.Status != StatusEnabled {
		return false
	}
	var sent []string
	for _, q := range d.Queue {
		if err := t.push(ctx, tenant, d, q.Token); err != nil {
			t.log.Warn("ssf: push of a stream event failed", "stream", streamID, "jti", q.JTI, "err", err)
			if !hooks.IsPermanent(err) {
				break
			}
		}
		sent = append(sent, q.JTI)
	}
	var done []int64
	if len(sent) == len(d.Queue) {
		done = t.pushHeld(ctx, tenant, d)
	}
	left = len(sent) < len(d.Queue) || len(done) < len(d.Held)
	if len(sent) == 0 && len(done) == 0 {
		return left
	}
	_, err = t.updateStream(ctx, tenant, streamID, func(d *streamDoc) error {
		n, h := len(d.Queue), len(d.Held)
		d.Queue = deleteQueued(d.Queue, sent)
		d.Held = slices.DeleteFunc(d.Held, func(s int64) bool { return slices.Contains(done, s) })
		return unchangedUnless(len(d.Queue) != n || len(d.Held) != h)
	})
	if err != nil {
		t.log.Warn("ssf: update stream queue", "stream", streamID, "err", err)
		return true
	}
	return left
}

// streamMutex returns the mutex serialising the flushes of a stream.
func (t *Transmitter) streamMutex(tenant, streamID string) *sync.Mutex {
	t.flushMu.Lock()
	defer t.flushMu.Unlock()
	key := tenant + "\x00" + streamID
	mu := t.flushing[key]
	if mu == nil {
		mu = &sync.Mutex{}
		t.flushing[key] = mu
	}
	return mu
}

// pushHeld pushes the held events in order and returns those finished
// (pushed, refused for good, or no longer kept by the outbox).
func (t *Transmitter) pushHeld(ctx context.Context, tenant string, d *streamDoc) (done []int64) {
	for _, seq := range d.Held {
		evs, err := t.outbox.Events(ctx, seq-1, 1)
		if err != nil && !errors.Is(err, store.ErrExpired) {
			return done
		}
		if len(evs) == 0 || evs[0].Seq != seq {
			done = append(done, seq)
			continue
		}
		built, err := t.setsFor(ctx, tenant, d, evs[0], nil)
		if err != nil {
			return done
		}
		for _, b := range built {
			if key := d.Config.StreamID + "/" + b.jti; !t.pushed.has(key) {
				if err := t.push(ctx, tenant, d, b.token); err != nil && !hooks.IsPermanent(err) {
					t.log.Warn("ssf: push of a held event failed", "stream", d.Config.StreamID, "jti", b.jti, "err", err)
					return done
				}
				t.pushed.add(key)
			}
		}
		done = append(done, seq)
	}
	return done
}

func deleteQueued(q []queued, jtis []string) []queued {
	out := q[:0:0]
	for _, x := range q {
		keep := true
		for _, j := range jtis {
			if x.JTI == j {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, x)
		}
	}
	return out
}

// recentSet remembers up to n keys, forgetting the oldest first.
type recentSet struct {
	mu    sync.Mutex
	n     int
	keys  map[string]struct{}
	order []string
}

func newRecentSet(n int) *recentSet { return &recentSet{n: n, keys: map[string]struct{}{}} }

func (s *recentSet) has(k string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.keys[k]
	return ok
}

// forget removes k (added a moment ago: it is searched from the newest).
func (s *recentSet) forget(k string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[k]; !ok {
		return
	}
	delete(s.keys, k)
	for i := len(s.order) - 1; i >= 0; i-- {
		if s.order[i] == k {
			s.order = slices.Delete(s.order, i, i+1)
			return
		}
	}
}

func (s *recentSet) add(k string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[k]; ok {
		return false
	}
	s.keys[k] = struct{}{}
	s.order = append(s.order, k)
	if len(s.order) > s.n {
		delete(s.keys, s.order[0])
		s.order = s.order[1:]
	}
	return true
}
