package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store/postgres"
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
