package googleworkspace

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
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
		ID         string `json:"id"`
		ResourceID string `json:"resourceId"`
		Expiration string `json:"expiration"`
	}
	q := url.Values{"customer": {c.cfg.Customer}, "event": {event}, "projection": {"basic"}}
	if err := c.call(ctx, "users.watch", http.MethodPost, "/admin/directory/v1/users/watch", q, body, &out); err != nil {
		return Channel{}, err
	}
	ch := Channel{ID: out.ID, ResourceID: out.ResourceID, Event: event, Expiration: time.Now().Add(ttl)}
	if ms, err := strconv.ParseInt(out.Expiration, 10, 64); err == nil {
		ch.Expiration = time.UnixMilli(ms)
	}
	if ch.ID == "" {
		ch.ID = id
	}
	return ch, nil
}

// StopChannel stops a channel (channels.stop). A channel Google no longer
// knows (404) counts as stopped.
func (c *Client) StopChannel(ctx context.Context, ch Channel) error {
	err := c.call(ctx, "channels.stop", http.MethodPost, "/admin/directory_v1/channels/stop", nil,
		map[string]string{"id": ch.ID, "resourceId": ch.ResourceID}, nil)
	if ae, ok := err.(*Error); ok && ae.Status == http.StatusNotFound {
		return nil
	}
	return err
}
