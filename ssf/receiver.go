package ssf

import (
	"cmp"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store"
)

// Receiver defaults.
const (
	DefaultMaxAge = 24 * time.Hour
	DefaultLeeway = time.Minute
	// DefaultReplayCache is how many received jti a Receiver remembers.
	DefaultReplayCache = 200_000
	// maxUnresolved is how many unresolved subjects a Receiver keeps per
	// tenant.
	maxUnresolved = 1000
)

// TrustedTransmitter is a transmitter a tenant accepts SETs from.
type TrustedTransmitter struct {
	// Issuer is the transmitter's issuer: a SET's iss must equal it.
	Issuer string
	// JWKSURI is where its keys are; empty means the jwks_uri of its
	// configuration metadata (ConfigurationURL, or WellKnownURL(Issuer)).
	JWKSURI string
	// ConfigurationURL is the transmitter's configuration metadata URL;
	// empty means WellKnownURL(Issuer).
	ConfigurationURL string
	// Audience lists the aud values this receiver answers to (the stream's
	// aud); a SET must name at least one. Required.
	Audience []string
	// PushAuthorization, when set, is the Authorization header value the
	// transmitter must send with each push (the stream's
	// authorization_header).
	PushAuthorization string
	// Algorithms is the signature algorithm allow-list; empty means
	// DefaultAlgorithms. "none" and HMAC algorithms are never accepted.
	Algorithms []string
	// PollURL, for transmitters that only offer poll delivery (RFC 8936),
	// is the stream's poll endpoint; RunPollers polls it with
	// PollAuthorization as the Authorization header.
	PollURL, PollAuthorization string
}

// ReceiverConfig configures NewReceiver. Store and Trusted are required.
type ReceiverConfig struct {
	// Store resolves subjects to users (userName, emails.value, id,
	// externalId, phoneNumbers.value).
	Store store.Store
	// Users and Groups are the resource types; default the RFC 7643 ones.
	Users, Groups *schema.ResourceType
	// Trusted lists, per tenant, the transmitters the tenant accepts.
	Trusted map[string][]TrustedTransmitter
	// DefaultTenant is the tenant of the push path without a tenant;
	// default scim.DefaultTenant.
	DefaultTenant string
	// Revoker receives session-revoked (and RISC account-disabled,
	// account-purged) for a resolved user. Give the gateway's
	// *hooks.Access: it applies the tenant's policy and records a receipt,
	// exactly as for a SCIM deactivation.
	Revoker hooks.Revoker
	// Reauthenticator receives credential-change and
	// assurance-level-change.
	Reauthenticator hooks.Reauthenticator
	// Client fetches keys and metadata and polls; nil means
	// http.DefaultClient without redirects.
	Client *http.Client
	// MaxAge refuses SETs issued longer ago (iat); default DefaultMaxAge.
	// Replays are detected within this window.
	MaxAge time.Duration
	// Leeway tolerates clock skew on iat and exp; default DefaultLeeway.
	Leeway time.Duration
	// ReplayCache bounds the remembered jti; default DefaultReplayCache.
	ReplayCache int
	// PollInterval is the pause between polls after an error; default 5s.
	PollInterval time.Duration
	// Logger; nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Receiver receives SETs (push, RFC 8935, and poll, RFC 8936), verifies
// them against the transmitter's JWKS, and acts on them through the same
// hooks as SCIM: session-revoked revokes, credential-change and
// assurance-level-change make the user re-authenticate. Safe for
// concurrent use.
type Receiver struct {
	cfg      ReceiverConfig
	dir      *hooks.Directory
	jwks     *jwksCache
	log      *slog.Logger
	now      func() time.Time
	seen     *recentSet
	mu       sync.Mutex
	jwksURIs map[string]string // issuer -> discovered jwks_uri
	unres    map[string][]Unresolved
	verified map[string]string // tenant\x00issuer -> last verification state
}

// Unresolved is a SET whose subject names no user of the tenant: it is
// recorded (not an error: the transmitter may know users this receiver
// does not).
type Unresolved struct {
	// Time is when the SET was acted on, by the receiver's clock.
	Time time.Time
	// Issuer and JTI identify the SET (its iss and jti claims).
	Issuer string
	// JTI: see Issuer.
	JTI string
	// EventType is the event's URI, e.g. EventSessionRevoked.
	EventType string
	// Subject is the subject identifier as the SET carried it.
	Subject json.RawMessage
}

// NewReceiver checks cfg and returns a Receiver.
func NewReceiver(cfg ReceiverConfig) (*Receiver, error) {
	if cfg.Store == nil {
		return nil, errors.New("ssf: ReceiverConfig.Store is required")
	}
	for tenant, ts := range cfg.Trusted {
		for i, tt := range ts {
			if tt.Issuer == "" || len(tt.Audience) == 0 {
				return nil, fmt.Errorf("ssf: trusted transmitter %d of tenant %q needs an Issuer and an Audience", i, tenant)
			}
			for _, a := range tt.Algorithms {
				if len(allowedAlgs([]string{a})) == 0 {
					return nil, fmt.Errorf("ssf: trusted transmitter %q: algorithm %q is never allowed", tt.Issuer, a)
				}
			}
		}
	}
	cfg.Users = cmp.Or(cfg.Users, schema.UserResourceType())
	cfg.Groups = cmp.Or(cfg.Groups, schema.GroupResourceType())
	cfg.DefaultTenant = cmp.Or(cfg.DefaultTenant, scim.DefaultTenant)
	cfg.MaxAge = cmp.Or(cfg.MaxAge, DefaultMaxAge)
	cfg.Leeway = cmp.Or(cfg.Leeway, DefaultLeeway)
	cfg.ReplayCache = cmp.Or(cfg.ReplayCache, DefaultReplayCache)
	cfg.PollInterval = cmp.Or(cfg.PollInterval, 5*time.Second)
	if cfg.Client == nil {
		cfg.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	r := &Receiver{cfg: cfg, dir: hooks.NewDirectory(cfg.Store, cfg.Users, cfg.Groups), log: cmp.Or(cfg.Logger, slog.Default()),
		now: cfg.Now, seen: newRecentSet(cfg.ReplayCache), jwksURIs: map[string]string{},
		unres: map[string][]Unresolved{}, verified: map[string]string{}}
	if r.now == nil {
		r.now = time.Now
	}
	r.jwks = newJWKSCache(cfg.Client, r.now)
	return r, nil
}

// ServeHTTP is the push endpoint (RFC 8935): POST /ssf/receive for
// DefaultTenant, POST /ssf/t/{tenant}/receive for another tenant. It
// answers 202 to a SET it accepted or had already accepted (the same
// issuer and jti: acknowledged, not acted on twice), and 400 with {"err", "description"}
// (invalid_request, invalid_key, invalid_issuer, invalid_audience,
// authentication_failed) to one it refused; 503 when it could not be
// processed for now (the transmitter retries): acting on it failed, or it
// is signed with a key not in the transmitter's JWKS as last fetched and
// the JWKS was fetched too recently to fetch it again (a key rotated in
// since).
func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tenant, ok := rc.tenantOf(r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeError(w, http.StatusMethodNotAllowed, "invalid_request", "POST a SET")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxSETSize+1))
	if err != nil || len(body) > MaxSETSize {
		writeError(w, http.StatusBadRequest, "invalid_request", "unreadable body or larger than 64 KiB")
		return
	}
	auth := r.Header.Get("Authorization")
	err = rc.receive(r.Context(), tenant, strings.TrimSpace(string(body)), &auth)
	switch {
	case err == nil, errors.Is(err, ErrReplay):
		// A SET received before is acknowledged again and not acted on
		// twice: a transmitter that lost the first 202 retries, and a
		// refusal would make it give the event up as undeliverable.
		w.WriteHeader(http.StatusAccepted)
	case errors.Is(err, errTransient):
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "the SET could not be processed now; retry")
	default:
		writeError(w, http.StatusBadRequest, ErrorCode(err), err.Error())
	}
}

