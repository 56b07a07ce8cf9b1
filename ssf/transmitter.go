package ssf

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store"
)

// Transmitter defaults and limits.
const (
	DefaultLongPoll       = 20 * time.Second
	DefaultPushTimeout    = 10 * time.Second
	DefaultMaxStreams     = 32
	DefaultMaxEvents      = 100
	MaxMaxEvents          = 1000
	DefaultMinVerifyEvery = time.Second
	// MaxPending bounds the SETs a poll stream has handed out without an
	// acknowledgement; while it is full, no new events are read for it.
	MaxPending = 1000
	// maxBody caps request bodies of the management and poll endpoints.
	maxBody = 256 << 10
	// SpecVersion is the SSF version advertised (SSF 1.0 §7.1).
	SpecVersion = "1_0"
)

// Config configures NewTransmitter. Store, Authenticator, Origin and KEK
// are required; every other zero field has the documented default.
type Config struct {
	// Store is the SCIM store: it must implement store.Outbox (the events
	// SETs are made from) and, unless States is set, store.States
	// (streams and sealed signing keys). Every scimkit backend does.
	Store store.Store
	// States keeps streams and sealed signing keys; nil means Store.
	States store.States
	// Authenticator authenticates the stream management and poll requests
	// with the tenant's credentials (the SCIM bearer tokens, typically);
	// a stream belongs to the tenant of the principal that created it.
	Authenticator scim.Authenticator
	// Origin is the public origin of the server, e.g.
	// "https://gw.example.com": the issuer of DefaultTenant. Another
	// tenant T has the issuer Origin + "/ssf/t/" + T, whose configuration
	// is at Origin + "/.well-known/ssf-configuration/ssf/t/" + T (SSF 1.0
	// §7.2.1, the path form for several issuers on one host).
	Origin string
	// DefaultTenant is the tenant whose issuer is Origin; default
	// scim.DefaultTenant.
	DefaultTenant string
	// KEK is the 32-byte key-encryption key that seals signing keys and
	// push credentials (AES-256-GCM) before they reach the store.
	KEK []byte
	// KeyRotation rotates a tenant's signing key when the active one is
	// older (the previous key stays published); 0 never rotates
	// automatically (see Transmitter.RotateKeys).
	KeyRotation time.Duration
	// TenantExists, when set, reports whether a tenant exists (an error
	// wrapping store.ErrNotFound: 404); nil accepts every tenant.
	TenantExists func(ctx context.Context, tenant string) error
	// Users and Groups are the resource types; default the RFC 7643 ones.
	Users, Groups *schema.ResourceType
	// Client sends push requests; nil means one that does not follow
	// redirects.
	Client *http.Client
	// PushTimeout bounds one push request; default DefaultPushTimeout.
	PushTimeout time.Duration
	// LongPoll bounds how long a poll without returnImmediately waits for
	// events; default DefaultLongPoll.
	LongPoll time.Duration
	// MaxStreams bounds the streams of one tenant; default
	// DefaultMaxStreams.
	MaxStreams int
	// MinVerificationInterval is the least time between two verification
	// events a receiver may request (SSF 1.0 §8.1.1); default
	// DefaultMinVerifyEvery.
	MinVerificationInterval time.Duration
	// Logger receives delivery errors; nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Transmitter is an SSF 1.0 transmitter for the events of a scimkit store:
// transmitter metadata, JWKS, stream management, poll delivery (RFC 8936)
// from the outbox, and push delivery (RFC 8935) as a hooks.Handler. Create
// it with NewTransmitter; its methods are safe for concurrent use.
type Transmitter struct {
	cfg      Config
	states   store.States
	outbox   store.Outbox
	notifier store.Notifier
	keys     *keyRing
	log      *slog.Logger
	now      func() time.Time
	mux      *http.ServeMux
	pushed   *recentSet

	flushMu  sync.Mutex
	flushing map[string]*sync.Mutex // per stream: one flush at a time
	retrying map[string]bool        // streams with a flush retry scheduled
}

// NewTransmitter checks cfg and returns a Transmitter.
func NewTransmitter(cfg Config) (*Transmitter, error) {
	if cfg.Store == nil || cfg.Authenticator == nil {
		return nil, errors.New("ssf: Config.Store and Config.Authenticator are required")
	}
	o, ok := cfg.Store.(store.Outbox)
	if !ok {
		return nil, fmt.Errorf("ssf: Config.Store (%T) does not implement store.Outbox", cfg.Store)
	}
	if cfg.States == nil {
		if cfg.States, ok = cfg.Store.(store.States); !ok {
			return nil, fmt.Errorf("ssf: Config.Store (%T) does not implement store.States; set Config.States", cfg.Store)
		}
	}
	u, err := url.Parse(cfg.Origin)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return nil, fmt.Errorf("ssf: Config.Origin %q must be an origin such as https://gw.example.com", cfg.Origin)
	}
	cfg.Origin = strings.TrimSuffix(cfg.Origin, "/")
	cfg.DefaultTenant = cmp.Or(cfg.DefaultTenant, scim.DefaultTenant)
	cfg.Users = cmp.Or(cfg.Users, schema.UserResourceType())
	cfg.Groups = cmp.Or(cfg.Groups, schema.GroupResourceType())
	cfg.PushTimeout = cmp.Or(cfg.PushTimeout, DefaultPushTimeout)
	cfg.LongPoll = cmp.Or(cfg.LongPoll, DefaultLongPoll)
	cfg.MaxStreams = cmp.Or(cfg.MaxStreams, DefaultMaxStreams)
	cfg.MinVerificationInterval = cmp.Or(cfg.MinVerificationInterval, DefaultMinVerifyEvery)
	if cfg.Client == nil {
		cfg.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	t := &Transmitter{cfg: cfg, states: cfg.States, outbox: o, log: cmp.Or(cfg.Logger, slog.Default()),
		now: cfg.Now, pushed: newRecentSet(100_000), flushing: map[string]*sync.Mutex{}, retrying: map[string]bool{}}
	if t.now == nil {
		t.now = time.Now
	}
	t.notifier, _ = cfg.Store.(store.Notifier)
	if t.keys, err = newKeyRing(cfg.States, cfg.KEK, cfg.KeyRotation, t.now); err != nil {
		return nil, err
	}
	t.routes()
	return t, nil
}

// Paths of the transmitter's endpoints, for DefaultTenant; another tenant
// T has them under "/ssf/t/T" instead of "/ssf".
const (
	WellKnownPath = "/.well-known/ssf-configuration"
	pathJWKS      = "/jwks"
	pathStream    = "/stream"
	pathStatus    = "/status"
	pathVerify    = "/verify"
	pathAdd       = "/subjects:add"
	pathRemove    = "/subjects:remove"
	pathPoll      = "/poll/"
)

func (t *Transmitter) routes() {
	t.mux = http.NewServeMux()
	t.mux.HandleFunc("GET "+WellKnownPath, t.tenantHandler(t.metadata))
	t.mux.HandleFunc("GET "+WellKnownPath+"/ssf/t/{tenant}", t.tenantHandler(t.metadata))
	for _, base := range []string{"/ssf", "/ssf/t/{tenant}"} {
		t.mux.HandleFunc("GET "+base+pathJWKS, t.tenantHandler(t.serveJWKS))
		t.mux.HandleFunc(base+pathStream, t.tenantHandler(t.authed(t.serveStream)))
		t.mux.HandleFunc(base+pathStatus, t.tenantHandler(t.authed(t.serveStatus)))
		t.mux.HandleFunc("POST "+base+pathVerify, t.tenantHandler(t.authed(t.serveVerify)))
		t.mux.HandleFunc("POST "+base+pathAdd, t.tenantHandler(t.authed(t.serveAddSubject)))
		t.mux.HandleFunc("POST "+base+pathRemove, t.tenantHandler(t.authed(t.serveRemoveSubject)))
		t.mux.HandleFunc("POST "+base+pathPoll+"{stream}", t.tenantHandler(t.authed(t.servePoll)))
	}
}

// ServeHTTP serves the transmitter's endpoints: mount it at the root of
// the server (it answers only the paths above; others are 404).
func (t *Transmitter) ServeHTTP(w http.ResponseWriter, r *http.Request) { t.mux.ServeHTTP(w, r) }

// Issuer returns the issuer of tenant's SETs.
func (t *Transmitter) Issuer(tenant string) string {
	if tenant == t.cfg.DefaultTenant {
		return t.cfg.Origin
	}
	return t.cfg.Origin + "/ssf/t/" + url.PathEscape(tenant)
}

// ConfigurationURL returns the URL of tenant's transmitter configuration
// metadata (SSF 1.0 §7.2): what a receiver, or Okta's "Security Events
// Provider", is given.
func (t *Transmitter) ConfigurationURL(tenant string) string {
	if tenant == t.cfg.DefaultTenant {
		return t.cfg.Origin + WellKnownPath
	}
	return t.cfg.Origin + WellKnownPath + "/ssf/t/" + url.PathEscape(tenant)
}

// endpoint returns the URL of one of tenant's endpoints.
func (t *Transmitter) endpoint(tenant, path string) string {
	if tenant == t.cfg.DefaultTenant {
		return t.cfg.Origin + "/ssf" + path
	}
	return t.Issuer(tenant) + path
}

// RotateKeys makes a new signing key the tenant's active key; the
// previous one stays in the JWKS until the next rotation, so SETs signed
// just before still verify.
func (t *Transmitter) RotateKeys(ctx context.Context, tenant string) error {
	return t.keys.rotate(ctx, tenant)
}

// Metadata is the transmitter configuration metadata (SSF 1.0 §7.1).
type Metadata struct {
	// SpecVersion is the SSF version implemented, e.g. "1_0".
	SpecVersion string `json:"spec_version"`
	// Issuer is the transmitter's issuer URL: the iss of its SETs.
	Issuer string `json:"issuer"`
	// JWKSURI is where the keys that sign its SETs are published.
	JWKSURI string `json:"jwks_uri"`
	// DeliveryMethodsSupported are the delivery method URIs it offers.
	DeliveryMethodsSupported []string `json:"delivery_methods_supported"`
	// ConfigurationEndpoint manages streams (create, read, update, delete).
	ConfigurationEndpoint string `json:"configuration_endpoint"`
	// StatusEndpoint reads and sets a stream's status.
	StatusEndpoint string `json:"status_endpoint"`
	// AddSubjectEndpoint and RemoveSubjectEndpoint change a stream's
	// subjects.
	AddSubjectEndpoint string `json:"add_subject_endpoint"`
	// RemoveSubjectEndpoint: see AddSubjectEndpoint.
	RemoveSubjectEndpoint string `json:"remove_subject_endpoint"`
	// VerificationEndpoint asks for a verification event.
	VerificationEndpoint string `json:"verification_endpoint"`
	// CriticalSubjectMembers are the complex-subject members a receiver
	// must understand.
	CriticalSubjectMembers []string `json:"critical_subject_members,omitempty"`
	// AuthorizationSchemes are how the endpoints authorize requests.
	AuthorizationSchemes []AuthorizationScheme `json:"authorization_schemes"`
	// DefaultSubjects is "ALL" (a new stream covers every subject) or
	// "NONE" (only subjects added to it).
	DefaultSubjects string `json:"default_subjects"`
}

// AuthorizationScheme names a way to authorize requests (SSF 1.0 §7.1.1).
type AuthorizationScheme struct {
	// SpecURN names the scheme's specification, e.g. "urn:ietf:rfc:6750"
	// (bearer tokens).
	SpecURN string `json:"spec_urn"`
}

// Metadata returns tenant's transmitter configuration metadata.
func (t *Transmitter) Metadata(tenant string) Metadata {
	return Metadata{
		SpecVersion:              SpecVersion,
		Issuer:                   t.Issuer(tenant),
		JWKSURI:                  t.endpoint(tenant, pathJWKS),
		DeliveryMethodsSupported: []string{DeliveryPush, DeliveryPoll},
		ConfigurationEndpoint:    t.endpoint(tenant, pathStream),
		StatusEndpoint:           t.endpoint(tenant, pathStatus),
		AddSubjectEndpoint:       t.endpoint(tenant, pathAdd),
		RemoveSubjectEndpoint:    t.endpoint(tenant, pathRemove),
		VerificationEndpoint:     t.endpoint(tenant, pathVerify),
		// Bearer tokens (RFC 6750) as issued to the tenant's SCIM
		// clients; RFC 6749 for OAuth access tokens an Authenticator
		// may accept (CAEP interoperability profile §2.3.6).
		AuthorizationSchemes: []AuthorizationScheme{{SpecURN: "urn:ietf:rfc:6750"}, {SpecURN: "urn:ietf:rfc:6749"}},
		DefaultSubjects:      "ALL",
	}
}

type tenantFunc func(w http.ResponseWriter, r *http.Request, tenant string)

// tenantHandler resolves the tenant of the path and checks it exists.
func (t *Transmitter) tenantHandler(h tenantFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tenant := r.PathValue("tenant")
		if tenant == "" {
			tenant = t.cfg.DefaultTenant
		}
		if t.cfg.TenantExists != nil {
			if err := t.cfg.TenantExists(r.Context(), tenant); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					writeError(w, http.StatusNotFound, "not_found", "no such tenant")
				} else {
					t.fail(w, err)
				}
				return
			}
		}
		h(w, r, tenant)
	}
}

