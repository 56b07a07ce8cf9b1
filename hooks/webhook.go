package hooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Webhook defaults.
const (
	DefaultWebhookTimeout   = 10 * time.Second
	DefaultWebhookTolerance = 5 * time.Minute
)

// Standard Webhooks header names.
const (
	HeaderWebhookID        = "webhook-id"
	HeaderWebhookTimestamp = "webhook-timestamp"
	HeaderWebhookSignature = "webhook-signature"
)

// Errors of VerifyWebhook.
var (
	// ErrWebhookSignature means the request carries no signature made with
	// any of the secrets (or lacks the Standard Webhooks headers).
	ErrWebhookSignature = errors.New("webhook signature does not match")
	// ErrWebhookTimestamp means the webhook-timestamp is missing, malformed
	// or outside the tolerance (a replayed or delayed request).
	ErrWebhookTimestamp = errors.New("webhook timestamp outside tolerance")
)

// Webhook is a Handler that POSTs each event as JSON to URL, signed per
// the Standard Webhooks specification (standardwebhooks.com), for gateways
// not written in Go. Register it with a Dispatcher, which retries it.
//
// The body is {"type": ev.Type, "timestamp": RFC 3339 commit time,
// "data": the event (see FeedHandler for its fields)}. The headers are
// webhook-id (the event ID: the same on every retry, so receivers drop
// duplicates by it), webhook-timestamp (Unix seconds of this attempt) and
// webhook-signature: "v1,<base64 HMAC-SHA256 of id.timestamp.body>" for
// each secret, space-separated, so a receiver keeps working while secrets
// rotate.
type Webhook struct {
	// URL is the receiver's endpoint.
	URL string
	// Secrets are the signing secrets, "whsec_" followed by the base64 of
	// the key (NewWebhookSecret makes one). During a rotation give the new
	// and the old one: the request carries one signature per secret.
	Secrets []string
	// Client sends the requests; nil means a client that does not follow
	// redirects (a redirect counts as a failure, as the specification
	// recommends).
	Client *http.Client
	// Timeout bounds each attempt; default DefaultWebhookTimeout.
	Timeout time.Duration
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
	return http.ErrUseLastResponse
}}

// HandleEvent implements Handler: one signed POST. A 2xx response is
// success; any other 4xx except 408 and 429 is Permanent (the event is
// parked at once); 408, 429, 3xx, 5xx, timeouts and network errors are
// retried by the Dispatcher. A Webhook without URL or with an invalid
// secret fails permanently.
func (w *Webhook) HandleEvent(ctx context.Context, ev Event) error {
	keys, err := webhookKeys(w.Secrets)
	if err != nil || len(keys) == 0 || w.URL == "" {
		return Permanent(cmpErr(err, errors.New("hooks: Webhook needs a URL and at least one secret")))
	}
	body, err := json.Marshal(struct {
		Type      string    `json:"type"`
		Timestamp time.Time `json:"timestamp"`
		Data      wireEvent `json:"data"`
	}{string(ev.Type), ev.Time.UTC(), toWire(ev)})
	if err != nil {
		return Permanent(err)
	}
	ctx, cancel := context.WithTimeout(ctx, cmpDur(w.Timeout, DefaultWebhookTimeout))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return Permanent(fmt.Errorf("hooks: webhook: %w", err))
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "scimkit-hooks")
	req.Header.Set(HeaderWebhookID, ev.ID)
	req.Header.Set(HeaderWebhookTimestamp, ts)
	req.Header.Set(HeaderWebhookSignature, signatures(keys, ev.ID, ts, body))
	client := w.Client
	if client == nil {
		client = noRedirects
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("hooks: webhook %s: %w", ev.ID, err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return nil
	case code >= 400 && code < 500 && code != http.StatusRequestTimeout && code != http.StatusTooManyRequests:
		return Permanent(fmt.Errorf("hooks: webhook %s: %s: %s", ev.ID, resp.Status, bytes.TrimSpace(snippet)))
	default:
		return fmt.Errorf("hooks: webhook %s: %s: %s", ev.ID, resp.Status, bytes.TrimSpace(snippet))
	}
}

// VerifyWebhook checks a Standard Webhooks request on the receiving side:
// the webhook-timestamp must be within tolerance of now (default
// DefaultWebhookTolerance when tolerance <= 0) and one of the v1
// signatures of webhook-signature must be the HMAC-SHA256 of
// "id.timestamp.body" under one of secrets ("whsec_<base64>"; the prefix
// is optional). body is the raw request body. It returns nil, or an error
// wrapping ErrWebhookSignature or ErrWebhookTimestamp, or one naming an
// invalid secret. Receivers should then drop duplicates by webhook-id.
func VerifyWebhook(secrets []string, header http.Header, body []byte, tolerance time.Duration) error {
	keys, err := webhookKeys(secrets)
	if err != nil {
		return err
	}
	id, ts, sigs := header.Get(HeaderWebhookID), header.Get(HeaderWebhookTimestamp), header.Get(HeaderWebhookSignature)
	if id == "" || sigs == "" {
		return fmt.Errorf("hooks: %w: missing %s or %s header", ErrWebhookSignature, HeaderWebhookID, HeaderWebhookSignature)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("hooks: %w: %s %q is not Unix seconds", ErrWebhookTimestamp, HeaderWebhookTimestamp, ts)
	}
	if age := time.Since(time.Unix(sec, 0)); age > cmpDur(tolerance, DefaultWebhookTolerance) || -age > cmpDur(tolerance, DefaultWebhookTolerance) {
		return fmt.Errorf("hooks: %w: sent %s ago", ErrWebhookTimestamp, age.Round(time.Second))
	}
	for _, k := range keys {
		want := []byte(sign(k, id, ts, body))
		for _, got := range strings.Fields(sigs) {
			if subtle.ConstantTimeCompare(want, []byte(got)) == 1 {
				return nil
			}
		}
	}
	return fmt.Errorf("hooks: %w", ErrWebhookSignature)
}

// NewWebhookSecret returns a fresh random secret ("whsec_" and the base64
// of 32 random bytes) for Webhook.Secrets and the receiver.
func NewWebhookSecret() string {
	var b [32]byte
	rand.Read(b[:])
	return "whsec_" + base64.StdEncoding.EncodeToString(b[:])
}

// webhookKeys decodes "whsec_<base64>" secrets.
func webhookKeys(secrets []string) ([][]byte, error) {
	var keys [][]byte
	for i, s := range secrets {
		k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
		if err != nil || len(k) == 0 {
			return nil, fmt.Errorf("hooks: webhook secret #%d is not \"whsec_\" followed by base64", i+1)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// sign returns the v1 signature of one message under key.
func sign(key []byte, id, ts string, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + ts + "."))
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// signatures returns the webhook-signature header value: one signature
// per key, space-separated.
func signatures(keys [][]byte, id, ts string, body []byte) string {
	sigs := make([]string, len(keys))
	for i, k := range keys {
		sigs[i] = sign(k, id, ts, body)
	}
	return strings.Join(sigs, " ")
}

func cmpDur(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

func cmpErr(err, def error) error {
	if err != nil {
		return err
	}
	return def
}