// tenantOf maps /ssf/receive and /ssf/t/{tenant}/receive to a tenant.
func (rc *Receiver) tenantOf(path string) (string, bool) {
	if path == "/ssf/receive" {
		return rc.cfg.DefaultTenant, true
	}
	rest, ok := strings.CutPrefix(path, "/ssf/t/")
	tenant, ok2 := strings.CutSuffix(rest, "/receive")
	return tenant, ok && ok2 && tenant != "" && !strings.Contains(tenant, "/")
}

// errTransient marks failures of the action (revoker, store), not of the
// SET: the SET is not acknowledged so that it comes again.
var errTransient = errors.New("ssf: processing failed; retry")

// Receive verifies one SET for tenant, as received by a poll, and acts
// on it. It returns nil once the SET is processed, an error wrapping one
// of ErrMalformed, ErrSignature, ErrIssuer, ErrAudience, ErrExpired or
// ErrReplay for a refused SET, or another error for a failure to act on
// it now (retry later).
func (rc *Receiver) Receive(ctx context.Context, tenant, token string) error {
	return rc.receive(ctx, tenant, token, nil)
}

// receive is Receive; a push passes its Authorization header, checked
// against the transmitter's PushAuthorization.
func (rc *Receiver) receive(ctx context.Context, tenant, token string, authorization *string) error {
	tt, set, err := rc.verify(ctx, tenant, token)
	if err != nil {
		return err
	}
	if authorization != nil && tt.PushAuthorization != "" &&
		subtle.ConstantTimeCompare([]byte(*authorization), []byte(tt.PushAuthorization)) != 1 {
		return fmt.Errorf("ssf: %w: the Authorization header does not match the stream's", ErrAuthentication)
	}
	key := tenant + "\x00" + set.Issuer + "\x00" + set.ID
	if rc.seen.has(key) {
		return fmt.Errorf("ssf: %w: jti %s", ErrReplay, set.ID)
	}
	if err := rc.act(ctx, tenant, tt, set); err != nil {
		return err
	}
	rc.seen.add(key)
	return nil
}

