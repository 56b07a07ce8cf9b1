package ssf

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store"
)

// Stream statuses (SSF 1.0 §8.1.2).
const (
	StatusEnabled  = "enabled"
	StatusPaused   = "paused"
	StatusDisabled = "disabled"
)

// streamPrefix prefixes the state keys of streams.
const streamPrefix = "ssf/stream/"

// supported are the event types a scimkit stream can deliver.
var supported = []string{EventSessionRevoked, EventTokenClaimsChange, EventAccountDisabled, EventAccountEnabled, EventAccountPurged}

// defaultRequested is what a stream that requests nothing gets: the CAEP
// events of the interoperability profile scimkit produces.
var defaultRequested = []string{EventSessionRevoked, EventTokenClaimsChange}

// StreamConfig is a stream's configuration (SSF 1.0 §8.1.1).
type StreamConfig struct {
	// StreamID is the id the transmitter gave the stream.
	StreamID string `json:"stream_id"`
	// Iss is the transmitter's issuer, the iss of the stream's SETs.
	Iss string `json:"iss"`
	// Aud is the audience of the stream's SETs: the receiver.
	Aud Audience `json:"aud"`
	// EventsSupported are the event types the transmitter can send.
	EventsSupported []string `json:"events_supported"`
	// EventsRequested are the event types the receiver asked for.
	EventsRequested []string `json:"events_requested"`
	// EventsDelivered are the types the stream sends: those requested
	// that are supported.
	EventsDelivered []string `json:"events_delivered"`
	// Delivery is how SETs reach the receiver: push or poll.
	Delivery Delivery `json:"delivery"`
	// MinVerificationInterval is the least time, in seconds, between two
	// verification requests the transmitter answers.
	MinVerificationInterval int `json:"min_verification_interval"`
	// Description is the receiver's text about the stream.
	Description string `json:"description,omitempty"`
	// Format is the subject identifier format of the stream's SETs:
	// "iss_sub" (default: iss is the transmitter, sub the SCIM id) or
	// "email" (the user's primary email, else userName; iss_sub when the
	// user has no email, or is gone leaving no tombstone: a soft-deleted
	// user is named by the userName its tombstone keeps).
	Format string `json:"format,omitempty"`
}

// Delivery is a stream's delivery method (SSF 1.0 §8.1.1).
type Delivery struct {
	// Method is the delivery method's URI: push (RFC 8935,
	// "urn:ietf:rfc:8935") or poll (RFC 8936, "urn:ietf:rfc:8936").
	Method string `json:"method"`
	// EndpointURL is the receiver's push endpoint, or the transmitter's
	// poll endpoint.
	EndpointURL string `json:"endpoint_url,omitempty"`
	// AuthorizationHeader is sent with each push; it is stored sealed and
	// never read back.
	AuthorizationHeader string `json:"authorization_header,omitempty"`
}

// streamDoc is a stream as stored.
type streamDoc struct {
	Config     StreamConfig `json:"config"`
	AuthSealed []byte       `json:"auth,omitempty"`
	Status     string       `json:"status"`
	Reason     string       `json:"reason,omitempty"`
	// Included and Excluded are subjects added and removed; every other
	// subject is included (default_subjects ALL).
	Included []Subject `json:"included,omitempty"`
	Excluded []Subject `json:"excluded,omitempty"`
	// Start is the outbox position when the stream was created: it sees
	// the events after it.
	Start int64 `json:"start"`
	// Cursor is the outbox position up to which a poll stream has read.
	Cursor  int64     `json:"cursor"`
	Pending []pending `json:"pending,omitempty"`
	// Partial lists the SETs already handed out of the event after
	// Cursor, when a poll ran out of room in the middle of its SETs.
	Partial []string `json:"partial,omitempty"`
	// Held lists the outbox events a paused push stream holds, to push
	// once it is enabled again.
	Held []int64 `json:"held,omitempty"`
	// Queue holds signed SETs that do not come from the outbox
	// (verification, stream-updated) until a poll hands them out.
	Queue      []queued  `json:"queue,omitempty"`
	LastVerify time.Time `json:"lastVerify,omitzero"`
	Created    time.Time `json:"created"`
}

// pending is a SET a poll handed out and the receiver has not
// acknowledged: the outbox event it was made of (Seq) and its type, or
// the token itself for a queued SET.
type pending struct {
	JTI   string `json:"jti"`
	Seq   int64  `json:"seq,omitempty"`
	Type  string `json:"type,omitempty"`
	Token string `json:"token,omitempty"`
}

