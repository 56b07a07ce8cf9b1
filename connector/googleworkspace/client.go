package googleworkspace

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/jwt"
)

// Defaults of Config.
const (
	// DefaultEndpoint is the root of Google's Admin SDK APIs.
	DefaultEndpoint = "https://admin.googleapis.com"
	// DefaultCustomer names the customer of the impersonated admin.
	DefaultCustomer = "my_customer"
	// DefaultMaxRetries is how many times a rate-limited or failed request
	// is retried.
	DefaultMaxRetries = 6
)

// Scopes are the read-only OAuth scopes the client asks for; grant exactly
// these to the service account's client id under domain-wide delegation.
var Scopes = []string{
	"https://www.googleapis.com/auth/admin.directory.user.readonly",
	"https://www.googleapis.com/auth/admin.directory.group.readonly",
}

// Config configures a Client. Credentials and Subject are required.
type Config struct {
	// Credentials is the service account's JSON key file. Its private key
	// signs the JWT bearer grant (RFC 7523) sent to the file's token_uri;
	// it is never logged nor stored.
	Credentials []byte
	// Subject is the email of the admin the service account impersonates
	// (domain-wide delegation); Google reads the directory as this admin.
	Subject string
	// Customer is the customer whose directory is read (default
	// DefaultCustomer, the impersonated admin's).
	Customer string
	// Endpoint is the API root (default DefaultEndpoint), for proxies and
	// tests. The token endpoint is the key file's token_uri.
	Endpoint string
	// HTTPClient sends the requests, tokens included (default: a client
	// with a 60-second timeout).
	HTTPClient *http.Client
	// MaxRetries bounds the retries of one request after a rate limit
	// (403 userRateLimitExceeded, rateLimitExceeded, quotaExceeded; 429),
	// a 5xx or a transport error (default DefaultMaxRetries; negative:
	// none).
	MaxRetries int
	// MinBackoff and MaxBackoff bound the exponential backoff between
	// retries when the answer has no Retry-After (default 1s and 32s).
	// A Retry-After is honoured up to MaxRetryAfter (default 5m).
	MinBackoff, MaxBackoff, MaxRetryAfter time.Duration
	// Logger receives retries (default slog.Default()).
	Logger *slog.Logger
}

// Client reads a Google Workspace directory through the Admin SDK
// Directory API. It implements connector.Source. Safe for concurrent use.
type Client struct {
	cfg     Config
	base    string
	http    *http.Client
	key     *serviceAccountKey
	tokMu   sync.Mutex
	tokens  oauth2.TokenSource
	tokHTTP *http.Client
	calls   atomic.Int64
}

// New checks cfg, parses the key file and returns a Client. It makes no
// request: the first token is fetched by the first call.
func New(cfg Config) (*Client, error) {
	if cfg.Subject == "" {
		return nil, errors.New("googleworkspace: Config.Subject (the admin to impersonate) is required")
	}
	key, err := parseKey(cfg.Credentials)
	if err != nil {
		return nil, fmt.Errorf("googleworkspace: %w", err)
	}
	if cfg.Customer == "" {
		cfg.Customer = DefaultCustomer
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("googleworkspace: Config.Endpoint %q is not an http(s) URL", cfg.Endpoint)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: time.Minute}
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = DefaultMaxRetries
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 32 * time.Second
	}
	if cfg.MaxRetryAfter <= 0 {
		cfg.MaxRetryAfter = 5 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c := &Client{cfg: cfg, base: strings.TrimRight(cfg.Endpoint, "/"), key: key, tokHTTP: cfg.HTTPClient}
	c.resetToken()
	c.http = &http.Client{Transport: &oauth2.Transport{Source: c, Base: cfg.HTTPClient.Transport},
		Timeout: cfg.HTTPClient.Timeout, Jar: cfg.HTTPClient.Jar}
	return c, nil
}

// ClientEmail returns the service account's email (client_email).
func (c *Client) ClientEmail() string { return c.key.ClientEmail }

