package hooks_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
)

// A Dispatcher delivering the events of a memory store to a function.
func ExampleDispatcher() {
	st := memory.New()
	defer st.Close()
	seen := make(chan hooks.Event, 10)
	d, err := hooks.NewDispatcher(hooks.Config{
		Store: st,
		Handlers: map[string]hooks.Handler{
			"audit": hooks.HandlerFunc(func(ctx context.Context, ev hooks.Event) error {
				seen <- ev // must be idempotent: delivery is at least once
				return nil
			}),
		},
	})
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- d.Run(ctx) }()

	users := schema.UserResourceType()
	u, _ := st.Create(ctx, "tenant-1", users, &schema.Resource{Schemas: []string{schema.UserSchema},
		Attrs: map[string]any{"userName": "alice", "active": true}})
	st.Update(ctx, "tenant-1", users, u.ID, store.Update{Apply: func(cur *schema.Resource) (*schema.Resource, error) {
		next := cur.Clone()
		next.Attrs["active"] = false
		return next, nil
	}})
	for range 3 {
		ev := <-seen
		fmt.Println(ev.Type, ev.Version)
	}
	cancel()
	<-done
	// Output:
	// user.created 1
	// user.updated 2
	// user.deactivated 2
}

// A webhook sender and a receiver verifying its signature.
func ExampleVerifyWebhook() {
	secret := hooks.NewWebhookSecret()
	received := make(chan string, 1)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := hooks.VerifyWebhook([]string{secret}, r.Header, body, 5*time.Minute); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		received <- r.Header.Get("webhook-id")
	}))
	defer receiver.Close()

	wh := &hooks.Webhook{URL: receiver.URL, Secrets: []string{secret}}
	err := wh.HandleEvent(context.Background(), hooks.Event{ID: "evt-1", Type: store.UserDeleted, Tenant: "t", ResourceType: "User", ResourceID: "u1", Time: time.Now()})
	fmt.Println(err, <-received)
	// Output: <nil> evt-1
}
