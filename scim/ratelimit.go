package scim

import (
	"container/list"
	"context"
	"errors"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DefaultRateLimitKeys is the number of keys (tenants) whose buckets a
// RateLimiter keeps when RateLimiterConfig.MaxKeys is zero.
const DefaultRateLimitKeys = 10000

// RateLimiterConfig configures NewRateLimiter.
type RateLimiterConfig struct {
	// Rate is the sustained number of requests per second allowed per key
	// (tenant). Required: it must be positive.
	Rate float64
	// Burst is how many requests a key may make at once after being idle
	// (the bucket's size). Default: Rate rounded up, at least 1.
	Burst int
	// MaxKeys bounds memory: beyond it the bucket of the least recently
	// seen key is dropped (that key starts again with a full bucket).
	// Default DefaultRateLimitKeys.
	MaxKeys int
}

// RateLimiter is a Limiter with a token bucket (golang.org/x/time/rate)
// per key, the tenant when used as Config.Limiter: each tenant may make
// Burst requests at once and Rate requests per second sustained, and a
// busy tenant never slows another. A refused request is told when its
// token will be there (Retry-After). Its memory is bounded by MaxKeys.
// It is safe for concurrent use.
type RateLimiter struct {
	cfg RateLimiterConfig
	now func() time.Time // the clock; time.Now except in tests

	mu   sync.Mutex
	keys map[string]*list.Element // of *bucket
	lru  list.List                // front: most recently used
}

type bucket struct {
	key string
	lim *rate.Limiter
}

var _ Limiter = (*RateLimiter)(nil)

// NewRateLimiter checks cfg and returns a RateLimiter.
func NewRateLimiter(cfg RateLimiterConfig) (*RateLimiter, error) {
	if !(cfg.Rate > 0) || math.IsInf(cfg.Rate, 0) {
		return nil, errors.New("scim: RateLimiterConfig.Rate must be positive and finite")
	}
	if cfg.Burst < 0 || cfg.MaxKeys < 0 {
		return nil, errors.New("scim: RateLimiterConfig.Burst and MaxKeys must not be negative")
	}
	if cfg.Burst == 0 {
		cfg.Burst = int(min(math.Ceil(cfg.Rate), math.MaxInt32)) // one second's worth, within int
	}
	if cfg.MaxKeys == 0 {
		cfg.MaxKeys = DefaultRateLimitKeys
	}
	return &RateLimiter{cfg: cfg, now: time.Now, keys: map[string]*list.Element{}}, nil
}

// Allow takes a token from key's bucket. When the bucket is empty it
// returns false and how long until a token is there; the refused request
// takes nothing, so a client retrying after that wait succeeds.
func (l *RateLimiter) Allow(_ context.Context, key string) (bool, time.Duration) {
	now := l.now()
	lim := l.bucket(key)
	r := lim.ReserveN(now, 1)
	if !r.OK() { // Burst < 1 cannot happen (NewRateLimiter), kept for safety
		return false, time.Second
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// bucket returns key's limiter, creating it (and evicting the least
// recently used beyond MaxKeys) as needed.
func (l *RateLimiter) bucket(key string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.keys[key]; ok {
		l.lru.MoveToFront(e)
		return e.Value.(*bucket).lim
	}
	b := &bucket{key: key, lim: rate.NewLimiter(rate.Limit(l.cfg.Rate), l.cfg.Burst)}
	l.keys[key] = l.lru.PushFront(b)
	for len(l.keys) > l.cfg.MaxKeys {
		old := l.lru.Back()
		l.lru.Remove(old)
		delete(l.keys, old.Value.(*bucket).key)
	}
	return b.lim
}

// Keys returns the number of buckets held (at most MaxKeys).
func (l *RateLimiter) Keys() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}
