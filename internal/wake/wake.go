package wake

import (
	"context"
	"sync"
)

// Hub fans a signal out to every subscriber. Its zero value is ready to
// use; it must not be copied after first use. It is safe for concurrent use.
type Hub struct {
	mu   sync.Mutex
	subs map[chan struct{}]struct{}
}

// Fire wakes every subscriber without blocking: a subscriber that has not
// consumed its previous signal gets no second one (signals coalesce).
func (h *Hub) Fire() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// Subscribe returns a channel that receives a value after each Fire (coalesced)
// until ctx is done, when it is closed.
func (h *Hub) Subscribe(ctx context.Context) <-chan struct{} {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[chan struct{}]struct{}{}
	}
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	context.AfterFunc(ctx, func() {
		h.mu.Lock()
		delete(h.subs, ch)
		close(ch)
		h.mu.Unlock()
	})
	return ch
}
