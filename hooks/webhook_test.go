package hooks_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/hooks/hookstest"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
)

// The test vector published with the Standard Webhooks reference
// implementations.
const (
	vectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTS     = "1614265330"
	vectorBody   = `{"test": 2432232314}`
	vectorSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestVerifyWebhook(t *testing.T) {
	sinceVector := time.Since(time.Unix(1614265330, 0)) + time.Hour
	other := hooks.NewWebhookSecret()
	tests := []struct {
		name      string
		secrets   []string
		id, ts    string
		sig, body string
		tolerance time.Duration
		want      error // nil, a sentinel, or errAny
	}{
		{"vector", []string{vectorSecret}, vectorID, vectorTS, vectorSig, vectorBody, sinceVector, nil},
		{"vector without prefix", []string{strings.TrimPrefix(vectorSecret, "whsec_")}, vectorID, vectorTS, vectorSig, vectorBody, sinceVector, nil},
		{"rotation: second secret", []string{other, vectorSecret}, vectorID, vectorTS, vectorSig, vectorBody, sinceVector, nil},
		{"several signatures", []string{vectorSecret}, vectorID, vectorTS, "v1,bm9wZQ== " + vectorSig, vectorBody, sinceVector, nil},
		{"other secret", []string{other}, vectorID, vectorTS, vectorSig, vectorBody, sinceVector, hooks.ErrWebhookSignature},
		{"body changed", []string{vectorSecret}, vectorID, vectorTS, vectorSig, `{"test": 2432232315}`, sinceVector, hooks.ErrWebhookSignature},
		{"id changed", []string{vectorSecret}, "msg_other", vectorTS, vectorSig, vectorBody, sinceVector, hooks.ErrWebhookSignature},
		{"other version", []string{vectorSecret}, vectorID, vectorTS, "v1a," + strings.TrimPrefix(vectorSig, "v1,"), vectorBody, sinceVector, hooks.ErrWebhookSignature},
		{"too old", []string{vectorSecret}, vectorID, vectorTS, vectorSig, vectorBody, time.Minute, hooks.ErrWebhookTimestamp},
		{"default tolerance", []string{vectorSecret}, vectorID, vectorTS, vectorSig, vectorBody, 0, hooks.ErrWebhookTimestamp},
		{"bad timestamp", []string{vectorSecret}, vectorID, "yesterday", vectorSig, vectorBody, sinceVector, hooks.ErrWebhookTimestamp},
		{"no signature", []string{vectorSecret}, vectorID, vectorTS, "", vectorBody, sinceVector, hooks.ErrWebhookSignature},
		{"no id", []string{vectorSecret}, "", vectorTS, vectorSig, vectorBody, sinceVector, hooks.ErrWebhookSignature},
		{"invalid secret", []string{"whsec_not base64!"}, vectorID, vectorTS, vectorSig, vectorBody, sinceVector, errAny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			h.Set("webhook-id", tc.id)
			h.Set("webhook-timestamp", tc.ts)
			h.Set("webhook-signature", tc.sig)
			err := hooks.VerifyWebhook(tc.secrets, h, []byte(tc.body), tc.tolerance)
			switch {
			case tc.want == nil && err != nil, tc.want != nil && err == nil:
				t.Fatalf("VerifyWebhook = %v, want %v", err, tc.want)
			case tc.want != nil && tc.want != errAny && !errors.Is(err, tc.want):
				t.Fatalf("VerifyWebhook = %v, want an error wrapping %v", err, tc.want)
			}
		})
	}
}

var errAny = errors.New("any error")

