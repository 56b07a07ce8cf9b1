package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/storetest"
)

// TestNotifyAcrossStores checks that a write through one Store (another
// replica) wakes a Notify listener of another Store on the same schema,
// and nothing wakes listeners of another schema.
func TestNotifyAcrossStores(t *testing.T) {
	a := open(t, postgres.Config{})
	b := open(t, postgres.Config{Schema: a.Schema()})
	other := open(t, postgres.Config{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	wakeA, wakeOther := a.Notify(ctx), other.Notify(ctx)
	for name, ch := range map[string]<-chan struct{}{"a": wakeA, "other": wakeOther} {
		select { // the listener signals once when it starts listening
		case <-ch:
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: Notify never started listening", name)
		}
	}
	u := &schema.Resource{Schemas: []string{schema.UserSchema}, Attrs: map[string]any{"userName": "woken"}}
	if _, err := b.Create(ctx, "t", schema.UserResourceType(), u); err != nil {
		t.Fatal(err)
	}
	select {
	case <-wakeA:
	case <-time.After(30 * time.Second):
		t.Fatal("a commit through another Store did not wake the listener")
	}
	select {
	case <-wakeOther:
		t.Error("a commit in another schema woke the listener")
	default:
	}
	cancel()
	for range wakeA { // closed once ctx is done
	}
}

// TestNotificationsCoalesced: after a notification the notifier waits
// (notifyGap, held here by the test) before the next, and the commits made
// meanwhile are announced by one notification when the wait ends.
func TestNotificationsCoalesced(t *testing.T) {
	s := open(t, postgres.Config{})
	release, paused := s.HoldNotifications()
	ctx := t.Context()
	create := func(i int) {
		t.Helper()
		if _, err := s.Create(ctx, "t", storetest.UserType(), storetest.TypicalUser(i)); err != nil {
			t.Fatal(err)
		}
	}
	wait := func(what string) {
		t.Helper()
		select {
		case <-paused:
		case <-time.After(30 * time.Second):
			t.Fatalf("the notifier never paused %s", what)
		}
	}
	create(1)
	wait("after the first notification")
	for i := 2; i <= 5; i++ {
		create(i)
	}
	if n := s.NotificationsSent(); n != 1 {
		t.Fatalf("%d notifications sent during the gap after the first; want 1", n)
	}
	release <- time.Now()
	wait("after the second notification")
	if n := s.NotificationsSent(); n != 2 {
		t.Errorf("%d notifications sent for 4 commits during the gap; want 1 more", n-1)
	}
}
