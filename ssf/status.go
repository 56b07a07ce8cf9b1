package ssf

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/scimkit/scimkit/scim"
)

// StreamStatus is the body of the status endpoint (SSF 1.0 §8.1.2).
type StreamStatus struct {
	// StreamID names the stream.
	StreamID string `json:"stream_id"`
	// Status is "enabled", "paused" or "disabled".
	Status string `json:"status"`
	// Reason says why the status was set, when given.
	Reason string `json:"reason,omitempty"`
}

func (t *Transmitter) serveStatus(w http.ResponseWriter, r *http.Request, tenant string, _ scim.Principal) {
	ctx := r.Context()
	switch r.Method {
	case http.MethodGet:
		id := r.URL.Query().Get("stream_id")
		if id == "" {
			t.answer(w, badf("stream_id is required"))
			return
		}
		d, _, err := t.loadStream(ctx, tenant, id)
		if !t.answer(w, err) {
			writeJSON(w, http.StatusOK, StreamStatus{StreamID: id, Status: d.Status, Reason: d.Reason})
		}
	case http.MethodPost:
		var in StreamStatus
		if t.answer(w, decode(r, &in)) {
			return
		}
		if in.StreamID == "" {
			t.answer(w, badf("stream_id is required"))
			return
		}
		switch in.Status {
		case StatusEnabled, StatusPaused, StatusDisabled:
		default:
			t.answer(w, badf("status must be enabled, paused or disabled"))
			return
		}
		if len(in.Reason) > 1024 {
			t.answer(w, badf("reason is longer than 1024 bytes"))
			return
		}
		d, err := t.setStatus(ctx, tenant, in)
		if !t.answer(w, err) {
			writeJSON(w, http.StatusOK, StreamStatus{StreamID: in.StreamID, Status: d.Status, Reason: d.Reason})
		}
	default:
		w.Header().Set("Allow", "GET, POST")
		writeError(w, http.StatusMethodNotAllowed, "invalid_request", "method not allowed")
	}
}

// setStatus changes a stream's status. A paused stream keeps its events
// for when it is enabled again; a disabled one drops them: when it is
// enabled again, it sees the events from then on. A stream-updated SET
// tells the receiver (SSF 1.0 §8.1.5).
func (t *Transmitter) setStatus(ctx context.Context, tenant string, in StreamStatus) (*streamDoc, error) {
	head, err := outboxHead(ctx, t.outbox)
	if err != nil {
		return nil, err
	}
	var notify *streamDoc
	d, err := t.updateStream(ctx, tenant, in.StreamID, func(d *streamDoc) error {
		notify = nil
		prev := d.Status
		d.Status, d.Reason = in.Status, in.Reason
		if prev == StatusDisabled && in.Status != StatusDisabled {
			d.Start, d.Cursor, d.Pending, d.Partial = head, head, nil, nil
		}
		if in.Status == StatusDisabled {
			d.Held = nil
		}
		if prev != in.Status {
			payload, _ := json.Marshal(StreamUpdated{Status: in.Status, Reason: in.Reason})
			if err := t.enqueue(ctx, tenant, d, EventStreamUpdated, payload); err != nil {
				return err
			}
			notify = d
		}
		return nil
	})
	if err == nil && notify != nil && d.Config.Delivery.Method == DeliveryPush {
		t.flushQueue(tenant, d.Config.StreamID)
	}
	return d, err
}

// enqueue signs an SSF stream event (verification, stream-updated) about
// the stream itself (an opaque subject, the stream id) and queues it for
// delivery: a poll hands it out, a push stream sends it (flushQueue).
func (t *Transmitter) enqueue(ctx context.Context, tenant string, d *streamDoc, typ string, payload json.RawMessage) error {
	jti := newStreamID()
	set := SET{Issuer: t.Issuer(tenant), ID: jti, IssuedAt: t.now().Unix(), Audience: d.Config.Aud,
		Subject: &Subject{Format: FormatOpaque, ID: d.Config.StreamID}, Events: map[string]json.RawMessage{typ: payload}}
	tok, err := t.signSET(ctx, tenant, &set)
	if err != nil {
		return err
	}
	if len(d.Queue) >= 16 {
		d.Queue = d.Queue[1:]
	}
	d.Queue = append(d.Queue, queued{JTI: jti, Token: tok})
	return nil
}

