package googleworkspace

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/scimkit/scimkit/connector"
	"github.com/scimkit/scimkit/store"
)

// Defaults of WatchConfig.
const (
	// DefaultRenewBefore is how long before its expiry a channel is
	// replaced.
	DefaultRenewBefore = 30 * time.Minute
	// StateKey is the State under which Watch keeps its channels.
	StateKey = "googleworkspace/channels"
	// DefaultRecheck is how often Watch re-reads the stored channels
	// between renewals.
	DefaultRecheck = time.Minute
)

// DefaultEvents are the users.watch events watched: every change that can
// alter a user's SCIM representation.
var DefaultEvents = []string{"add", "update", "delete", "undelete"}

// WatchConfig configures a Watch. Client, Store, Tenant and Address are
// required.
type WatchConfig struct {
	// Client opens and stops the channels.
	Client *Client
	// Store keeps the open channels (store.States, under StateKey), so a
	// restarted process recognises them and replicas share them.
	Store store.States
	// Tenant is the tenant the directory feeds.
	Tenant string
	// Address is the public HTTPS URL Google POSTs notifications to; the
	// Watch's ServeHTTP must be reachable there.
	Address string
	// TTL is the life of a channel (default and maximum MaxChannelTTL).
	TTL time.Duration
	// RenewBefore is how long before its expiry a channel is replaced by a
	// new one (default DefaultRenewBefore); both are open for a moment,
	// so no change is missed.
	RenewBefore time.Duration
	// Events are the users.watch events to watch (default DefaultEvents).
	Events []string
	// Recheck is how often Watch re-reads the stored channels between
	// renewals (default DefaultRecheck), so that it opens new ones soon
	// after another process sharing the store stopped them: a replica
	// that shuts down stops every channel of the tenant.
	Recheck time.Duration
	// Logger (default slog.Default()) and Now (default time.Now).
	Logger *slog.Logger
	Now    func() time.Time
}

// Watch keeps users.watch channels open for a tenant and receives their
// notifications (it is the http.Handler to mount at WatchConfig.Address).
// It implements connector.Watcher: each notification is verified (a
// known X-Goog-Channel-ID, the channel's random token in
// X-Goog-Channel-Token, kept in the store only as a SHA-256 digest, and
// X-Goog-Resource-ID when sent) and then the user it names (by id, else
// by primary email) is re-read, never trusted from the notification
// body. Safe for concurrent use.
type Watch struct {
	cfg WatchConfig

	renewMu  sync.Mutex // one Renew or Stop at a time
	mu       sync.Mutex // guards the fields below
	channels []storedChannel
	// opened are channels opened by a Renew in progress, not saved yet:
	// Google may notify on them as soon as users.watch has answered.
	opened []storedChannel
	loaded time.Time
	notify func(ctx context.Context, userID string) error
}

var _ connector.Watcher = (*Watch)(nil)

// storedChannel is a channel as kept in the store.
type storedChannel struct {
	Channel
	// TokenSHA256 is the hex SHA-256 of the channel's token.
	TokenSHA256 string `json:"tokenSHA256"`
}

// NewWatch checks cfg and returns a Watch.
func NewWatch(cfg WatchConfig) (*Watch, error) {
	if cfg.Client == nil || cfg.Store == nil || cfg.Tenant == "" {
		return nil, errors.New("googleworkspace: WatchConfig.Client, Store and Tenant are required")
	}
	u, err := url.Parse(cfg.Address)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("googleworkspace: WatchConfig.Address %q is not an http(s) URL (Google requires https)", cfg.Address)
	}
	if cfg.TTL <= 0 || cfg.TTL > MaxChannelTTL {
		cfg.TTL = MaxChannelTTL
	}
	if cfg.RenewBefore <= 0 {
		cfg.RenewBefore = DefaultRenewBefore
	}
	if cfg.RenewBefore >= cfg.TTL {
		return nil, fmt.Errorf("googleworkspace: WatchConfig.RenewBefore %s is not shorter than the TTL %s", cfg.RenewBefore, cfg.TTL)
	}
	if len(cfg.Events) == 0 {
		cfg.Events = DefaultEvents
	}
	if cfg.Recheck <= 0 {
		cfg.Recheck = DefaultRecheck
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Watch{cfg: cfg}, nil
}

