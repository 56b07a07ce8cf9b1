package hooks

import "time"

// Clock is the time source of a Dispatcher's retry backoff, polling and
// lease renewal. Tests use a fake one (hookstest.Clock) to run long
// outages in no time. A nil Clock in Config means the real clock.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// After returns a channel that receives the time once d has elapsed.
	After(d time.Duration) <-chan time.Time
}

// realClock is the system clock.
type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
