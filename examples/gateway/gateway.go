package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"sync"
	"time"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/ssf"
	"github.com/scimkit/scimkit/store"
)

const (
	// scimPath is where the SCIM handler is mounted.
	scimPath = "/scim/v2"
	// cookieName names the session cookie.
	cookieName = "gw_session"
	// reauthHeader marks a 401 that asks for a new login because the
	// user's groups changed (rather than a missing or revoked session).
	reauthHeader = "X-Reauth-Required"
	// consumer is the gateway's dispatcher consumer name.
	consumer = "gateway-access"
)

// options configure a gateway.
type options struct {
	Store  store.Store
	Tenant string
	// SCIMToken is the bearer token the IdP uses for /scim/v2.
	SCIMToken string
	// GroupID or GroupName designate G; see allowGroup.
	GroupID, GroupName string
	Policy             hooks.Policy
	Upstream           http.Handler // default: "hello <user>"
	Logger             *slog.Logger
	// Retry is the dispatcher's retry policy (zero: its defaults).
	Retry hooks.RetryPolicy
	// SSF lists the Shared Signals transmitters (an IdP, another scimkit)
	// whose session revocations end this gateway's sessions, received on
	// POST /ssf/receive or by polling; see ssf.go.
	SSF []ssf.TrustedTransmitter
	// Google, when set, feeds the store from a Google Workspace directory
	// by pull; see google.go.
	Google *googleOptions
}

// gateway is an access gateway in front of an upstream: SCIM provisioning
// in, sessions for provisioned active users, "allow members of G".
type gateway struct {
	opts          options
	users, groups *schema.ResourceType
	dir           *hooks.Directory
	access        *hooks.Access
	sessions      *sessions
	allow         *allowGroup
	dispatcher    *hooks.Dispatcher
	receiver      *ssf.Receiver // nil without options.SSF
	google        *googleRun    // nil without options.Google
	mux           *http.ServeMux
	logger        *slog.Logger
}

func newGateway(o options) (*gateway, error) {
	if o.Store == nil || o.SCIMToken == "" || (o.GroupID == "" && o.GroupName == "") {
		return nil, errors.New("gateway: a store, a SCIM token and a group (id or name) are required")
	}
	if o.Tenant == "" {
		o.Tenant = scim.DefaultTenant
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Upstream == nil {
		o.Upstream = http.HandlerFunc(hello)
	}
	g := &gateway{opts: o, users: schema.UserResourceType(), groups: schema.GroupResourceType(),
		sessions: newSessions(), logger: o.Logger, mux: http.NewServeMux()}
	g.dir = hooks.NewDirectory(o.Store, g.users, g.groups)
	g.allow = &allowGroup{dir: g.dir, tenant: o.Tenant, name: o.GroupName, id: o.GroupID, logger: o.Logger}
	var err error
	g.access, err = hooks.NewAccess(hooks.AccessConfig{
		Directory:       g.dir,
		Revoker:         hooks.RevokerFunc(g.revoke),
		Reauthenticator: hooks.ReauthenticatorFunc(g.reauthenticate),
		Groups:          g.allow,
		Policy:          func(context.Context, string) (hooks.Policy, error) { return o.Policy, nil },
	})
	if err != nil {
		return nil, err
	}
	g.dispatcher, err = hooks.NewDispatcher(hooks.Config{Store: o.Store, Handlers: map[string]hooks.Handler{consumer: g.access},
		Retry: o.Retry, Logger: o.Logger})
	if err != nil {
		return nil, err
	}
	h, err := scim.New(scim.Config{Store: o.Store, ResourceTypes: []*schema.ResourceType{g.users, g.groups},
		Authenticator: scim.StaticTokens{{Tenant: o.Tenant, ID: "idp", SHA256: scim.HashToken(o.SCIMToken)}},
		Prefix:        scimPath, Logger: o.Logger})
	if err != nil {
		return nil, err
	}
	g.mux.Handle(scimPath+"/", h)
	if err := g.mountSSF(); err != nil {
		return nil, err
	}
	if err := g.mountGoogle(); err != nil {
		return nil, err
	}
	g.mux.HandleFunc("POST /login", g.login)
	g.mux.HandleFunc("GET /policy", g.policy)
	g.mux.HandleFunc("/", g.protected)
	return g, nil
}

// ServeHTTP serves the gateway.
func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) { g.mux.ServeHTTP(w, r) }

// run delivers provisioning events to the access features, polls the SSF
// transmitters that need it, and runs the Google Workspace connector,
// until ctx ends.
func (g *gateway) run(ctx context.Context) error {
	var wg sync.WaitGroup
	if g.receiver != nil {
		wg.Go(func() { g.receiver.RunPollers(ctx) })
	}
	if g.google != nil {
		wg.Go(func() { g.google.run(ctx, g.logger) })
	}
	defer wg.Wait()
	return g.dispatcher.Run(ctx)
}

// revoke is the gateway's hooks.Revoker: it deletes the user's sessions.
func (g *gateway) revoke(_ context.Context, r hooks.Revocation) error {
	n := g.sessions.revoke(r.Tenant, r.UserID, r.Time)
	g.logger.Info("sessions revoked", "user", r.UserID, "reason", r.Reason, "sessions", n, "event", r.EventID)
	return nil
}