// ClientID returns the service account's client id, the one to authorise
// under domain-wide delegation.
func (c *Client) ClientID() string { return c.key.ClientID }

// Calls returns how many API requests (retries included, token requests
// excluded) the client has sent.
func (c *Client) Calls() int64 { return c.calls.Load() }

// resetToken starts a new token source: the JWT bearer grant to the key's
// token_uri, impersonating Subject.
func (c *Client) resetToken() {
	jc := &jwt.Config{Email: c.key.ClientEmail, PrivateKey: []byte(c.key.PrivateKey), PrivateKeyID: c.key.PrivateKeyID,
		Subject: c.cfg.Subject, Scopes: Scopes, TokenURL: c.key.TokenURI}
	// The token source keeps this context for its token requests: it
	// carries only the HTTP client (bounded by its timeout).
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, c.tokHTTP)
	c.tokMu.Lock()
	c.tokens = jc.TokenSource(ctx)
	c.tokMu.Unlock()
}

// Token returns an access token (oauth2.TokenSource).
func (c *Client) Token() (*oauth2.Token, error) {
	c.tokMu.Lock()
	ts := c.tokens
	c.tokMu.Unlock()
	t, err := ts.Token()
	if err != nil {
		return nil, tokenError(err)
	}
	return t, nil
}

// TokenError is a failed token request: the service account could not get
// a token for Subject.
type TokenError struct {
	// Status is the token endpoint's HTTP status (0 when unreachable).
	Status int
	// Code and Description are the OAuth error and its description.
	Code, Description string
	err               error
}

// Error says what the token endpoint answered and what to check.
func (e *TokenError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("googleworkspace: token request failed: %v", e.err)
	}
	hint := ""
	if e.Code == "unauthorized_client" || e.Code == "access_denied" || e.Code == "invalid_grant" {
		hint = " (check domain-wide delegation: the service account's client id must be authorised for the scopes " +
			strings.Join(Scopes, ",") + ", and the subject must be an admin of the domain)"
	}
	return fmt.Sprintf("googleworkspace: token request refused: %d %s: %s%s", e.Status, e.Code, e.Description, hint)
}

// Unwrap returns the underlying error.
func (e *TokenError) Unwrap() error { return e.err }

func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		te := &TokenError{Code: re.ErrorCode, Description: re.ErrorDescription, err: err}
		if te.Code == "" { // the JWT flow leaves the RFC 6749 §5.2 body to the caller
			var v struct {
				Error       string `json:"error"`
				Description string `json:"error_description"`
			}
			if json.Unmarshal(re.Body, &v) == nil {
				te.Code, te.Description = v.Error, v.Description
			}
		}
		if re.Response != nil {
			te.Status = re.Response.StatusCode
		}
		return te
	}
	return &TokenError{err: err}
}

// Error is an error answer of the Directory API.
type Error struct {
	// Op is the API method, e.g. "users.list".
	Op string
	// Status is the HTTP status.
	Status int
	// Reason is the first error's reason, e.g. "userRateLimitExceeded",
	// "notFound", "forbidden".
	Reason string
	// Message is Google's message.
	Message string
}

// Error names the call, the status, Google's reason and its message.
func (e *Error) Error() string {
	return fmt.Sprintf("googleworkspace: %s: %d %s: %s", e.Op, e.Status, e.Reason, e.Message)
}