type queued struct {
	JTI   string `json:"jti"`
	Token string `json:"token"`
}

// loadStream reads a stream of tenant; ErrNotFound when absent.
func (t *Transmitter) loadStream(ctx context.Context, tenant, id string) (*streamDoc, int64, error) {
	if id == "" || len(id) > 64 {
		return nil, 0, fmt.Errorf("ssf: stream %q: %w", id, store.ErrNotFound)
	}
	st, err := t.states.GetState(ctx, tenant, streamPrefix+id)
	if err != nil {
		return nil, 0, fmt.Errorf("ssf: stream %s: %w", id, err)
	}
	var d streamDoc
	if err := json.Unmarshal(st.Value, &d); err != nil {
		return nil, 0, fmt.Errorf("ssf: stream %s is corrupt: %w", id, err)
	}
	return &d, st.Version, nil
}

func (t *Transmitter) saveStream(ctx context.Context, tenant string, d *streamDoc, ifVersion int64) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	if _, err := t.states.PutState(ctx, tenant, streamPrefix+d.Config.StreamID, b, ifVersion); err != nil {
		return fmt.Errorf("ssf: save stream %s: %w", d.Config.StreamID, err)
	}
	return nil
}

// updateStream applies f to the stored stream with optimistic concurrency,
// retrying on a concurrent change; f may run more than once.
func (t *Transmitter) updateStream(ctx context.Context, tenant, id string, f func(d *streamDoc) error) (*streamDoc, error) {
	for range 8 {
		d, v, err := t.loadStream(ctx, tenant, id)
		if err != nil {
			return nil, err
		}
		if err := f(d); errors.Is(err, errUnchanged) {
			return d, nil
		} else if err != nil {
			return nil, err
		}
		err = t.saveStream(ctx, tenant, d, v)
		if !errors.Is(err, store.ErrPrecondition) {
			return d, err
		}
	}
	return nil, fmt.Errorf("ssf: stream %s: too many concurrent changes: %w", id, store.ErrUnavailable)
}

// streams lists tenant's streams.
func (t *Transmitter) streams(ctx context.Context, tenant string) ([]*streamDoc, error) {
	sts, err := t.states.ListStates(ctx, tenant, streamPrefix)
	if err != nil {
		return nil, fmt.Errorf("ssf: list streams: %w", err)
	}
	out := make([]*streamDoc, 0, len(sts))
	for _, st := range sts {
		var d streamDoc
		if err := json.Unmarshal(st.Value, &d); err != nil {
			return nil, fmt.Errorf("ssf: stream %s is corrupt: %w", st.Key, err)
		}
		out = append(out, &d)
	}
	return out, nil
}

// errBadRequest marks a request error answered 400 with its text.
type badRequest struct{ msg string }

func (e *badRequest) Error() string { return e.msg }

func badf(format string, args ...any) error { return &badRequest{fmt.Sprintf(format, args...)} }

// answer writes the outcome of a management operation.
func (t *Transmitter) answer(w http.ResponseWriter, err error) bool {
	if err == nil {
		return false
	}
	var br *badRequest
	switch {
	case errors.As(err, &br):
		writeError(w, http.StatusBadRequest, "invalid_request", br.msg)
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", "no stream with this stream_id for this receiver")
	default:
		t.fail(w, err)
	}
	return true
}

func (t *Transmitter) serveStream(w http.ResponseWriter, r *http.Request, tenant string, _ scim.Principal) {
	ctx := r.Context()
	switch r.Method {
	case http.MethodGet:
		id := r.URL.Query().Get("stream_id")
		if id == "" {
			all, err := t.streams(ctx, tenant)
			if t.answer(w, err) {
				return
			}
			out := make([]StreamConfig, 0, len(all))
			for _, d := range all {
				out = append(out, d.Config)
			}
			writeJSON(w, http.StatusOK, out)
			return
		}
		d, _, err := t.loadStream(ctx, tenant, id)
		if !t.answer(w, err) {
			writeJSON(w, http.StatusOK, d.Config)
		}
	case http.MethodPost:
		var in streamInput
		if t.answer(w, decode(r, &in)) {
			return
		}
		d, err := t.createStream(ctx, tenant, in)
		if !t.answer(w, err) {
			writeJSON(w, http.StatusCreated, d.Config)
		}
	case http.MethodPatch, http.MethodPut:
		var in streamInput
		if t.answer(w, decode(r, &in)) {
			return
		}
		if in.StreamID == nil || *in.StreamID == "" {
			t.answer(w, badf("stream_id is required"))
			return
		}
		d, err := t.updateStream(ctx, tenant, *in.StreamID, func(d *streamDoc) error {
			return t.applyInput(tenant, d, in, r.Method == http.MethodPut)
		})
		if !t.answer(w, err) {
			writeJSON(w, http.StatusOK, d.Config)
		}
	case http.MethodDelete:
		id := r.URL.Query().Get("stream_id")
		if id == "" {
			t.answer(w, badf("stream_id is required"))
			return
		}
		if _, _, err := t.loadStream(ctx, tenant, id); t.answer(w, err) {
			return
		}
		err := t.states.DeleteState(ctx, tenant, streamPrefix+id, store.AnyVersion)
		if !t.answer(w, err) {
			w.WriteHeader(http.StatusNoContent)
		}
	default:
		w.Header().Set("Allow", "GET, POST, PATCH, PUT, DELETE")
		writeError(w, http.StatusMethodNotAllowed, "invalid_request", "method not allowed")
	}
}

