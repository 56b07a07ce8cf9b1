package periodic

import (
	"context"
	"sync"
	"time"
)

// Runner calls a function every interval in its own goroutine. The zero
// value is a stopped Runner whose Stop does nothing.
type Runner struct {
	stop chan struct{}
	once sync.Once
	wg   sync.WaitGroup
}

// Start starts calling fn every interval (never at once) until Stop; the
// context passed to fn is cancelled by Stop, so a long run ends early. A
// Runner is started at most once.
func (r *Runner) Start(interval time.Duration, fn func(ctx context.Context)) {
	r.stop = make(chan struct{})
	r.wg.Go(func() {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() { <-r.stop; cancel() }()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-r.stop:
				return
			case <-t.C:
				fn(ctx)
			}
		}
	})
}

// Stop stops the Runner and waits for a running call of fn to return. It
// may be called more than once, and on a Runner never started.
func (r *Runner) Stop() {
	if r.stop == nil {
		return
	}
	r.once.Do(func() { close(r.stop) })
	r.wg.Wait()
}