// verify parses and checks a SET: trusted issuer, allowed algorithm,
// signature by a key of the issuer's JWKS (refreshed on an unknown kid),
// audience, iat and exp.
func (rc *Receiver) verify(ctx context.Context, tenant, token string) (TrustedTransmitter, *SET, error) {
	jws, set, err := ParseSET(token, nil)
	if err != nil {
		return TrustedTransmitter{}, nil, err
	}
	i := slices.IndexFunc(rc.cfg.Trusted[tenant], func(tt TrustedTransmitter) bool { return tt.Issuer == set.Issuer })
	if i < 0 {
		return TrustedTransmitter{}, nil, fmt.Errorf("ssf: %w: %q", ErrIssuer, set.Issuer)
	}
	tt := rc.cfg.Trusted[tenant][i]
	h := jws.Signatures[0].Header
	if !slices.Contains(allowedAlgs(tt.Algorithms), jose.SignatureAlgorithm(h.Algorithm)) {
		return tt, nil, fmt.Errorf("ssf: %w: algorithm %s not allowed", ErrSignature, h.Algorithm)
	}
	if typ, _ := h.ExtraHeaders["typ"].(string); typ != "" && !strings.EqualFold(typ, setType) && !strings.EqualFold(typ, "application/"+setType) && !strings.EqualFold(typ, "JWT") {
		return tt, nil, fmt.Errorf("ssf: %w: typ %q is not a SET", ErrMalformed, typ)
	}
	if err := rc.checkSignature(ctx, tt, jws, h.KeyID); err != nil {
		return tt, nil, err
	}
	if !slices.ContainsFunc(set.Audience, func(a string) bool { return slices.Contains(tt.Audience, a) }) {
		return tt, nil, fmt.Errorf("ssf: %w: aud %v", ErrAudience, []string(set.Audience))
	}
	now := rc.now()
	switch iat := time.Unix(set.IssuedAt, 0); {
	case iat.After(now.Add(rc.cfg.Leeway)):
		return tt, nil, fmt.Errorf("ssf: %w: issued in the future (iat %s)", ErrExpired, iat.UTC().Format(time.RFC3339))
	case iat.Before(now.Add(-rc.cfg.MaxAge)):
		return tt, nil, fmt.Errorf("ssf: %w: issued %s ago, more than %s", ErrExpired, now.Sub(iat).Round(time.Second), rc.cfg.MaxAge)
	}
	if set.Expiry != 0 && time.Unix(set.Expiry, 0).Before(now.Add(-rc.cfg.Leeway)) {
		return tt, nil, fmt.Errorf("ssf: %w: exp is past", ErrExpired)
	}
	return tt, set, nil
}

func (rc *Receiver) checkSignature(ctx context.Context, tt TrustedTransmitter, jws *jose.JSONWebSignature, kid string) error {
	uri, err := rc.jwksURI(ctx, tt)
	if err != nil {
		return fmt.Errorf("%w: %w", errTransient, err)
	}
	keys, err := rc.jwks.keys(ctx, uri, kid)
	if err != nil {
		return fmt.Errorf("%w: %w", errTransient, err)
	}
	for _, k := range keys {
		if _, err := jws.Verify(k.Public()); err == nil {
			return nil
		}
	}
	return fmt.Errorf("ssf: %w: no key of %s (kid %q) verifies it", ErrSignature, tt.Issuer, kid)
}

// jwksURI returns the transmitter's JWKS URL, from its configuration or
// its metadata (fetched once).
func (rc *Receiver) jwksURI(ctx context.Context, tt TrustedTransmitter) (string, error) {
	if tt.JWKSURI != "" {
		return tt.JWKSURI, nil
	}
	rc.mu.Lock()
	uri := rc.jwksURIs[tt.Issuer]
	rc.mu.Unlock()
	if uri != "" {
		return uri, nil
	}
	mdURL := tt.ConfigurationURL
	if mdURL == "" {
		var err error
		if mdURL, err = WellKnownURL(tt.Issuer); err != nil {
			return "", err
		}
	}
	var md Metadata
	if err := getJSON(ctx, rc.cfg.Client, mdURL, &md); err != nil {
		return "", err
	}
	if md.Issuer != tt.Issuer || md.JWKSURI == "" {
		return "", fmt.Errorf("ssf: metadata at %s names issuer %q (want %q) or no jwks_uri", mdURL, md.Issuer, tt.Issuer)
	}
	rc.mu.Lock()
	rc.jwksURIs[tt.Issuer] = md.JWKSURI
	rc.mu.Unlock()
	return md.JWKSURI, nil
}

// Unresolved returns the recent SETs of tenant whose subject named no
// user, oldest first.
func (rc *Receiver) Unresolved(tenant string) []Unresolved {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.unres[tenant])
}

// Verified returns the state of the last verification event received
// from issuer for tenant, and whether one was received.
func (rc *Receiver) Verified(tenant, issuer string) (string, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	s, ok := rc.verified[tenant+"\x00"+issuer]
	return s, ok
}