// streamInput is a create, update or replace request: pointers tell an
// absent property from an empty one.
type streamInput struct {
	StreamID                *string          `json:"stream_id"`
	Iss                     *string          `json:"iss"`
	Aud                     *Audience        `json:"aud"`
	EventsRequested         *[]string        `json:"events_requested"`
	Delivery                *json.RawMessage `json:"delivery"`
	Description             *string          `json:"description"`
	Format                  *string          `json:"format"`
	EventsSupported         *[]string        `json:"events_supported"`
	EventsDelivered         *[]string        `json:"events_delivered"`
	MinVerificationInterval *int             `json:"min_verification_interval"`
}

func decode(r *http.Request, v any) error {
	if r.Body == nil {
		return badf("a JSON body is required")
	}
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return badf("the request body is larger than %d bytes", maxBody)
		}
		if errors.Is(err, io.EOF) {
			return badf("a JSON body is required")
		}
		return badf("the request body is not valid JSON: %v", err)
	}
	return nil
}

func newStreamID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (t *Transmitter) createStream(ctx context.Context, tenant string, in streamInput) (*streamDoc, error) {
	if in.StreamID != nil {
		return nil, badf("stream_id is assigned by the transmitter")
	}
	all, err := t.streams(ctx, tenant)
	if err != nil {
		return nil, err
	}
	if len(all) >= t.cfg.MaxStreams {
		return nil, badf("the tenant has %d streams, the most allowed; delete one first", len(all))
	}
	head, err := outboxHead(ctx, t.outbox)
	if err != nil {
		return nil, err
	}
	d := &streamDoc{Config: StreamConfig{StreamID: newStreamID()}, Status: StatusEnabled, Start: head, Cursor: head, Created: t.now().UTC()}
	if err := t.applyInput(tenant, d, in, true); err != nil {
		return nil, err
	}
	return d, t.saveStream(ctx, tenant, d, 0)
}

// applyInput sets the receiver-supplied properties of in on d: all of
// them when replace is set (absent ones are cleared), else only those
// present. Transmitter-supplied properties, when present, must match.
func (t *Transmitter) applyInput(tenant string, d *streamDoc, in streamInput, replace bool) error {
	c := &d.Config
	if in.Iss != nil && *in.Iss != t.Issuer(tenant) {
		return badf("iss %q is not this transmitter's issuer %q", *in.Iss, t.Issuer(tenant))
	}
	if in.StreamID != nil && *in.StreamID != c.StreamID {
		return badf("stream_id does not match")
	}
	if in.Aud != nil || replace {
		c.Aud = nil
		if in.Aud != nil {
			c.Aud = *in.Aud
		}
	}
	if in.EventsRequested != nil || replace {
		c.EventsRequested = nil
		if in.EventsRequested != nil {
			c.EventsRequested = *in.EventsRequested
		}
	}
	if in.Description != nil || replace {
		c.Description = ""
		if in.Description != nil {
			c.Description = *in.Description
		}
	}
	if in.Format != nil || replace {
		c.Format = ""
		if in.Format != nil {
			c.Format = *in.Format
		}
	}
	switch c.Format {
	case "", FormatIssSub, FormatEmail:
	default:
		return badf("format %q is not supported: use iss_sub or email", c.Format)
	}
	if in.Delivery != nil || replace {
		if err := t.applyDelivery(tenant, d, in.Delivery); err != nil {
			return err
		}
	}
	if len(c.Description) > 1024 || len(c.Aud) > 16 || len(c.EventsRequested) > 64 {
		return badf("description (1024 bytes), aud (16) or events_requested (64) too long")
	}
	c.Iss = t.Issuer(tenant)
	c.EventsSupported = supported
	c.MinVerificationInterval = int(t.cfg.MinVerificationInterval / time.Second)
	req := c.EventsRequested
	if len(req) == 0 {
		req = defaultRequested
	}
	c.EventsDelivered = []string{}
	for _, e := range supported {
		if slices.Contains(req, e) {
			c.EventsDelivered = append(c.EventsDelivered, e)
		}
	}
	if len(c.Aud) == 0 {
		c.Aud = Audience{c.Iss} // SSF 1.0 §8.1.1: the transmitter chooses when the receiver does not
	}
	return nil
}

