package ssf

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// JWKS cache tuning.
const (
	// jwksTTL is how long fetched keys are used before they are fetched
	// again.
	jwksTTL = time.Hour
	// jwksMinRefresh bounds how often an unknown kid refetches the keys,
	// so a stream of SETs with made-up kids cannot hammer the transmitter.
	jwksMinRefresh = 10 * time.Second
	// maxDocument caps fetched JWKS and metadata documents.
	maxDocument = 1 << 20
)

// jwksCache fetches and caches transmitters' key sets, refreshing on an
// unknown kid (at most every jwksMinRefresh). Safe for concurrent use.
type jwksCache struct {
	client *http.Client
	now    func() time.Time
	mu     sync.Mutex
	sets   map[string]*jwksEntry // by JWKS URL
}

type jwksEntry struct {
	mu      sync.Mutex
	keys    jose.JSONWebKeySet
	fetched time.Time
}

func newJWKSCache(c *http.Client, now func() time.Time) *jwksCache {
	return &jwksCache{client: c, now: now, sets: map[string]*jwksEntry{}}
}

// keys returns the keys of url with kid (every key when kid is empty),
// fetching when the cache is empty or stale, or refreshing when kid is
// unknown. An unknown kid when the keys were fetched less than
// jwksMinRefresh ago is an error (the caller fails for now, not for good);
// no key with kid in freshly fetched keys is an empty answer.
func (c *jwksCache) keys(ctx context.Context, url, kid string) ([]jose.JSONWebKey, error) {
	c.mu.Lock()
	e := c.sets[url]
	if e == nil {
		e = &jwksEntry{}
		c.sets[url] = e
	}
	c.mu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	now := c.now()
	find := func() []jose.JSONWebKey {
		if kid == "" {
			return e.keys.Keys
		}
		return e.keys.Key(kid)
	}
	stale := e.fetched.IsZero() || now.Sub(e.fetched) > jwksTTL
	if ks := find(); len(ks) > 0 && !stale {
		return ks, nil
	}
	if !stale && now.Sub(e.fetched) < jwksMinRefresh {
		// The kid may be a key the transmitter rotated in since the last
		// fetch: a failure for now (the SET comes again), not a refusal
		// that would lose it.
		return nil, fmt.Errorf("ssf: no key %q in %s as fetched %s ago; it is fetched again after %s",
			kid, url, now.Sub(e.fetched).Round(time.Millisecond), jwksMinRefresh)
	}
	var set jose.JSONWebKeySet
	if err := getJSON(ctx, c.client, url, &set); err != nil {
		if len(e.keys.Keys) > 0 {
			return find(), nil // keep using what we have while the transmitter is unreachable
		}
		return nil, err
	}
	e.keys, e.fetched = set, now
	return find(), nil
}

// getJSON GETs url and decodes its JSON body into v.
func getJSON(ctx context.Context, client *http.Client, url string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("ssf: fetch %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("ssf: fetch %s: %s", url, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocument))
	if err != nil {
		return fmt.Errorf("ssf: fetch %s: %w", url, err)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("ssf: fetch %s: %w", url, err)
	}
	return nil
}

// WellKnownURL returns where the transmitter configuration metadata of an
// issuer is (SSF 1.0 §7.2.1): "/.well-known/ssf-configuration" inserted
// between the issuer's host and path.
func WellKnownURL(issuer string) (string, error) {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("ssf: issuer %q is not a URL", issuer)
	}
	u.Path = WellKnownPath + strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u.String(), nil
}
