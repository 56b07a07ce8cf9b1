package googleworkspace_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimkit/scimkit/connector/googleworkspace"
	"github.com/scimkit/scimkit/connector/googleworkspace/googletest"
	"github.com/scimkit/scimkit/store/memory"
)

// FuzzNotification: whatever arrives at the receiver, it answers without a
// panic, and only a notification carrying a channel's token reaches the
// connector.
func FuzzNotification(f *testing.F) {
	d, err := googletest.Start()
	if err != nil {
		f.Fatal(err)
	}
	defer d.Close()
	st := memory.New()
	defer st.Close()
	c, _ := newClient(f, d, nil)
	w, err := googleworkspace.NewWatch(googleworkspace.WatchConfig{Client: c, Store: st, Tenant: tenant,
		Address: "https://gw.example.com/n", Logger: quiet, Events: []string{"update"}})
	if err != nil {
		f.Fatal(err)
	}
	var calls atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go w.Watch(ctx, func(ctx context.Context, id string) error { calls.Add(1); return nil })
	for len(d.Channels()) == 0 {
		time.Sleep(time.Millisecond)
	}
	ch := d.Channels()[0]
	f.Add(ch.ID, ch.Token, ch.ResourceID, "update", `{"kind":"admin#directory#user","id":"1"}`)
	f.Add(ch.ID, "wrong", ch.ResourceID, "update", `{"id":"1"}`)
	f.Add(ch.ID, ch.Token, ch.ResourceID, "sync", ``)
	f.Add("", "", "", "", `{`)
	f.Fuzz(func(t *testing.T, id, token, resource, state, body string) {
		req := httptest.NewRequest(http.MethodPost, "/n", strings.NewReader(body))
		req.Header.Set("X-Goog-Channel-ID", id)
		req.Header.Set("X-Goog-Channel-Token", token)
		req.Header.Set("X-Goog-Resource-ID", resource)
		req.Header.Set("X-Goog-Resource-State", state)
		before := calls.Load()
		rec := httptest.NewRecorder()
		w.ServeHTTP(rec, req)
		switch rec.Code {
		case 200, 400, 401, 404, 503:
		default:
			t.Fatalf("status %d", rec.Code)
		}
		if calls.Load() != before && (id != ch.ID || token != ch.Token || resource != ch.ResourceID) {
			t.Fatalf("a notification without the channel's credentials reached the connector")
		}
	})
}
