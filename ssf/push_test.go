package ssf_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/ssf"
	"github.com/scimkit/scimkit/store"
)

// runDispatcher runs a hooks.Dispatcher with the transmitter as the
// "ssf-push" consumer until the test ends.
func runDispatcher(t testing.TB, n *node) *hooks.Dispatcher {
	t.Helper()
	d, err := hooks.NewDispatcher(hooks.Config{Store: n.st, Handlers: map[string]hooks.Handler{"ssf-push": n.tx},
		PollInterval: 20 * time.Millisecond, Retry: hooks.RetryPolicy{MaxAttempts: 3, Initial: 10 * time.Millisecond, Max: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return d
}

// waitFor polls cond until it holds; the deadline only bounds a hang.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// collector is a push receiver that records what it is sent.
type collector struct {
	mu     sync.Mutex
	tokens []string
	auth   []string
	fail   int // answer 503 to this many requests first
	failed int // requests answered 503
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	defer c.mu.Unlock()
	if r.Header.Get("Content-Type") != "application/secevent+jwt" {
		w.WriteHeader(400)
		return
	}
	if c.fail > 0 {
		c.fail--
		c.failed++
		w.WriteHeader(503)
		return
	}
	c.tokens = append(c.tokens, string(b))
	c.auth = append(c.auth, r.Header.Get("Authorization"))
	w.WriteHeader(http.StatusAccepted)
}

func (c *collector) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.tokens)
}

func TestPushDelivery(t *testing.T) { forEachBackend(t, testPushDelivery) }

func testPushDelivery(t *testing.T, st store.Store) {
	n := newNode(t, st, nil)
	rcv := &collector{fail: 1}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	early := n.createUser(tokDefault, "early", "early@example.com")
	n.deactivate(tokDefault, early) // before the stream
	c := n.createStream(tokDefault, `{"aud":"https://rp.example.com","format":"email","delivery":{"method":"urn:ietf:rfc:8935","endpoint_url":"`+srv.URL+`","authorization_header":"Bearer push-secret"}}`)
	if c.Delivery.AuthorizationHeader != "" {
		t.Error("the push credential is read back")
	}
	runDispatcher(t, n)
	id := n.createUser(tokDefault, "bjensen", "bjensen@example.com")
	n.deactivate(tokDefault, id)
	waitFor(t, "a pushed SET", func() bool { return rcv.count() >= 1 })
	keys := n.jwks("/ssf/jwks")
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if len(rcv.tokens) != 1 {
		t.Fatalf("pushed %d SETs, want 1 session-revoked (the early user's is not for this stream)", len(rcv.tokens))
	}
	s := verify(t, rcv.tokens[0], keys)
	typ, _, _ := s.Event()
	if typ != ssf.EventSessionRevoked || s.Subject.Format != "email" || s.Subject.Email != "bjensen@example.com" {
		t.Errorf("pushed %s about %+v", typ, s.Subject)
	}
	if rcv.auth[0] != "Bearer push-secret" {
		t.Errorf("Authorization %q", rcv.auth[0])
	}
	if strings.Contains(strings.Join(rcv.tokens, ""), "early") {
		t.Error("an event from before the stream was pushed")
	}
}

// TestPushPaused: a paused push stream holds its events and pushes them,
// after the stream-updated SETs, once enabled again.
func TestPushPaused(t *testing.T) {
	st := newStore()
	n := newNode(t, st, nil)
	rcv := &collector{}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	c := n.createStream(tokDefault, `{"aud":"x","delivery":{"method":"urn:ietf:rfc:8935","endpoint_url":"`+srv.URL+`"}}`)
	runDispatcher(t, n)
	n.must(200, "POST", "/ssf/status", tokDefault, `{"stream_id":"`+c.StreamID+`","status":"paused"}`, nil)
	n.deactivate(tokDefault, n.createUser(tokDefault, "held", "held@example.com"))
	waitFor(t, "the event held", func() bool {
		s, err := st.GetState(t.Context(), "default", "ssf/stream/"+c.StreamID)
		return err == nil && strings.Contains(string(s.Value), `"held":[`)
	})
	if rcv.count() != 0 {
		t.Fatalf("a paused stream pushed %d SETs", rcv.count())
	}
	n.must(200, "POST", "/ssf/status", tokDefault, `{"stream_id":"`+c.StreamID+`","status":"enabled"}`, nil)
	waitFor(t, "the held SET and the stream-updated SETs", func() bool { return rcv.count() >= 3 })
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	var types []string
	for _, tok := range rcv.tokens {
		_, s, err := ssf.ParseSET(tok, nil)
		if err != nil {
			t.Fatal(err)
		}
		typ, _, _ := s.Event()
		types = append(types, typ)
	}
	want := []string{ssf.EventStreamUpdated, ssf.EventStreamUpdated, ssf.EventSessionRevoked}
	if strings.Join(types, " ") != strings.Join(want, " ") {
		t.Errorf("pushed %v, want %v", types, want)
	}
}

// TestPushHeldInOrder: when the receiver is down as a paused stream is
// enabled again, the held SETs are pushed once it is back, without
// waiting for another event, and before the SETs of any later event.
func TestPushHeldInOrder(t *testing.T) {
	st := newStore()
	n := newNode(t, st, nil)
	rcv := &collector{}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	c := n.createStream(tokDefault, `{"aud":"x","events_requested":["`+ssf.EventSessionRevoked+`","`+ssf.EventAccountEnabled+`"],"delivery":{"method":"urn:ietf:rfc:8935","endpoint_url":"`+srv.URL+`"}}`)
	runDispatcher(t, n)
	n.must(200, "POST", "/ssf/status", tokDefault, `{"stream_id":"`+c.StreamID+`","status":"paused"}`, nil)
	id := n.createUser(tokDefault, "held", "held@example.com")
	n.deactivate(tokDefault, id)
	waitFor(t, "the event held", func() bool {
		s, err := st.GetState(t.Context(), "default", "ssf/stream/"+c.StreamID)
		return err == nil && strings.Contains(string(s.Value), `"held":[`)
	})
	rcv.mu.Lock()
	rcv.fail = 1_000_000 // the receiver is down
	rcv.mu.Unlock()
	n.must(200, "POST", "/ssf/status", tokDefault, `{"stream_id":"`+c.StreamID+`","status":"enabled"}`, nil)
	waitFor(t, "a push refused", func() bool { rcv.mu.Lock(); defer rcv.mu.Unlock(); return rcv.failed > 0 })
	rcv.mu.Lock()
	rcv.fail = 0 // back; no new event yet
	rcv.mu.Unlock()
	waitFor(t, "the held SET pushed without a new event", func() bool { return rcv.count() >= 3 })
	code, body := n.do("PATCH", "/scim/v2/Users/"+id, tokDefault,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":true}}]}`)
	if code != 200 {
		t.Fatalf("reactivate: %d %s", code, body)
	}
	waitFor(t, "the account-enabled SET", func() bool { return rcv.count() >= 4 })
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	var types []string
	for _, tok := range rcv.tokens {
		_, s, err := ssf.ParseSET(tok, nil)
		if err != nil {
			t.Fatal(err)
		}
		typ, _, _ := s.Event()
		types = append(types, typ[strings.LastIndex(typ, "/")+1:])
	}
	want := "stream-updated stream-updated session-revoked account-enabled"
	if got := strings.Join(types, " "); got != want {
		t.Errorf("pushed %s, want %s", got, want)
	}
}
