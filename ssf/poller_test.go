package ssf_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/ssf"
)

// TestLongPoll: a poll without returnImmediately waits for the next
// event and returns its SET.
func TestLongPoll(t *testing.T) {
	n := newNode(t, newStore(), func(c *ssf.Config) { c.LongPoll = 20 * time.Second })
	c := n.createStream(tokDefault, `{"aud":"x"}`)
	id := n.createUser(tokDefault, "bjensen", "bjensen@example.com")
	var wg sync.WaitGroup
	var resp ssf.PollResponse
	wg.Go(func() { resp = n.poll(c.Delivery.EndpointURL, tokDefault, ssf.PollRequest{}) })
	time.Sleep(50 * time.Millisecond) // let the poll start waiting (the test passes either way)
	n.deactivate(tokDefault, id)
	wg.Wait()
	if len(resp.Sets) != 1 {
		t.Fatalf("long poll returned %v", resp.Sets)
	}
}

// TestPollerAcksAndRefuses: the receiver's poller acknowledges what it
// processed and reports what it refused in setErrs; the transmitter then
// drops both, so the stream runs dry.
func TestPollerAcksAndRefuses(t *testing.T) {
	st := newStore()
	n := newNode(t, st, nil)
	good := n.createStream(tokDefault, `{"aud":"https://rx.example"}`)
	bad := n.createStream(tokDefault, `{"aud":"https://someone-else.example"}`)
	id := n.createUser(tokDefault, "bjensen", "bjensen@example.com")
	n.deactivate(tokDefault, id)
	var revoked []hooks.Revocation
	rx, err := ssf.NewReceiver(ssf.ReceiverConfig{Store: st,
		Trusted: map[string][]ssf.TrustedTransmitter{"default": {{Issuer: n.srv.URL, Audience: []string{"https://rx.example"}}}},
		Revoker: hooks.RevokerFunc(func(_ context.Context, r hooks.Revocation) error { revoked = append(revoked, r); return nil })})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []ssf.StreamConfig{good, bad} {
		tt := ssf.TrustedTransmitter{Issuer: n.srv.URL, Audience: []string{"https://rx.example"}, PollURL: c.Delivery.EndpointURL, PollAuthorization: "Bearer " + tokDefault}
		req := ssf.PollRequest{ReturnImmediately: true}
		next, err := rx.PollOnce(t.Context(), "default", tt, req)
		if err != nil {
			t.Fatal(err)
		}
		if c.StreamID == good.StreamID && (len(next.Ack) != 1 || len(next.SetErrs) != 0) {
			t.Errorf("good stream: ack %v, setErrs %v", next.Ack, next.SetErrs)
		}
		if c.StreamID == bad.StreamID {
			if len(next.Ack) != 0 || len(next.SetErrs) != 1 {
				t.Fatalf("wrong audience: ack %v, setErrs %v", next.Ack, next.SetErrs)
			}
			for _, e := range next.SetErrs {
				if e.Err != "invalid_audience" {
					t.Errorf("setErr %+v", e)
				}
			}
		}
		next.ReturnImmediately = true
		if _, err := rx.PollOnce(t.Context(), "default", tt, next); err != nil {
			t.Fatal(err)
		}
		if left := n.poll(c.Delivery.EndpointURL, tokDefault, ssf.PollRequest{ReturnImmediately: true}); len(left.Sets) != 0 {
			t.Errorf("stream %s still hands out %d SETs after ack/setErrs", c.StreamID, len(left.Sets))
		}
	}
	if len(revoked) != 1 || revoked[0].UserID != id || revoked[0].Reason != "session-revoked" {
		t.Errorf("revoked: %+v", revoked)
	}
}

// TestAutomaticRotation: with KeyRotation, a signing key older than the
// period is replaced on next use, the previous one still published.
func TestAutomaticRotation(t *testing.T) {
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	n := newNode(t, newStore(), func(c *ssf.Config) { c.KeyRotation = 24 * time.Hour; c.Now = clock })
	first := n.jwks("/ssf/jwks").Keys[0].KeyID
	mu.Lock()
	now = now.Add(25 * time.Hour)
	mu.Unlock()
	keys := n.jwks("/ssf/jwks").Keys
	if len(keys) != 2 || keys[0].KeyID == first || keys[1].KeyID != first {
		t.Errorf("after the rotation period: %d keys", len(keys))
	}
}
