package periodic

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunnerCallsUntilStopped(t *testing.T) {
	var r Runner
	var calls atomic.Int32
	cancelled := make(chan struct{})
	r.Start(time.Millisecond, func(ctx context.Context) {
		if calls.Add(1) == 3 {
			go func() { <-ctx.Done(); close(cancelled) }()
		}
	})
	for calls.Load() < 3 {
		time.Sleep(time.Millisecond)
	}
	r.Stop()
	n := calls.Load()
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("Stop did not cancel the context passed to fn")
	}
	time.Sleep(5 * time.Millisecond)
	if got := calls.Load(); got != n {
		t.Errorf("fn called %d times after Stop", got-n)
	}
	r.Stop() // twice is fine
}

func TestStopNeverStarted(t *testing.T) {
	var r Runner
	r.Stop()
}