func (t *Transmitter) metadata(w http.ResponseWriter, r *http.Request, tenant string) {
	writeJSON(w, http.StatusOK, t.Metadata(tenant))
}

func (t *Transmitter) serveJWKS(w http.ResponseWriter, r *http.Request, tenant string) {
	set, err := t.keys.jwks(r.Context(), tenant)
	if err != nil {
		t.fail(w, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Content-Type", "application/jwk-set+json")
	json.NewEncoder(w).Encode(set)
}

// authed authenticates the request with the tenant's credentials.
func (t *Transmitter) authed(h func(w http.ResponseWriter, r *http.Request, tenant string, p scim.Principal)) tenantFunc {
	return func(w http.ResponseWriter, r *http.Request, tenant string) {
		p, err := t.cfg.Authenticator.Authenticate(r)
		if err != nil {
			if se, ok := errors.AsType[*schema.Error](err); ok && se.Status >= 400 && se.Status != http.StatusUnauthorized {
				writeError(w, se.Status, "unavailable", http.StatusText(se.Status))
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="ssf"`)
			writeError(w, http.StatusUnauthorized, "invalid_token", "authorization failed or missing")
			return
		}
		if cmp.Or(p.Tenant, scim.DefaultTenant) != tenant {
			writeError(w, http.StatusForbidden, "access_denied", "the credential belongs to another tenant: use its own configuration URL")
			return
		}
		if p.ReadOnly && r.Method != http.MethodGet && !strings.Contains(r.URL.Path, pathPoll) {
			writeError(w, http.StatusForbidden, "access_denied", "the credential is read-only")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		h(w, r, tenant, p)
	}
}

// fail answers an unexpected error: 503 for an unavailable store, else a
// generic 500 (logged, never echoed).
func (t *Transmitter) fail(w http.ResponseWriter, err error) {
	if errors.Is(err, store.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "the store is unavailable; retry")
		return
	}
	t.log.Error("ssf: request failed", "err", err)
	writeError(w, http.StatusInternalServerError, "server_error", "internal error")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeError answers {"err": code, "description": ...} (the RFC 8935
// §2.4 error shape, also used by the management endpoints).
func writeError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"err": code, "description": desc})
}
