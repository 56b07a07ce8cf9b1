// Package hookstest helps test code built on package hooks: a fake Clock
// that makes hours of retry backoff pass instantly, a helper that runs a
// Dispatcher for the length of a test, and a latency recorder for
// benchmarks (for example, from the SCIM PATCH that deactivates a user to
// the revoker being called).
//
//	func TestRevokeIsRetried(t *testing.T) {
//		st := memory.New()
//		clock := hookstest.NewClock(time.Now())
//		var calls atomic.Int32
//		flaky := hooks.HandlerFunc(func(ctx context.Context, ev hooks.Event) error {
//			if calls.Add(1) == 1 {
//				return errors.New("session store down") // retried after a backoff
//			}
//			return nil
//		})
//		hookstest.Start(t, hooks.Config{Store: st, Clock: clock, Handlers: map[string]hooks.Handler{"revoke": flaky}})
//		st.Create(t.Context(), "acme", schema.UserResourceType(), &schema.Resource{
//			Schemas: []string{schema.UserSchema}, Attrs: map[string]any{"userName": "bjensen"}})
//		// The backoff passes when the test says so, not in real time.
//		for cp, _ := st.Checkpoint(t.Context(), "revoke"); cp == 0; cp, _ = st.Checkpoint(t.Context(), "revoke") {
//			clock.Advance(time.Minute)
//		}
//		if calls.Load() != 2 {
//			t.Errorf("%d deliveries, want 2", calls.Load())
//		}
//	}
package hookstest
