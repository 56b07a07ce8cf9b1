package console

import (
	"context"
	"crypto/sha256"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// MinAdminTokenLength is the shortest admin credential New accepts, in
// bytes: a credential that opens every tenant must not be guessable.
const MinAdminTokenLength = 16

// Defaults of Config.
const (
	DefaultPrefix      = "/admin"
	DefaultSessionTTL  = 8 * time.Hour
	DefaultIdleTimeout = time.Hour
	DefaultPageSize    = 50
)

// Replayer redelivers parked events of a consumer; *hooks.Dispatcher
// implements it.
type Replayer interface {
	// Replay redelivers the given parked events of consumer (all of them
	// when none is given) and returns an error naming those that failed
	// again.
	Replay(ctx context.Context, consumer string, eventIDs ...string) error
}

// Config configures a console. Store and AdminToken are required; every
// other zero value has a documented default.
type Config struct {
	// Store is the store the console shows and manages. Its optional
	// capabilities are found by type assertion: store.Tenants,
	// store.Tokens, store.ProvisioningLog, store.RequestEvents,
	// store.Deliveries with store.Consumers and store.Outbox. A page whose
	// capability is missing says so instead of failing.
	Store store.Store
	// AdminToken is the operator's credential, distinct from every SCIM
	// bearer token: at least MinAdminTokenLength bytes. New keeps only its
	// SHA-256 digest; the caller should drop its own copy.
	AdminToken string
	// Prefix is the path the console is mounted at, without a trailing
	// slash (DefaultPrefix, "/admin", when empty). The handler expects
	// full request paths under it (mount it with mux.Handle(prefix+"/", h),
	// without http.StripPrefix).
	Prefix string
	// DefaultTenant is the tenant the directory and tokens pages show
	// when the operator names none, offered in every tenant picker even
	// when it has no tenant record (a gateway's default tenant usually has
	// none). Empty: the first tenant record.
	DefaultTenant string
	// Replayer redelivers parked events (the application's
	// hooks.Dispatcher). Nil: the deliveries page lists parked events
	// without a replay button.
	Replayer Replayer
	// ResourceTypes are the types the directory page searches (default:
	// schema.UserResourceType and schema.GroupResourceType). The first
	// named "User" and the first named "Group" are used for memberships.
	ResourceTypes []*schema.ResourceType
	// SecureCookies marks the session cookie Secure even on plain HTTP
	// requests, for a console behind a proxy that terminates TLS. Requests
	// that arrive over TLS always get a Secure cookie.
	SecureCookies bool
	// SessionTTL bounds a session from sign-in (DefaultSessionTTL when
	// zero); IdleTimeout ends it after that long without a request
	// (DefaultIdleTimeout when zero).
	SessionTTL, IdleTimeout time.Duration
	// PageSize is the number of rows of each page (DefaultPageSize when
	// zero, at most store.MaxProvisioningLimit).
	PageSize int
	// Logger receives sign-ins, sign-outs, refusals and every change made
	// through the console (slog.Default when nil).
	Logger *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Console is the web console: an http.Handler. Create it with New; it is
// safe for concurrent use.
type Console struct {
	cfg       Config
	tokenHash [sha256.Size]byte
	pages     map[string]*template.Template
	static    http.Handler
	users     *schema.ResourceType
	groups    *schema.ResourceType
	mux       *http.ServeMux

	mu        sync.Mutex
	sessions  map[string]*session
	throttled map[string]*bucket // failed sign-ins by client address
	reveals   map[string]*reveal // new secrets waiting to be shown, by handle
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// New checks cfg and returns the console.
func New(cfg Config) (*Console, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("console: Config.Store is required")
	case len(cfg.AdminToken) < MinAdminTokenLength:
		return nil, fmt.Errorf("console: the admin token must be at least %d bytes (e.g. openssl rand -base64 32)", MinAdminTokenLength)
	case cfg.PageSize < 0 || cfg.SessionTTL < 0 || cfg.IdleTimeout < 0:
		return nil, errors.New("console: PageSize, SessionTTL and IdleTimeout must not be negative")
	}
	cfg.Prefix = strings.TrimSuffix(cfg.Prefix, "/")
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if !strings.HasPrefix(cfg.Prefix, "/") {
		return nil, fmt.Errorf("console: Prefix %q must start with /", cfg.Prefix)
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.PageSize == 0 {
		cfg.PageSize = DefaultPageSize
	}
	cfg.PageSize = min(cfg.PageSize, store.MaxProvisioningLimit)
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if len(cfg.ResourceTypes) == 0 {
		cfg.ResourceTypes = []*schema.ResourceType{schema.UserResourceType(), schema.GroupResourceType()}
	}
	c := &Console{cfg: cfg, tokenHash: sha256.Sum256([]byte(cfg.AdminToken)), sessions: map[string]*session{},
		throttled: map[string]*bucket{}, reveals: map[string]*reveal{}}
	c.cfg.AdminToken = ""
	for _, rt := range cfg.ResourceTypes {
		switch {
		case rt.Name == "User" && c.users == nil:
			c.users = rt
		case rt.Name == "Group" && c.groups == nil:
			c.groups = rt
		}
	}
	var err error
	if c.pages, err = parsePages(cfg.Prefix); err != nil {
		return nil, err
	}
	sub, _ := fs.Sub(staticFS, "static")
	c.static = http.StripPrefix(cfg.Prefix+"/static/", http.FileServerFS(sub))
	c.routes()
	return c, nil
}

// ServeHTTP implements http.Handler.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	if !strings.HasPrefix(r.URL.Path, c.cfg.Prefix+"/static/") {
		h.Set("Cache-Control", "no-store")
	}
	c.mux.ServeHTTP(w, r)
}