// reauthenticate is the gateway's hooks.Reauthenticator: it marks the
// user's sessions issued before the change as needing a new login. (That
// flag is about prompting the user; security does not depend on it, since
// every request is evaluated against the directory's current groups.)
func (g *gateway) reauthenticate(_ context.Context, r hooks.Reauth) error {
	n := g.sessions.markReauth(r.Tenant, r.UserID, r.Time)
	g.logger.Info("re-authentication required", "user", r.UserID, "before", r.Before, "after", r.After, "sessions", n, "event", r.EventID)
	return nil
}

// login is a stub login: it issues a session to a provisioned, active
// user named by userName (form field or JSON body), and answers 403 to
// anyone else. A real gateway would authenticate against the IdP here.
func (g *gateway) login(w http.ResponseWriter, r *http.Request) {
	name, err := userNameOf(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	checked := time.Now()
	id, err := g.userID(ctx, name)
	if err != nil {
		g.fail(w, err)
		return
	}
	if id == "" {
		http.Error(w, "no active user "+name, http.StatusForbidden)
		return
	}
	groups, err := g.dir.UserGroups(ctx, g.opts.Tenant, id)
	active, aerr := g.dir.Active(ctx, g.opts.Tenant, id)
	if err := errors.Join(err, aerr); err != nil && !errors.Is(err, store.ErrNotFound) {
		g.fail(w, err)
		return
	}
	if !active {
		http.Error(w, "no active user "+name, http.StatusForbidden)
		return
	}
	if old, err := r.Cookie(cookieName); err == nil {
		g.sessions.delete(old.Value) // a new login replaces the browser's session
	}
	sid := g.sessions.create(session{tenant: g.opts.Tenant, userID: id, userName: name, issued: checked, groups: groups})
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: sid, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	w.WriteHeader(http.StatusNoContent)
}

// userNameOf reads userName from a JSON body or a form.
func userNameOf(r *http.Request) (string, error) {
	var name string
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/json" {
		var body struct{ UserName string }
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&body); err != nil {
			return "", fmt.Errorf("bad login body: %v", err)
		}
		name = body.UserName
	} else {
		name = r.FormValue("userName")
	}
	if name == "" {
		return "", errors.New("userName is required")
	}
	return name, nil
}

// userID finds a user by userName (case-insensitively, as SCIM compares
// it); "" when there is none.
func (g *gateway) userID(ctx context.Context, userName string) (string, error) {
	lit, _ := json.Marshal(userName)
	f, err := filter.Parse("userName eq " + string(lit))
	if err == nil {
		f, err = filter.Bind(g.users, f)
	}
	if err != nil {
		return "", err
	}
	page, err := g.opts.Store.List(ctx, g.opts.Tenant, g.users, store.Query{Filter: f, Count: 1, Read: store.ReadOptions{OmitGroups: true}})
	if err != nil || len(page.Resources) == 0 {
		return "", err
	}
	return page.Resources[0].ID, nil
}

// protected authenticates the session, applies "allow members of G" and
// forwards to the upstream. 401 means log in (again, with reauthHeader
// when the user's groups changed); 403 means logged in but not allowed.
func (g *gateway) protected(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(cookieName)
	var s session
	ok := err == nil
	if ok {
		s, ok = g.sessions.get(c.Value)
	}
	if !ok {
		http.Error(w, "login required", http.StatusUnauthorized)
		return
	}
	if s.reauth {
		w.Header().Set(reauthHeader, "1")
		http.Error(w, "your groups changed: log in again", http.StatusUnauthorized)
		return
	}
	allowed, err := g.authorize(r.Context(), s)
	if err != nil {
		g.fail(w, err)
		return
	}
	if !allowed {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	r2 := r.Clone(r.Context())
	r2.Header.Del("Cookie")
	r2.Header.Set("X-Gateway-User", s.userName)
	g.opts.Upstream.ServeHTTP(w, r2)
}

// authorize evaluates the policy for a session: against the directory's
// current groups (empty for a deactivated user), or under NoAction against
// the groups captured at login as long as the user is active.
func (g *gateway) authorize(ctx context.Context, s session) (bool, error) {
	if g.opts.Policy.OnGroupChange == hooks.NoAction {
		active, err := g.dir.Active(ctx, s.tenant, s.userID)
		if err != nil || !active {
			return false, ignoreNotFound(err)
		}
		return g.allow.allows(ctx, s.groups)
	}
	groups, err := g.dir.UserGroups(ctx, s.tenant, s.userID)
	if err != nil {
		return false, ignoreNotFound(err)
	}
	return g.allow.allows(ctx, groups)
}

func ignoreNotFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// policy shows the policy's group: its id and current name.
func (g *gateway) policy(w http.ResponseWriter, r *http.Request) {
	id, err := g.allow.groupID(r.Context())
	out := map[string]string{"groupId": id}
	if err == nil && id != "" {
		var gi hooks.GroupInfo
		if gi, err = g.dir.Group(r.Context(), g.opts.Tenant, id); err == nil {
			out["displayName"] = gi.DisplayName
		}
	}
	if err = ignoreNotFound(err); err != nil {
		g.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

func (g *gateway) fail(w http.ResponseWriter, err error) {
	g.logger.Error("gateway", "err", err)
	status := http.StatusInternalServerError
	if errors.Is(err, store.ErrUnavailable) {
		status = http.StatusServiceUnavailable
	}
	http.Error(w, http.StatusText(status), status)
}

// hello is the demo upstream.
func hello(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "hello %s\n", r.Header.Get("X-Gateway-User"))
}
