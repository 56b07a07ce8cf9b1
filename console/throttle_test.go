package console

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/scimkit/scimkit/store/memory"
)

// TestThrottleFull: when the table of addresses is full of addresses that
// are still limited, a new address is not let through unlimited: the
// overflow shares one bucket.
func TestThrottleFull(t *testing.T) {
	now := time.Now()
	c, err := New(Config{Store: memory.New(), AdminToken: "admin-0123456789-abcdefghij", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	for i := range maxThrottled {
		c.throttled[fmt.Sprintf("10.0.%d.%d", i/256, i%256)] = &bucket{tokens: 0, last: now}
	}
	fails := 0
	for i := range 3 * signinBurst { // each guess from a new address
		r := httptest.NewRequest("POST", "/admin/signin", nil)
		r.RemoteAddr = fmt.Sprintf("192.0.2.%d:1234", i)
		if c.signinTake(r) > 0 {
			break
		}
		fails++
	}
	if fails != signinBurst {
		t.Errorf("%d failed sign-ins from new addresses with a full table before a wait, want %d", fails, signinBurst)
	}
	if len(c.throttled) > maxThrottled+1 {
		t.Errorf("%d addresses tracked, want at most %d", len(c.throttled), maxThrottled+1)
	}
}

// TestThrottleReservesBeforeCheck: an attempt takes its token before the
// credential is checked, so attempts in flight at once (none of them
// counted as failed yet) cannot exceed the burst; a sign-in that succeeds
// gives its token back.
func TestThrottleReservesBeforeCheck(t *testing.T) {
	now := time.Now()
	c, err := New(Config{Store: memory.New(), AdminToken: "admin-0123456789-abcdefghij", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("POST", "/admin/signin", nil)
	r.RemoteAddr = "192.0.2.7:1234"
	inFlight := 0
	for range 3 * signinBurst { // attempts that have passed the throttle, none finished
		if c.signinTake(r) > 0 {
			break
		}
		inFlight++
	}
	if inFlight != signinBurst {
		t.Errorf("%d attempts let through at once, want %d", inFlight, signinBurst)
	}
	c.signinRefund(r) // one of them succeeded
	if c.signinTake(r) != 0 {
		t.Error("a successful sign-in's token was not given back")
	}
	if c.signinTake(r) == 0 {
		t.Error("more attempts than the burst let through")
	}
}

// TestRevealEvictsOldest: with maxReveals secrets waiting, a new one drops
// the oldest, never a newer one (a burst of issued tokens keeps the
// secrets their operators are about to see).
func TestRevealEvictsOldest(t *testing.T) {
	now := time.Now()
	c, err := New(Config{Store: memory.New(), AdminToken: "admin-0123456789-abcdefghij", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	c.reveals["expired"] = &reveal{expires: now.Add(-time.Second)}
	for i := range maxReveals {
		c.reveals[fmt.Sprint("h", i)] = &reveal{expires: now.Add(time.Duration(i+1) * time.Millisecond)}
	}
	c.mu.Lock()
	c.makeRoomForReveal(now)
	c.mu.Unlock()
	if _, ok := c.reveals["expired"]; ok {
		t.Error("an expired secret was kept")
	}
	if _, ok := c.reveals["h0"]; ok {
		t.Error("the oldest secret was kept with the table full")
	}
	if len(c.reveals) != maxReveals-1 {
		t.Errorf("%d secrets kept, want %d (only the oldest dropped)", len(c.reveals), maxReveals-1)
	}
}