// verifyRequest is the body of the verification endpoint (SSF 1.0 §8.1.4.2).
type verifyRequest struct {
	StreamID string `json:"stream_id"`
	State    string `json:"state"`
}

func (t *Transmitter) serveVerify(w http.ResponseWriter, r *http.Request, tenant string, _ scim.Principal) {
	var in verifyRequest
	if t.answer(w, decode(r, &in)) {
		return
	}
	if in.StreamID == "" || len(in.State) > 1024 {
		t.answer(w, badf("stream_id is required and state at most 1024 bytes"))
		return
	}
	ctx := r.Context()
	var tooSoon bool
	d, err := t.updateStream(ctx, tenant, in.StreamID, func(d *streamDoc) error {
		now := t.now()
		if tooSoon = !d.LastVerify.IsZero() && now.Sub(d.LastVerify) < t.cfg.MinVerificationInterval; tooSoon {
			return nil
		}
		d.LastVerify = now.UTC()
		payload, _ := json.Marshal(Verification{State: in.State})
		return t.enqueue(ctx, tenant, d, EventVerification, payload)
	})
	if t.answer(w, err) {
		return
	}
	if tooSoon {
		w.Header().Set("Retry-After", strconv.Itoa(int(max(time.Second, t.cfg.MinVerificationInterval)/time.Second)))
		writeError(w, http.StatusTooManyRequests, "too_many_requests", "verification requested more often than min_verification_interval")
		return
	}
	if d.Config.Delivery.Method == DeliveryPush {
		t.flushQueue(tenant, in.StreamID)
	}
	w.WriteHeader(http.StatusNoContent)
}

// subjectRequest is the body of the add and remove subject endpoints
// (SSF 1.0 §8.1.3).
type subjectRequest struct {
	StreamID string   `json:"stream_id"`
	Subject  *Subject `json:"subject"`
	Verified *bool    `json:"verified,omitempty"`
}

func (t *Transmitter) serveAddSubject(w http.ResponseWriter, r *http.Request, tenant string, _ scim.Principal) {
	t.changeSubject(w, r, tenant, true)
}

func (t *Transmitter) serveRemoveSubject(w http.ResponseWriter, r *http.Request, tenant string, _ scim.Principal) {
	t.changeSubject(w, r, tenant, false)
}

// maxSubjects bounds the subjects a stream lists.
const maxSubjects = 1000

func (t *Transmitter) changeSubject(w http.ResponseWriter, r *http.Request, tenant string, add bool) {
	var in subjectRequest
	if t.answer(w, decode(r, &in)) {
		return
	}
	if in.StreamID == "" || in.Subject == nil || len(in.Subject.userIdentifiers()) == 0 {
		t.answer(w, badf("stream_id and a subject naming a user (email, iss_sub, opaque, phone_number, account, aliases or complex with user) are required"))
		return
	}
	key := in.Subject.key()
	_, err := t.updateStream(r.Context(), tenant, in.StreamID, func(d *streamDoc) error {
		drop := func(list []Subject) []Subject {
			return slices.DeleteFunc(list, func(s Subject) bool { return s.key() == key })
		}
		d.Included, d.Excluded = drop(d.Included), drop(d.Excluded)
		if add {
			d.Included = append(d.Included, *in.Subject)
		} else {
			d.Excluded = append(d.Excluded, *in.Subject)
		}
		if len(d.Included)+len(d.Excluded) > maxSubjects {
			return badf("a stream lists at most %d subjects", maxSubjects)
		}
		return nil
	})
	if t.answer(w, err) {
		return
	}
	if add {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