// TestWebhookRotation: with two secrets the request carries two
// signatures; a receiver knowing either secret accepts it.
func TestWebhookRotation(t *testing.T) {
	oldSecret, newSecret := hooks.NewWebhookSecret(), hooks.NewWebhookSecret()
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		for _, secrets := range [][]string{{oldSecret}, {newSecret}, {hooks.NewWebhookSecret()}} {
			got = append(got, errString(hooks.VerifyWebhook(secrets, r.Header, body, 0)))
		}
		got = append(got, strconv.Itoa(strings.Count(r.Header.Get("webhook-signature"), "v1,")), r.Header.Get("webhook-id"))
		var payload struct {
			Type string
			Data struct {
				ID, ResourceID string
				Seq            int64
			}
		}
		json.Unmarshal(body, &payload)
		got = append(got, payload.Type, payload.Data.ID, payload.Data.ResourceID)
	}))
	defer srv.Close()
	wh := &hooks.Webhook{URL: srv.URL, Secrets: []string{newSecret, oldSecret}}
	ev := store.Event{Seq: 7, ID: "evt-1", Type: store.UserDeactivated, Tenant: "t", ResourceType: "User", ResourceID: "u1", Time: time.Now()}
	if err := wh.HandleEvent(t.Context(), ev); err != nil {
		t.Fatal(err)
	}
	want := []string{"", "", "hooks: webhook signature does not match", "2", "evt-1", "user.deactivated", "evt-1", "u1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("receiver saw (-want +got):\n%s", diff)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestWebhookStatus: 2xx succeeds, 4xx other than 408/429 is permanent,
// everything else (and a timeout) is retried.
func TestWebhookStatus(t *testing.T) {
	tests := []struct {
		status    int
		wantErr   bool
		permanent bool
	}{
		{200, false, false}, {204, false, false},
		{400, true, true}, {401, true, true}, {404, true, true}, {410, true, true}, {422, true, true},
		{408, true, false}, {429, true, false}, {302, true, false},
		{500, true, false}, {502, true, false}, {503, true, false},
		{0, true, false}, // 0: the receiver never answers in time
	}
	for _, tc := range tests {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			stop := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.status == 0 {
					select {
					case <-r.Context().Done():
					case <-stop:
					}
					return
				}
				w.Header().Set("Location", "/elsewhere")
				w.WriteHeader(tc.status)
			}))
			defer srv.Close()
			defer close(stop)
			wh := &hooks.Webhook{URL: srv.URL, Secrets: []string{hooks.NewWebhookSecret()}, Timeout: 50 * time.Millisecond}
			err := wh.HandleEvent(t.Context(), store.Event{ID: "e", Type: store.UserCreated, Time: time.Now()})
			if (err != nil) != tc.wantErr || hooks.IsPermanent(err) != tc.permanent {
				t.Errorf("HandleEvent = %v (permanent %v), want error %v, permanent %v", err, hooks.IsPermanent(err), tc.wantErr, tc.permanent)
			}
		})
	}
	if err := (&hooks.Webhook{URL: "http://x"}).HandleEvent(t.Context(), store.Event{}); !hooks.IsPermanent(err) {
		t.Errorf("Webhook without secrets = %v, want a permanent error", err)
	}
}

// TestWebhookDispatch: through a Dispatcher, a 4xx answer parks the event
// after one attempt, and 5xx answers are retried until the receiver
// accepts.
func TestWebhookDispatch(t *testing.T) {
	tests := []struct {
		name         string
		statuses     []int // answers in order; the last repeats
		wantHits     int
		wantAttempts int // of the parked event; 0: delivered
	}{
		{"4xx parked at once", []int{400}, 1, 1},
		{"5xx retried", []int{500, 503, 200}, 3, 0},
		{"5xx until MaxAttempts", []int{500}, 4, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(hits.Add(1))
				w.WriteHeader(tc.statuses[min(n, len(tc.statuses))-1])
			}))
			defer srv.Close()
			s := memory.New()
			defer s.Close()
			clk := hookstest.NewClock(fakeStart)
			d := hookstest.Start(t, hooks.Config{Store: s, Clock: clk, Retry: hooks.RetryPolicy{MaxAttempts: 4},
				Handlers: map[string]hooks.Handler{"webhook": &hooks.Webhook{URL: srv.URL, Secrets: []string{hooks.NewWebhookSecret()}}}})
			commitChanges(t, s, "w", 1)
			waitFor(t, clk, time.Second, "the final answer", func() bool {
				cp, _ := s.Checkpoint(t.Context(), "webhook")
				return cp == 1
			})
			if got := int(hits.Load()); got != tc.wantHits {
				t.Errorf("receiver hit %d times, want %d", got, tc.wantHits)
			}
			parked, err := d.Parked(t.Context(), "webhook")
			if err != nil {
				t.Fatal(err)
			}
			var attempts int
			if len(parked) == 1 {
				attempts = parked[0].Attempts
			}
			if attempts != tc.wantAttempts || len(parked) > 1 {
				t.Errorf("parked %d events (attempts %d), want attempts %d", len(parked), attempts, tc.wantAttempts)
			}
		})
	}
}
