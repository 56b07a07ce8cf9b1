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
		if c.signinWait(r) > 0 {
			break
		}
		c.signinFailed(r)
		fails++
	}
	if fails != signinBurst {
		t.Errorf("%d failed sign-ins from new addresses with a full table before a wait, want %d", fails, signinBurst)
	}
	if len(c.throttled) > maxThrottled+1 {
		t.Errorf("%d addresses tracked, want at most %d", len(c.throttled), maxThrottled+1)
	}
}