func (t *Transmitter) applyDelivery(tenant string, d *streamDoc, raw *json.RawMessage) error {
	var in struct {
		Method              string `json:"method"`
		EndpointURL         string `json:"endpoint_url"`
		AuthorizationHeader string `json:"authorization_header"`
		// Earlier SSF drafts' names.
		DeliveryMethod string `json:"delivery_method"`
		URL            string `json:"url"`
	}
	if raw != nil {
		if err := json.Unmarshal(*raw, &in); err != nil {
			return badf("delivery: %v", err)
		}
	}
	method, endpoint := firstNonEmpty(in.Method, in.DeliveryMethod), firstNonEmpty(in.EndpointURL, in.URL)
	old := d.Config.Delivery
	switch method {
	case "", DeliveryPoll:
		d.Config.Delivery = Delivery{Method: DeliveryPoll, EndpointURL: t.endpoint(tenant, pathPoll+d.Config.StreamID)}
		d.AuthSealed = nil
		return nil
	case DeliveryPush:
	default:
		return badf("delivery method %q is not supported: use %s (push) or %s (poll)", method, DeliveryPush, DeliveryPoll)
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || u.User != nil || (u.Scheme != "https" && !(u.Scheme == "http" && isLocal(u.Hostname()))) {
		return badf("push delivery needs an https endpoint_url without credentials (plain http only to a local or private host)")
	}
	d.Config.Delivery = Delivery{Method: DeliveryPush, EndpointURL: endpoint}
	switch {
	case in.AuthorizationHeader != "":
		if len(in.AuthorizationHeader) > 4096 || strings.ContainsAny(in.AuthorizationHeader, "\r\n") {
			return badf("authorization_header is not a valid header value")
		}
		sealed, err := t.keys.sealSecret(tenant, d.Config.StreamID, in.AuthorizationHeader)
		if err != nil {
			return err
		}
		d.AuthSealed = sealed
	case old.Method != DeliveryPush || old.EndpointURL != endpoint:
		// A new endpoint does not inherit the old one's credential; the
		// same endpoint keeps it (it is never read back, so a
		// read-modify-write could not resend it).
		d.AuthSealed = nil
	}
	return nil
}

// isLocal reports whether host is this machine or a private network (a
// loopback, private or link-local address, or a single-label name such as
// a container's), where a push endpoint may use plain http; public hosts
// need TLS (CAEP interoperability profile §2.1).
func isLocal(host string) bool {
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast()
	}
	return host == "localhost" || strings.HasSuffix(host, ".localhost") || !strings.Contains(host, ".")
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// outboxHead returns the Seq of the newest event in the outbox (0 when
// empty), by exponential then binary search: O(log n) reads.
func outboxHead(ctx context.Context, o store.Outbox) (int64, error) {
	has := func(after int64) (bool, int64, error) {
		evs, err := o.Events(ctx, after, 1)
		if exp, ok := errors.AsType[*store.ExpiredError](err); ok {
			return true, exp.Pruned, nil
		}
		if err != nil {
			return false, 0, fmt.Errorf("ssf: read outbox: %w", err)
		}
		return len(evs) > 0, 0, nil
	}
	lo := int64(0) // invariant: an event after lo exists (or lo is the head)
	ok, pruned, err := has(0)
	if err != nil || !ok {
		return 0, err
	}
	lo = pruned
	if lo > 0 {
		if ok, _, err = has(lo); err != nil || !ok {
			return lo, err
		}
	}
	step := int64(1)
	hi := lo + step
	for {
		ok, p, err := has(hi)
		if err != nil {
			return 0, err
		}
		if p > hi {
			hi = p
			continue
		}
		if !ok {
			break
		}
		lo, step = hi, step*2
		hi = lo + step
	}
	// head in (lo, hi]: events after lo exist, none after hi.
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, _, err := has(mid)
		if err != nil {
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
