package console

import (
	"net"
	"net/http"
	"strconv"
	"time"
)

// Failed sign-ins are throttled per client address: signinBurst at once,
// then one per signinRefill. A successful sign-in costs nothing. With the
// credential's minimum length this is defence in depth, and it keeps
// guessing out of the logs' noise.
const (
	signinBurst  = 10
	signinRefill = 6 * time.Second
	maxThrottled = 10000 // addresses tracked at once; the fullest buckets are forgotten first
	// overflowAddress is the key of the bucket shared by the addresses
	// that find the table full (not a valid address).
	overflowAddress = "overflow"
)

// bucket is a token bucket of failed sign-ins for one address.
type bucket struct {
	tokens float64
	last   time.Time
}

// clientIP is the address failed sign-ins are counted by.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// refill returns the bucket of ip brought up to now. c.mu is held.
func (c *Console) refill(ip string, now time.Time) *bucket {
	b := c.throttled[ip]
	if b == nil {
		if len(c.throttled) >= maxThrottled {
			for k, x := range c.throttled { // drop full buckets: they are no longer limited
				if x.tokens+now.Sub(x.last).Seconds()/signinRefill.Seconds() >= signinBurst {
					delete(c.throttled, k)
				}
			}
		}
		if len(c.throttled) >= maxThrottled {
			// Still full: addresses beyond the limit share one bucket, so
			// spreading guesses over many addresses gains nothing.
			ip = overflowAddress
			b = c.throttled[ip]
		}
		if b == nil {
			b = &bucket{tokens: signinBurst, last: now}
			c.throttled[ip] = b
		}
	}
	b.tokens = min(signinBurst, b.tokens+now.Sub(b.last).Seconds()/signinRefill.Seconds())
	b.last = now
	return b
}

// signinTake reserves a failed sign-in of r's address before the
// credential is checked: it returns 0 and takes one token when the address
// may try now, or how long it must wait. Checking and taking in one
// critical section means concurrent guesses cannot all pass the check
// before any of them is counted. A sign-in that succeeds gives its token
// back (signinRefund).
func (c *Console) signinTake(r *http.Request) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.refill(clientIP(r), c.cfg.Now())
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return time.Duration((1 - b.tokens) * float64(signinRefill))
}

// signinRefund gives back the token signinTake reserved for r, whose
// sign-in succeeded: a successful sign-in costs nothing.
func (c *Console) signinRefund(r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.refill(clientIP(r), c.cfg.Now())
	b.tokens = min(signinBurst, b.tokens+1)
}

func retryAfter(d time.Duration) string {
	return strconv.Itoa(int((d + time.Second - 1) / time.Second))
}
