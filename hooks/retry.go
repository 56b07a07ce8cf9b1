package hooks

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Retry policy defaults.
const (
	DefaultInitialBackoff = 100 * time.Millisecond
	DefaultMaxBackoff     = time.Minute
	DefaultMultiplier     = 2
	DefaultJitter         = 0.2
	DefaultMaxAttempts    = 20
)

// RetryPolicy says how often and how fast a failed delivery is retried:
// exponential backoff with jitter, bounded by MaxAttempts, after which
// the event is parked. Zero fields take the defaults: with them an event
// is tried 20 times over about 12 minutes (0.1s, 0.2s, ... doubling up to
// 1 minute between attempts) before it is parked.
type RetryPolicy struct {
	// Initial and Max bound the wait between attempts (defaults 100ms, 1m).
	Initial, Max time.Duration
	// Multiplier grows the wait after each failure (default 2; at least 1).
	Multiplier float64
	// Jitter randomises each wait by ± this fraction (default 0.2; at most
	// 1; negative: no jitter), so receivers recovering from an outage are
	// not hit by every sender at once.
	Jitter float64
	// MaxAttempts is how many deliveries are tried before the event is
	// parked (default 20; 1 means no retry).
	MaxAttempts int
}

// withDefaults checks p and fills in defaults.
func (p RetryPolicy) withDefaults() (RetryPolicy, error) {
	if p.Initial < 0 || p.Max < 0 || p.Multiplier < 0 || p.MaxAttempts < 0 || p.Jitter > 1 {
		return p, fmt.Errorf("hooks: invalid RetryPolicy %+v: durations, Multiplier and MaxAttempts must not be negative, Jitter at most 1", p)
	}
	if p.Initial == 0 {
		p.Initial = DefaultInitialBackoff
	}
	if p.Max == 0 {
		p.Max = max(DefaultMaxBackoff, p.Initial)
	}
	if p.Max < p.Initial {
		return p, errors.New("hooks: RetryPolicy.Max is below Initial")
	}
	if p.Multiplier == 0 {
		p.Multiplier = DefaultMultiplier
	}
	if p.Multiplier < 1 {
		return p, errors.New("hooks: RetryPolicy.Multiplier must be at least 1")
	}
	if p.Jitter == 0 {
		p.Jitter = DefaultJitter
	}
	if p.Jitter < 0 {
		p.Jitter = 0
	}
	if p.MaxAttempts == 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	return p, nil
}

// Backoff returns the wait after the attempt-th failed delivery (1-based):
// Initial·Multiplier^(attempt-1), capped at Max, randomised by ±Jitter.
// Call it on a policy with its defaults filled (as the Dispatcher does);
// zero fields are taken as the defaults.
func (p RetryPolicy) Backoff(attempt int) time.Duration {
	if q, err := p.withDefaults(); err == nil {
		p = q
	}
	d := float64(p.Initial) * math.Pow(p.Multiplier, float64(max(attempt, 1)-1))
	d = min(d, float64(p.Max))
	if p.Jitter > 0 {
		d *= 1 + p.Jitter*(2*rand.Float64()-1)
	}
	return time.Duration(d)
}
