package postgres

import (
	"slices"
	"sync"
)

// grouper is the queue behind the Store's shared commits: callers add
// requests, and up to workers goroutines each take the queued requests, up
// to max at a time, and hand them to write, which answers every one of
// them (each request carries its own way of answering). One caller alone
// is written at once, as a group of one; under load, the requests that
// arrive while the workers are busy are written together. Both the
// provisioning log's appends (provlog_append.go) and the writes that are
// one implicit transaction (shared.go) use it.
type grouper[R any] struct {
	mu      sync.Mutex
	pending []R
	closed  bool
	wake    chan struct{} // cap 1: pending may not be empty
	stop    chan struct{}
	wg      sync.WaitGroup
	max     int
	write   func(group []R)
}

// start starts the workers; Open calls it once per grouper.
func (g *grouper[R]) start(workers, max int, write func(group []R)) {
	g.wake, g.stop = make(chan struct{}, 1), make(chan struct{})
	g.max, g.write = max, write
	for range workers {
		g.wg.Go(g.loop)
	}
}

// close refuses new requests, lets the workers write the queued ones and
// waits for them; Close calls it before closing the pool.
func (g *grouper[R]) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	close(g.stop)
	g.wg.Wait()
}

// add queues r, or returns false when the grouper is closed.
func (g *grouper[R]) add(r R) bool {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return false
	}
	g.pending = append(g.pending, r)
	g.mu.Unlock()
	g.signal()
	return true
}

func (g *grouper[R]) signal() {
	select {
	case g.wake <- struct{}{}:
	default:
	}
}

// queued returns the number of requests waiting for a worker (for tests).
func (g *grouper[R]) queued() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.pending)
}

// loop writes queued requests, a group at a time, until stop; then it
// writes what is still queued and returns.
func (g *grouper[R]) loop() {
	for {
		select {
		case <-g.wake:
		case <-g.stop:
		}
		for {
			g.mu.Lock()
			n := min(len(g.pending), g.max)
			group := slices.Clone(g.pending[:n])
			g.pending = g.pending[n:]
			more, closed := len(g.pending) > 0, g.closed
			g.mu.Unlock()
			if n == 0 {
				if closed {
					return
				}
				break
			}
			if more {
				g.signal() // an idle worker takes the rest meanwhile
			}
			g.write(group)
		}
	}
}
