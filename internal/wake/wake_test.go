package wake

import (
	"context"
	"testing"
)

func TestHub(t *testing.T) {
	var h Hub
	h.Fire() // no subscribers: no effect
	ctx, cancel := context.WithCancel(t.Context())
	a, b := h.Subscribe(ctx), h.Subscribe(t.Context())
	h.Fire()
	h.Fire() // coalesced
	for name, ch := range map[string]<-chan struct{}{"a": a, "b": b} {
		if _, ok := <-ch; !ok {
			t.Fatalf("%s: closed, want a signal", name)
		}
		select {
		case <-ch:
			t.Fatalf("%s: second signal, want them coalesced", name)
		default:
		}
	}
	cancel()
	if _, ok := <-a; ok {
		t.Fatal("a: signal after cancel, want closed")
	}
	h.Fire() // must not panic on the closed subscriber
	if _, ok := <-b; !ok {
		t.Fatal("b: closed, want a signal")
	}
}
