package googleworkspace

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// MaxChannelTTL is the longest users.watch channel Google grants.
const MaxChannelTTL = 6 * time.Hour

// Channel is an open users.watch notification channel.
type Channel struct {
	// ID is the channel id the client chose (a UUID).
	ID string `json:"id"`
	// ResourceID is Google's opaque id of the watched resource, needed to
	// stop the channel.
	ResourceID string `json:"resourceId"`
	// Event is the users.watch event: add, delete, update, undelete,
	// makeAdmin.
	Event string `json:"event"`
	// Expiration is when Google stops the channel.
	Expiration time.Time `json:"expiration"`
}

// WatchUsers opens a channel (users.watch) on which Google POSTs a
// notification to address whenever a user of the customer has the given
// event; token is echoed in X-Goog-Channel-Token. ttl is capped at
// MaxChannelTTL.
func (c *Client) WatchUsers(ctx context.Context, event, id, address, token string, ttl time.Duration) (Channel, error) {
	ttl = min(ttl, MaxChannelTTL)
	body := map[string]any{"id": id, "type": "web_hook", "address": address, "token": token,
		"params": map[string]string{"ttl": strconv.Itoa(int(ttl / time.Second))}}
	var out struct {
		ID         string          `json:"id"`
		ResourceID string          `json:"resourceId"`
		Expiration json.RawMessage `json:"expiration"` // int64 as a string ("1384823632000"), sometimes a number
	}
	q := url.Values{"customer": {c.cfg.Customer}, "event": {event}, "projection": {"basic"}}
	if err := c.call(ctx, "users.watch", http.MethodPost, "/admin/directory/v1/users/watch", q, body, &out); err != nil {
		return Channel{}, err
	}
	ch := Channel{ID: out.ID, ResourceID: out.ResourceID, Event: event, Expiration: time.Now().Add(ttl)}
	if ms, err := strconv.ParseInt(strings.Trim(string(out.Expiration), `"`), 10, 64); err == nil && ms > 0 {
		ch.Expiration = time.UnixMilli(ms)
	}
	if ch.ID == "" {
		ch.ID = id
	}
	return ch, nil
}

// StopChannel stops a channel (channels.stop, POST
// /admin/directory_v1/channels/stop; the older /admin/directory/v1/
// path is tried when a proxy or server does not route the first). A
// channel Google no longer knows (404 in Google's error shape) counts as
// stopped.
func (c *Client) StopChannel(ctx context.Context, ch Channel) error {
	body := map[string]string{"id": ch.ID, "resourceId": ch.ResourceID}
	var err error
	for _, path := range []string{"/admin/directory_v1/channels/stop", "/admin/directory/v1/channels/stop"} {
		err = c.call(ctx, "channels.stop", http.MethodPost, path, nil, body, nil)
		var ae *Error
		if !errors.As(err, &ae) || ae.Status != http.StatusNotFound {
			return err
		}
		if ae.Reason != "" {
			return nil // Google's own 404: the channel is gone already
		}
	}
	return err
}