// rateLimited reports whether the error asks to slow down.
func (e *Error) rateLimited() bool {
	switch e.Reason {
	case "userRateLimitExceeded", "rateLimitExceeded", "quotaExceeded", "dailyLimitExceeded", "backendError",
		"RATE_LIMIT_EXCEEDED", "RESOURCE_EXHAUSTED":
		return e.Status == http.StatusForbidden || e.Status == http.StatusTooManyRequests || e.Status >= 500
	}
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// parseError reads Google's error shape:
// {"error": {"code": 403, "message": "...", "errors": [{"reason": "..."}]}},
// or its newer form without "errors", whose reason is in a
// google.rpc.ErrorInfo of "details" (e.g. RATE_LIMIT_EXCEEDED), else the
// "status".
func parseError(op string, status int, body []byte) *Error {
	var v struct {
		Error struct {
			Message string `json:"message"`
			Status  string `json:"status"`
			Errors  []struct {
				Reason string `json:"reason"`
			} `json:"errors"`
			Details []struct {
				Type   string `json:"@type"`
				Reason string `json:"reason"`
			} `json:"details"`
		} `json:"error"`
	}
	e := &Error{Op: op, Status: status}
	if json.Unmarshal(body, &v) == nil {
		e.Message = v.Error.Message
		if len(v.Error.Errors) > 0 {
			e.Reason = v.Error.Errors[0].Reason
		}
		for _, d := range v.Error.Details {
			if e.Reason == "" && strings.HasSuffix(d.Type, "google.rpc.ErrorInfo") {
				e.Reason = d.Reason
			}
		}
		if e.Reason == "" {
			e.Reason = v.Error.Status
		}
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

// maxBody bounds an answer's size.
const maxBody = 64 << 20

// call sends one API request (path below the endpoint) with retries and
// decodes a 2xx answer into out (when not nil).
func (c *Client) call(ctx context.Context, op, method, path string, q url.Values, in, out any) error {
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	refreshed := false
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Accept", "application/json")
		if in != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		c.calls.Add(1)
		resp, err := c.http.Do(req)
		var wait time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			var te *TokenError
			if errors.As(err, &te) && te.Status != 0 && te.Status < 500 && te.Status != http.StatusTooManyRequests {
				return te // a refused grant does not get better by retrying
			}
			if attempt >= c.cfg.MaxRetries {
				return fmt.Errorf("googleworkspace: %s: %w", op, err)
			}
			wait = c.backoff(attempt)
		default:
			data, rerr := io.ReadAll(io.LimitReader(resp.Body, maxBody))
			resp.Body.Close()
			if resp.StatusCode/100 == 2 && rerr == nil {
				if out == nil || len(bytes.TrimSpace(data)) == 0 {
					return nil
				}
				if err := json.Unmarshal(data, out); err != nil {
					return fmt.Errorf("googleworkspace: %s: malformed answer: %w", op, err)
				}
				return nil
			}
			apiErr := parseError(op, resp.StatusCode, data)
			if resp.StatusCode == http.StatusUnauthorized && !refreshed {
				refreshed = true // an expired or revoked token: get a new one, once
				c.resetToken()
				attempt--
				continue
			}
			if rerr != nil {
				apiErr.Message = rerr.Error()
			} else if !apiErr.rateLimited() {
				return apiErr
			}
			if attempt >= c.cfg.MaxRetries {
				return apiErr
			}
			wait = c.retryAfter(resp.Header.Get("Retry-After"), attempt)
			c.cfg.Logger.Info("googleworkspace: retrying", "op", op, "status", resp.StatusCode, "reason", apiErr.Reason, "wait", wait)
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// backoff is the wait before retry attempt+1: exponential from MinBackoff,
// capped at MaxBackoff, with up to 50% jitter.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.MinBackoff << min(attempt, 20)
	if d <= 0 || d > c.cfg.MaxBackoff {
		d = c.cfg.MaxBackoff
	}
	return d + rand.N(d/2+1)
}

// retryAfter honours a Retry-After header (seconds or an HTTP date), up to
// MaxRetryAfter, else backs off.
func (c *Client) retryAfter(h string, attempt int) time.Duration {
	if h == "" {
		return c.backoff(attempt)
	}
	var d time.Duration
	if s, err := strconv.Atoi(strings.TrimSpace(h)); err == nil {
		d = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = time.Until(t)
	} else {
		return c.backoff(attempt)
	}
	return max(0, min(d, c.cfg.MaxRetryAfter))
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
