package scim

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// fakeClock is a settable clock for RateLimiter tests.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func newTestRateLimiter(t *testing.T, cfg RateLimiterConfig) (*RateLimiter, *fakeClock) {
	t.Helper()
	l, err := NewRateLimiter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l.now = c.now
	return l, c
}

func TestRateLimiterBurstThenRate(t *testing.T) {
	l, clock := newTestRateLimiter(t, RateLimiterConfig{Rate: 10, Burst: 3})
	for i := range 3 {
		if ok, _ := l.Allow(t.Context(), "t1"); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := l.Allow(t.Context(), "t1")
	if ok || wait != 100*time.Millisecond {
		t.Fatalf("4th request: ok=%v wait=%v, want refused with 100ms", ok, wait)
	}
	// A refused request takes no token: after the wait one is there.
	clock.t = clock.t.Add(wait)
	if ok, _ := l.Allow(t.Context(), "t1"); !ok {
		t.Fatal("request after Retry-After refused")
	}
	if ok, _ := l.Allow(t.Context(), "t1"); ok {
		t.Fatal("second request after one refill allowed")
	}
	// Another tenant has its own bucket.
	if ok, _ := l.Allow(t.Context(), "t2"); !ok {
		t.Fatal("t2 throttled by t1's traffic")
	}
}

func TestRateLimiterBoundedKeys(t *testing.T) {
	l, _ := newTestRateLimiter(t, RateLimiterConfig{Rate: 1, Burst: 1, MaxKeys: 5})
	for i := range 100 {
		l.Allow(t.Context(), fmt.Sprint("tenant-", i))
	}
	if n := l.Keys(); n != 5 {
		t.Fatalf("Keys() = %d, want 5", n)
	}
	// The most recent keys are kept: tenant-99 is still throttled.
	if ok, _ := l.Allow(t.Context(), "tenant-99"); ok {
		t.Fatal("tenant-99's bucket was dropped although recently used")
	}
}

func TestRateLimiterDefaultsAndErrors(t *testing.T) {
	for _, cfg := range []RateLimiterConfig{{}, {Rate: -1}, {Rate: math.NaN()}, {Rate: math.Inf(1)}, {Rate: 1, Burst: -1}, {Rate: 1, MaxKeys: -1}} {
		if _, err := NewRateLimiter(cfg); err == nil {
			t.Errorf("NewRateLimiter(%+v) accepted", cfg)
		}
	}
	l, _ := newTestRateLimiter(t, RateLimiterConfig{Rate: 2.5})
	if l.cfg.Burst != 3 || l.cfg.MaxKeys != DefaultRateLimitKeys {
		t.Fatalf("defaults: burst %d, keys %d", l.cfg.Burst, l.cfg.MaxKeys)
	}
	if l, _ := newTestRateLimiter(t, RateLimiterConfig{Rate: 1e300}); l.cfg.Burst != math.MaxInt32 {
		t.Errorf("burst of a huge rate: %d, want it clamped to %d", l.cfg.Burst, math.MaxInt32)
	}
}

// TestRateLimiterInHandler: a tenant over its rate gets 429 with
// Retry-After and a SCIM error body; the other tenant is served.
func TestRateLimiterInHandler(t *testing.T) {
	l, _ := newTestRateLimiter(t, RateLimiterConfig{Rate: 0.5, Burst: 2})
	h := newTestHandler(t, Config{Limiter: l})
	for range 2 {
		if r := do(t, h, request{method: "GET", target: "/Users"}); r.code != 200 {
			t.Fatalf("within burst: %d %s", r.code, r.body)
		}
	}
	r := do(t, h, request{method: "GET", target: "/Users"})
	if r.code != 429 || r.header.Get("Retry-After") != "2" {
		t.Fatalf("over the rate: %d Retry-After %q, want 429 and 2", r.code, r.header.Get("Retry-After"))
	}
	if r.json["status"] != "429" || r.json["detail"] == nil {
		t.Fatalf("429 body is not a SCIM error: %s", r.body)
	}
	if r := do(t, h, request{method: "GET", target: "/Users", token: testToken2}); r.code != 200 {
		t.Fatalf("other tenant: %d %s", r.code, r.body)
	}
}