// Watch opens the channels (reusing stored ones that are still valid),
// replaces each before it expires, re-reads the stored channels every
// WatchConfig.Recheck (opening new ones when another process stopped
// them), and passes every verified notification to notify, until ctx is
// done; it then stops the channels and forgets them. Failures to open a
// channel are logged and retried; Watch returns nil once ctx is done.
func (w *Watch) Watch(ctx context.Context, notify func(ctx context.Context, userID string) error) error {
	w.mu.Lock()
	w.notify = notify
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.notify = nil
		w.mu.Unlock()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		defer cancel()
		if err := w.Stop(sctx); err != nil {
			w.cfg.Logger.Warn("googleworkspace: channels not stopped", "err", err)
		}
	}()
	retry := time.Second
	for {
		next, err := w.Renew(ctx)
		wait := next.Sub(w.cfg.Now())
		if err != nil {
			w.cfg.Logger.Warn("googleworkspace: watch channels not renewed; retrying", "err", err, "in", retry)
			wait, retry = retry, min(retry*2, 5*time.Minute)
		} else {
			retry = time.Second
		}
		t := time.NewTimer(max(min(wait, w.cfg.Recheck), min(time.Second, w.cfg.Recheck)))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// Renew opens a channel for every event that has none valid for longer
// than RenewBefore, records them, and stops the channels they replace. It
// returns when the next renewal is due.
func (w *Watch) Renew(ctx context.Context) (time.Time, error) {
	w.renewMu.Lock()
	defer w.renewMu.Unlock()
	cur, version, err := w.load(ctx)
	if err != nil {
		return time.Time{}, err
	}
	now := w.cfg.Now()
	keep, old := []storedChannel{}, []storedChannel{}
	have := map[string]bool{}
	for _, c := range cur {
		if c.Expiration.Sub(now) > w.cfg.RenewBefore && !have[c.Event] {
			keep = append(keep, c)
			have[c.Event] = true
		} else {
			old = append(old, c)
		}
	}
	var opened []storedChannel
	var errs []error
	for _, ev := range w.cfg.Events {
		if have[ev] {
			continue
		}
		c, err := w.open(ctx, ev)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		opened = append(opened, c)
	}
	// Keep the channels that failed to be replaced while they last.
	for _, c := range old {
		if c.Expiration.After(now) && !hasEvent(opened, c.Event) {
			keep = append(keep, c)
			old = removeChannel(old, c.ID)
		}
	}
	next := append(keep, opened...)
	due := now.Add(w.cfg.TTL)
	for _, c := range next {
		due = minTime(due, c.Expiration.Add(-w.cfg.RenewBefore))
	}
	if len(opened) == 0 && len(old) == 0 {
		return due, errors.Join(errs...) // nothing changed: nothing to save
	}
	if err := w.save(ctx, next, version); err != nil {
		w.mu.Lock()
		w.opened = nil
		w.mu.Unlock()
		w.stopAll(ctx, opened) // another replica renewed first: drop ours
		return now.Add(time.Minute), err
	}
	w.stopAll(ctx, old)
	return due, errors.Join(errs...)
}

func hasEvent(cs []storedChannel, ev string) bool {
	for _, c := range cs {
		if c.Event == ev {
			return true
		}
	}
	return false
}

func removeChannel(cs []storedChannel, id string) []storedChannel {
	out := cs[:0:0]
	for _, c := range cs {
		if c.ID != id {
			out = append(out, c)
		}
	}
	return out
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// open opens one channel with a new id and random token. The channel is
// known to ServeHTTP (by id and token, its resource id not yet) before
// users.watch is sent: Google sends the channel's "sync" message, and may
// send a change, as soon as it has created the channel, which can be
// before its answer reaches the client.
func (w *Watch) open(ctx context.Context, event string) (storedChannel, error) {
	var tok [32]byte
	rand.Read(tok[:])
	token := base64.RawURLEncoding.EncodeToString(tok[:])
	id := store.NewID()
	sc := storedChannel{Channel: Channel{ID: id, Event: event}, TokenSHA256: digest(token)}
	w.mu.Lock()
	w.opened = append(w.opened, sc)
	w.mu.Unlock()
	ch, err := w.cfg.Client.WatchUsers(ctx, event, id, w.cfg.Address, token, w.cfg.TTL)
	w.mu.Lock()
	w.opened = removeChannel(w.opened, id)
	if err == nil {
		sc.Channel = ch
		w.opened = append(w.opened, sc)
	}
	w.mu.Unlock()
	if err != nil {
		return storedChannel{}, fmt.Errorf("watching %s events: %w", event, err)
	}
	w.cfg.Logger.Info("googleworkspace: watch channel opened", "event", event, "channel", ch.ID, "expires", ch.Expiration)
	return sc, nil
}

func digest(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Stop stops every channel and removes them from the store.
func (w *Watch) Stop(ctx context.Context) error {
	w.renewMu.Lock()
	defer w.renewMu.Unlock()
	cur, version, err := w.load(ctx)
	if err != nil {
		return err
	}
	err = w.stopAll(ctx, cur)
	if serr := w.save(ctx, nil, version); serr != nil {
		err = errors.Join(err, serr)
	}
	return err
}

func (w *Watch) stopAll(ctx context.Context, cs []storedChannel) error {
	var errs []error
	for _, c := range cs {
		if err := w.cfg.Client.StopChannel(ctx, c.Channel); err != nil {
			errs = append(errs, err)
			continue
		}
		w.cfg.Logger.Info("googleworkspace: watch channel stopped", "event", c.Event, "channel", c.ID)
	}
	return errors.Join(errs...)
}

// load reads the channels from the store, remembers them for ServeHTTP
// and returns them with the state's version (0: none stored).
func (w *Watch) load(ctx context.Context) ([]storedChannel, int64, error) {
	var v struct {
		Channels []storedChannel `json:"channels"`
	}
	st, err := w.cfg.Store.GetState(ctx, w.cfg.Tenant, StateKey)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, 0, fmt.Errorf("googleworkspace: reading channels: %w", err)
	default:
		if err := json.Unmarshal(st.Value, &v); err != nil {
			return nil, 0, fmt.Errorf("googleworkspace: stored channels: %w", err)
		}
	}
	w.mu.Lock()
	w.channels, w.loaded = v.Channels, w.cfg.Now()
	w.mu.Unlock()
	return v.Channels, st.Version, nil
}

// save stores cs if the state is still at version (another replica may
// have changed it: store.ErrPrecondition).
func (w *Watch) save(ctx context.Context, cs []storedChannel, version int64) error {
	b, err := json.Marshal(map[string]any{"channels": cs})
	if err != nil {
		return err
	}
	if _, err := w.cfg.Store.PutState(ctx, w.cfg.Tenant, StateKey, b, version); err != nil {
		return fmt.Errorf("googleworkspace: saving channels: %w", err)
	}
	w.mu.Lock()
	w.channels, w.opened = cs, nil
	w.mu.Unlock()
	return nil
}

// maxNotification bounds a notification body.
const maxNotification = 64 << 10

// ServeHTTP receives Google's push notifications: 200 once the change is
// applied (or for Google's initial "sync" message), 404 for an unknown
// channel, 401 for a wrong token, 503 when the change could not be
// applied (Google retries).
func (w *Watch) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		rw.Header().Set("Allow", http.MethodPost)
		http.Error(rw, "POST only", http.StatusMethodNotAllowed)
		return
	}
	id := r.Header.Get("X-Goog-Channel-ID")
	ch, notify, ok := w.channel(r.Context(), id)
	if !ok {
		http.Error(rw, "unknown channel", http.StatusNotFound)
		return
	}
	tok := digest(r.Header.Get("X-Goog-Channel-Token"))
	rid := r.Header.Get("X-Goog-Resource-ID")
	// A channel whose users.watch answer has not arrived yet has no
	// resource id to compare; its token alone authenticates it.
	if subtle.ConstantTimeCompare([]byte(tok), []byte(ch.TokenSHA256)) != 1 || (rid != "" && ch.ResourceID != "" && rid != ch.ResourceID) {
		w.cfg.Logger.Warn("googleworkspace: notification refused: wrong channel token or resource id", "channel", id, "remote", r.RemoteAddr)
		http.Error(rw, "wrong channel token", http.StatusUnauthorized)
		return
	}
	if r.Header.Get("X-Goog-Resource-State") == "sync" {
		rw.WriteHeader(http.StatusOK)
		return
	}
	var body struct {
		ID           string `json:"id"`
		PrimaryEmail string `json:"primaryEmail"`
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxNotification))
	if err == nil && json.Unmarshal(data, &body) == nil && body.ID == "" {
		body.ID = body.PrimaryEmail // users.get also takes the primary email
	}
	if body.ID == "" {
		http.Error(rw, "a notification names a user by id", http.StatusBadRequest)
		return
	}
	if notify == nil {
		http.Error(rw, "not ready", http.StatusServiceUnavailable)
		return
	}
	if err := notify(r.Context(), body.ID); err != nil {
		http.Error(rw, "change not applied yet", http.StatusServiceUnavailable)
		return
	}
	rw.WriteHeader(http.StatusOK)
}

// channel returns the channel with id, reloading the stored channels (at
// most once a second) when it is not known: another replica may have
// opened it.
func (w *Watch) channel(ctx context.Context, id string) (storedChannel, func(context.Context, string) error, bool) {
	find := func() (storedChannel, func(context.Context, string) error, bool, bool) {
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, c := range slices.Concat(w.channels, w.opened) {
			if c.ID == id {
				return c, w.notify, true, false
			}
		}
		return storedChannel{}, nil, false, w.cfg.Now().Sub(w.loaded) > time.Second
	}
	c, notify, ok, stale := find()
	if !ok && stale && id != "" {
		if _, _, err := w.load(ctx); err == nil {
			c, notify, ok, _ = find()
		}
	}
	return c, notify, ok
}
