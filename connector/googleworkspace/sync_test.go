package googleworkspace_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scimkit/connector"
	"github.com/scimkit/scimkit/connector/googleworkspace"
	"github.com/scimkit/scimkit/connector/googleworkspace/googletest"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
)

const tenant = "acme"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// world is a fake directory, a store and a syncer between them.
type world struct {
	d  *googletest.Directory
	st *memory.Store
	c  *googleworkspace.Client
	s  *connector.Syncer
}

func newWorld(t testing.TB, mod func(*connector.Config)) *world {
	t.Helper()
	d := googletest.New(t)
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	c, _ := newClient(t, d, nil)
	cfg := connector.Config{Store: st, Tenant: tenant, Source: c, Name: "googleworkspace", Logger: quiet}
	if mod != nil {
		mod(&cfg)
	}
	s, err := connector.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &world{d: d, st: st, c: c, s: s}
}

func (w *world) events(t testing.TB) []store.Event {
	t.Helper()
	evs, err := w.st.Events(context.Background(), 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func (w *world) user(t testing.TB, googleID string) *schema.Resource {
	t.Helper()
	page, err := w.st.List(context.Background(), tenant, schema.UserResourceType(), store.Query{Count: 100000})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range page.Resources {
		if r.ExternalID == googleID {
			return r
		}
	}
	return nil
}

func (w *world) groupMembers(t testing.TB, googleID string) []string {
	t.Helper()
	page, err := w.st.List(context.Background(), tenant, schema.GroupResourceType(), store.Query{Count: 100000})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range page.Resources {
		if r.ExternalID != googleID {
			continue
		}
		var out []string
		for _, m := range schema.MembersOf(r.Attrs["members"]) {
			u, err := w.st.Get(context.Background(), tenant, schema.UserResourceType(), m.Value, store.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, u.Attrs["userName"].(string))
		}
		slices.Sort(out)
		return out
	}
	t.Fatalf("no group %s", googleID)
	return nil
}

func TestSyncAgainstFakeDirectory(t *testing.T) {
	w := newWorld(t, nil)
	d := w.d
	alice := d.AddUser(googletest.User{PrimaryEmail: "alice@example.com", GivenName: "Alice", FamilyName: "Liddell"})
	bob := d.AddUser(googletest.User{PrimaryEmail: "bob@example.com", GivenName: "Bob"})
	carol := d.AddUser(googletest.User{PrimaryEmail: "carol@example.com", Suspended: true})
	gone := d.AddUser(googletest.User{PrimaryEmail: "gone@example.com"})
	d.DeleteUser(gone)
	backend := d.AddGroup(googletest.Group{Email: "backend@example.com", Name: "Backend"})
	eng := d.AddGroup(googletest.Group{Email: "eng@example.com", Name: "Engineering"})
	partners := d.AddGroup(googletest.Group{Email: "partners@example.com", Name: "Partners", Forbidden: true})
	d.AddMember(backend, googletest.Member{ID: bob, Type: "USER"})
	d.AddMember(eng, googletest.Member{ID: alice, Type: "USER"})
	d.AddMember(eng, googletest.Member{ID: backend, Type: "GROUP"})
	d.AddMember(eng, googletest.Member{ID: "9", Email: "someone@gmail.com", Type: "EXTERNAL"})
	d.AddMember(partners, googletest.Member{ID: carol, Type: "USER"})

	res, err := w.s.Sync(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Count(connector.Created); got != 6 { // 3 users, 3 groups
		t.Errorf("created %d, want 6: %v", got, res.Items)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], partners) {
		t.Errorf("warnings %q, want one about Partners", res.Warnings)
	}
	a := w.user(t, alice)
	want := map[string]any{"userName": "alice@example.com", "active": true,
		"name":   map[string]any{"givenName": "Alice", "familyName": "Liddell"},
		"emails": []any{map[string]any{"value": "alice@example.com", "type": "work", "primary": true}}}
	delete(a.Attrs, "groups")
	if diff := cmp.Diff(want, a.Attrs); diff != "" {
		t.Errorf("alice (-want +got):\n%s", diff)
	}
	if c := w.user(t, carol); store.Active(c) {
		t.Error("suspended carol is active")
	}
	if w.user(t, gone) != nil {
		t.Error("a deleted Google user was created")
	}
	if diff := cmp.Diff([]string{"alice@example.com", "bob@example.com"}, w.groupMembers(t, eng)); diff != "" {
		t.Errorf("Engineering (nested Backend resolved) (-want +got):\n%s", diff)
	}

	// A second run with no change writes nothing and records no events.
	n := len(w.events(t))
	res, err = w.s.Sync(t.Context())
	if err != nil || res.Changed() {
		t.Fatalf("second run: %v %v", res.Items, err)
	}
	if evs := w.events(t); len(evs) != n {
		t.Errorf("second run recorded %d events", len(evs)-n)
	}

	// Suspend, delete, move between groups.
	d.SetSuspended(alice, true)
	d.DeleteUser(bob)
	if _, err := w.s.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range w.events(t)[n:] {
		types = append(types, string(e.Type))
	}
	for _, want := range []string{"user.deactivated", "user.deleted", "user.groups_changed"} {
		if !slices.Contains(types, want) {
			t.Errorf("no %s in %v", want, types)
		}
	}
	if w.user(t, bob) != nil {
		t.Error("bob, deleted in Google, is still in the store")
	}
}

func TestSyncFailureMidListingChangesNothing(t *testing.T) {
	w := newWorld(t, nil)
	for i := range 1200 {
		w.d.AddUser(googletest.User{PrimaryEmail: "u" + string(rune('a'+i%26)) + strings.Repeat("x", i/26) + "@example.com"})
	}
	if _, err := w.s.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	n := len(w.events(t))
	// Second page of users fails for good: the run must not take the
	// users it did not see as deleted.
	w.d.Fail(googletest.Fault{Op: "users.list", Skip: 1, Times: -1, Status: 500, Reason: "backendError", Message: "Backend Error"})
	res, err := w.s.Sync(t.Context())
	if err == nil || res.Changed() {
		t.Fatalf("run over a failed listing: err %v, items %v", err, res.Items)
	}
	if evs := w.events(t); len(evs) != n {
		t.Errorf("failed run recorded %d events", len(evs)-n)
	}
}

// watching starts a Watch of w on an httptest receiver and returns it once
// its channels are open.
func watching(t testing.TB, w *world, now func() time.Time) (*googleworkspace.Watch, *httptest.Server, context.CancelFunc) {
	t.Helper()
	var h http.Handler
	var mu sync.Mutex
	rcv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hh := h
		mu.Unlock()
		hh.ServeHTTP(rw, r)
	}))
	t.Cleanup(rcv.Close)
	watch, err := googleworkspace.NewWatch(googleworkspace.WatchConfig{Client: w.c, Store: w.st, Tenant: tenant,
		Address: rcv.URL + "/google/notifications", Logger: quiet, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	h = watch
	mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.s.Run(ctx, connector.RunConfig{Watcher: watch, PollEvery: -1, FullEvery: time.Hour})
	}()
	stop := func() { cancel(); <-done }
	t.Cleanup(stop)
	for deadline := time.Now().Add(10 * time.Second); len(w.d.Channels()) < len(googleworkspace.DefaultEvents); {
		if time.Now().After(deadline) {
			t.Fatalf("channels not opened: %v", w.d.Channels())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return watch, rcv, stop
}

func TestWatchAppliesNotifications(t *testing.T) {
	w := newWorld(t, nil)
	alice := w.d.AddUser(googletest.User{PrimaryEmail: "alice@example.com"})
	_, rcv, stop := watching(t, w, nil)
	waitFor(t, func() bool { return w.user(t, alice) != nil }) // the first full run
	w.d.SetSuspended(alice, true)                              // returns once the notification is answered
	if store.Active(w.user(t, alice)) {
		t.Fatalf("alice still active after the notification was answered: %+v", w.d.Deliveries())
	}
	last := w.d.Deliveries()[len(w.d.Deliveries())-1]
	if last.State != "update" || last.Status != http.StatusOK {
		t.Errorf("last delivery %+v, want update answered 200", last)
	}
	erin := w.d.AddUser(googletest.User{PrimaryEmail: "erin@example.com"})
	if w.user(t, erin) == nil {
		t.Error("a user added in Google is not in the store after the notification")
	}
	w.d.DeleteUser(erin)
	if w.user(t, erin) != nil {
		t.Error("a user deleted in Google is in the store after the notification")
	}

	// Forged notifications change nothing.
	ch := w.d.Channels()[0]
	post := func(id, token, body string) int {
		req, _ := http.NewRequest(http.MethodPost, rcv.URL, strings.NewReader(body))
		req.Header.Set("X-Goog-Channel-ID", id)
		req.Header.Set("X-Goog-Channel-Token", token)
		req.Header.Set("X-Goog-Resource-ID", ch.ResourceID)
		req.Header.Set("X-Goog-Resource-State", "update")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	body := `{"kind":"admin#directory#user","id":"` + alice + `"}`
	if got := post(ch.ID, "guess", body); got != http.StatusUnauthorized {
		t.Errorf("wrong token: %d, want 401", got)
	}
	if got := post("unknown", ch.Token, body); got != http.StatusNotFound {
		t.Errorf("unknown channel: %d, want 404", got)
	}
	if got := post(ch.ID, ch.Token, body); got != http.StatusOK {
		t.Errorf("genuine notification: %d, want 200", got)
	}

	// Shutdown stops the channels.
	stop()
	if open := w.d.Channels(); len(open) != 0 {
		t.Errorf("channels still open after shutdown: %v", open)
	}
}

func TestWatchRenewsBeforeExpiry(t *testing.T) {
	w := newWorld(t, nil)
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	watch, err := googleworkspace.NewWatch(googleworkspace.WatchConfig{Client: w.c, Store: w.st, Tenant: tenant,
		Address: "https://gw.example.com/google/notifications", Logger: quiet, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	due, err := watch.Renew(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	first := w.d.Channels()
	if len(first) != 4 {
		t.Fatalf("%d channels, want 4", len(first))
	}
	if d := due.Sub(now); d < 5*time.Hour || d > 6*time.Hour {
		t.Errorf("next renewal in %s, want 5h30m", d)
	}
	// Nothing is due yet: no new channel. A new Watch on the same store
	// (a restart) reuses the stored channels too.
	again, _ := googleworkspace.NewWatch(googleworkspace.WatchConfig{Client: w.c, Store: w.st, Tenant: tenant,
		Address: "https://gw.example.com/google/notifications", Logger: quiet, Now: clock})
	before, err := w.st.GetState(t.Context(), tenant, googleworkspace.StateKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := again.Renew(t.Context()); err != nil {
		t.Fatal(err)
	}
	if after, err := w.st.GetState(t.Context(), tenant, googleworkspace.StateKey); err != nil || after.Version != before.Version {
		t.Errorf("a renewal with nothing due rewrote the stored channels (version %d → %d, %v)", before.Version, after.Version, err)
	}
	if got := w.d.Calls("users.watch"); got != 4 {
		t.Errorf("users.watch called %d times, want 4", got)
	}
	// 5h45m later: within RenewBefore of expiry, each is replaced and the
	// old one stopped.
	mu.Lock()
	now = now.Add(5*time.Hour + 45*time.Minute)
	mu.Unlock()
	if _, err := again.Renew(t.Context()); err != nil {
		t.Fatal(err)
	}
	second := w.d.Channels()
	if len(second) != 4 || w.d.Calls("channels.stop") != 4 {
		t.Fatalf("after renewal: %d open, %d stopped", len(second), w.d.Calls("channels.stop"))
	}
	for _, c := range second {
		if slices.ContainsFunc(first, func(o googletest.Channel) bool { return o.ID == c.ID }) {
			t.Errorf("channel %s was not replaced", c.ID)
		}
	}
	// An expired channel gets no notification.
	w.d.Advance(7 * time.Hour)
	w.d.AddUser(googletest.User{PrimaryEmail: "late@example.com"})
	for _, dl := range w.d.Deliveries() {
		if dl.State == "add" {
			t.Errorf("notification on an expired channel: %+v", dl)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
	}
}

// syncFirst is a transport that, like Google, sends a new channel's
// "sync" message (to h) before the client has the users.watch answer.
type syncFirst struct {
	h      http.Handler
	mu     sync.Mutex
	status []int
}

func (s *syncFirst) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || !strings.HasSuffix(r.URL.Path, "/users/watch") || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	var in struct{ ID, Token string }
	var out struct{ ResourceID string }
	b, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(b))
	json.Unmarshal(body, &in)
	json.Unmarshal(b, &out)
	req := httptest.NewRequest(http.MethodPost, "/google/notifications", nil)
	req.Header.Set("X-Goog-Channel-ID", in.ID)
	req.Header.Set("X-Goog-Channel-Token", in.Token)
	req.Header.Set("X-Goog-Resource-ID", out.ResourceID)
	req.Header.Set("X-Goog-Resource-State", "sync")
	req.Header.Set("X-Goog-Message-Number", "1")
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	s.mu.Lock()
	s.status = append(s.status, rec.Code)
	s.mu.Unlock()
	return resp, nil
}

// TestWatchSyncBeforeAnswer: Google's "sync" message on a new channel can
// arrive before its users.watch answer; it is answered 200, not refused
// as an unknown channel.
func TestWatchSyncBeforeAnswer(t *testing.T) {
	d := googletest.New(t)
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	var watch *googleworkspace.Watch
	rt := &syncFirst{h: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { watch.ServeHTTP(rw, r) })}
	c, _ := newClient(t, d, func(c *googleworkspace.Config) { c.HTTPClient = &http.Client{Transport: rt} })
	var err error
	watch, err = googleworkspace.NewWatch(googleworkspace.WatchConfig{Client: c, Store: st, Tenant: tenant,
		Address: "https://gw.example.com/google/notifications", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := watch.Renew(t.Context()); err != nil {
		t.Fatal(err)
	}
	want := []int{200, 200, 200, 200}
	if diff := cmp.Diff(want, rt.status); diff != "" {
		t.Errorf("sync messages sent before the users.watch answer (-want +got):\n%s", diff)
	}
}

// TestWatchTakesOverStoppedChannels: two processes share the store's
// channels; when one shuts down (stopping every channel), the other opens
// new ones at its next recheck and keeps receiving notifications.
func TestWatchTakesOverStoppedChannels(t *testing.T) {
	w := newWorld(t, nil)
	alice := w.d.AddUser(googletest.User{PrimaryEmail: "alice@example.com"})
	var a, b *googleworkspace.Watch
	var mu sync.Mutex
	var notified []string
	rcv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { a.ServeHTTP(rw, r) }))
	t.Cleanup(rcv.Close)
	for _, p := range []**googleworkspace.Watch{&a, &b} {
		var err error
		*p, err = googleworkspace.NewWatch(googleworkspace.WatchConfig{Client: w.c, Store: w.st, Tenant: tenant,
			Address: rcv.URL + "/google/notifications", Logger: quiet, Recheck: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
	}
	run := func(wt *googleworkspace.Watch) (stop func()) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			wt.Watch(ctx, func(_ context.Context, id string) error {
				mu.Lock()
				defer mu.Unlock()
				notified = append(notified, id)
				return nil
			})
		}()
		return func() { cancel(); <-done }
	}
	stopA := run(a)
	t.Cleanup(stopA)
	waitFor(t, func() bool { return len(w.d.Channels()) == 4 })
	stopB := run(b)
	stopB() // B's shutdown stops the channels A uses too
	waitFor(t, func() bool { return len(w.d.Channels()) == 4 })
	w.d.SetSuspended(alice, true) // returns once the notification is answered
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(notified, alice) {
		t.Errorf("no notification after the other process stopped the channels: %v %+v", notified, w.d.Deliveries())
	}
}
