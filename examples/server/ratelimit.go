package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scimkit/scim"
)

// rateConfig is the per-tenant rate limit (-rate-limit, -rate-burst).
type rateConfig struct {
	perSecond float64 // 0: no limit
	burst     int     // 0: the rate rounded up
}

// rateFlags holds the raw flag values until they are checked.
type rateFlags struct{ limit, burst string }

func addRateFlags(fs *flag.FlagSet, getenv func(string) string) *rateFlags {
	var rf rateFlags
	for _, f := range []envFlag{
		{"rate-limit", "SCIMKIT_RATE_LIMIT", "off", `per-tenant request rate: "off", or N/s, N/m, N/h (e.g. 50/s; Microsoft Entra needs at least 25/s); over it a tenant gets 429 with Retry-After`, &rf.limit},
		{"rate-burst", "SCIMKIT_RATE_BURST", "0", "requests a tenant may send at once above -rate-limit (0: the per-second rate, at least 1)", &rf.burst},
	} {
		f.register(fs, getenv)
	}
	return &rf
}

// config checks the flags.
func (rf *rateFlags) config() (rateConfig, error) {
	var rc rateConfig
	var err error
	if rc.perSecond, err = parseRate(rf.limit); err != nil {
		return rc, fmt.Errorf("-rate-limit: %w", err)
	}
	if rc.burst, err = strconv.Atoi(rf.burst); err != nil || rc.burst < 0 {
		return rc, fmt.Errorf("-rate-burst: %q is not a count of requests (0 or more)", rf.burst)
	}
	if rc.burst > 0 && rc.perSecond == 0 {
		return rc, fmt.Errorf("-rate-burst without -rate-limit")
	}
	return rc, nil
}

// parseRate reads "off", "0", "N", "N/s", "N/m" or "N/h" (N a positive
// number) as requests per second.
func parseRate(s string) (float64, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "" || s == "off" || s == "0" {
		return 0, nil
	}
	num, unit, slash := strings.Cut(s, "/")
	if slash && unit == "" {
		unit = "?"
	}
	n, err := strconv.ParseFloat(num, 64)
	if err != nil || !(n > 0) || n > 1e9 {
		return 0, fmt.Errorf("%q: want off or a positive rate like 50/s, 600/m", s)
	}
	per := map[string]time.Duration{"": time.Second, "s": time.Second, "sec": time.Second, "m": time.Minute, "min": time.Minute, "h": time.Hour}[unit]
	if per == 0 {
		return 0, fmt.Errorf("%q: the unit after / is s, m or h", s)
	}
	return n / per.Seconds(), nil
}

// limiter returns the scim.Limiter for rc, or nil when there is no limit.
func (rc rateConfig) limiter() (scim.Limiter, error) {
	if rc.perSecond == 0 {
		return nil, nil
	}
	l, err := scim.NewRateLimiter(scim.RateLimiterConfig{Rate: rc.perSecond, Burst: rc.burst})
	if err != nil {
		return nil, fmt.Errorf("-rate-limit: %w", err)
	}
	return l, nil
}

// String describes the limit for the banner.
func (rc rateConfig) String() string {
	if rc.perSecond == 0 {
		return "off"
	}
	burst := rc.burst
	if burst == 0 {
		burst = max(1, int(rc.perSecond+0.999999))
	}
	return fmt.Sprintf("%g requests/s per tenant, burst %d", rc.perSecond, burst)
}
