package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/scimkit/scimkit/connector"
	"github.com/scimkit/scimkit/connector/googleworkspace"
	"github.com/scimkit/scimkit/store"
)

// googleConfig is the Google Workspace connector's part of the server's
// configuration (-google-* flags, SCIMKIT_GOOGLE_* variables). The
// connector runs inside the server when credentials are set.
type googleConfig struct {
	credentials string // a key file path, or the key JSON itself
	subject     string // the admin to impersonate
	tenant      string // "" = the server's default tenant
	customer    string
	endpoint    string
	webhookURL  string // public URL of the push notification receiver ("" = poll only)
	poll, full  string
	pollEvery   time.Duration
	fullEvery   time.Duration
}

// flags returns the -google-* flags of the server.
func (g *googleConfig) flags() []envFlag {
	return []envFlag{
		{"google-credentials", "SCIMKIT_GOOGLE_CREDENTIALS", "", "Google Workspace: path of the service account's JSON key file; runs the connector in the server", &g.credentials},
		{"google-subject", "SCIMKIT_GOOGLE_SUBJECT", "", "Google Workspace: admin email the service account impersonates (domain-wide delegation)", &g.subject},
		{"google-tenant", "SCIMKIT_GOOGLE_TENANT", "", "Google Workspace: tenant the directory feeds (default: -tenant)", &g.tenant},
		{"google-customer", "SCIMKIT_GOOGLE_CUSTOMER", googleworkspace.DefaultCustomer, "Google Workspace: customer id", &g.customer},
		{"google-poll", "SCIMKIT_GOOGLE_POLL", "5m", "Google Workspace: how often groups and memberships are polled", &g.poll},
		{"google-full-sync", "SCIMKIT_GOOGLE_FULL_SYNC", "1h", "Google Workspace: how often a full reconciliation runs", &g.full},
		{"google-webhook-url", "SCIMKIT_GOOGLE_WEBHOOK_URL", "", "Google Workspace: public https URL of this server's notification receiver, e.g. https://gw.example.com/google/notifications (users.watch; default: poll only)", &g.webhookURL},
		{"google-endpoint", "SCIMKIT_GOOGLE_ENDPOINT", googleworkspace.DefaultEndpoint, "Google Workspace: Admin SDK API root (for proxies and tests)", &g.endpoint},
	}
}

// check validates the parsed -google-* flags.
func (g *googleConfig) check() error {
	if g.credentials == "" {
		if g.subject != "" || g.webhookURL != "" {
			return errors.New("-google-subject and -google-webhook-url need -google-credentials")
		}
		return nil
	}
	if g.subject == "" {
		return errors.New("-google-credentials needs -google-subject, the admin the service account impersonates")
	}
	var err error
	if g.pollEvery, err = time.ParseDuration(g.poll); err != nil {
		return fmt.Errorf("-google-poll: %w", err)
	}
	if g.fullEvery, err = time.ParseDuration(g.full); err != nil || g.fullEvery <= 0 {
		return fmt.Errorf("-google-full-sync: %q is not a positive duration", g.full)
	}
	if g.webhookURL != "" {
		u, err := url.Parse(g.webhookURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path == "" || u.Path == "/" ||
			strings.ContainsAny(u.Path, "{} ") || serverPath(u.Path) {
			return fmt.Errorf("-google-webhook-url %q: want an absolute URL with a path of its own (not under %s, /ssf/ or /.well-known/), e.g. https://gw.example.com/google/notifications", g.webhookURL, basePath)
		}
	}
	return nil
}

// serverPath reports whether the server serves path itself (SCIM, the
// event feed, health, SSF): a notification receiver there would collide.
func serverPath(path string) bool {
	for _, p := range []string{basePath, eventsPath, "/healthz", "/readyz", "/ssf", "/.well-known"} {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// readCredentials reads the key file at path. A value that is the key
// itself is refused without being echoed: flags show their values (-h),
// so the key must live in a file.
func readCredentials(path string) ([]byte, error) {
	if strings.HasPrefix(strings.TrimSpace(path), "{") {
		return nil, errors.New("the Google credentials flag or variable holds JSON: give the path of the key file instead")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the Google credentials: %w", err)
	}
	return b, nil
}

// newGoogle returns the Google Workspace client and a syncer feeding
// tenant in st.
func newGoogle(g googleConfig, st store.Store, tenant string, maxShare float64, logger *slog.Logger) (*googleworkspace.Client, *connector.Syncer, error) {
	creds, err := readCredentials(g.credentials)
	if err != nil {
		return nil, nil, err
	}
	c, err := googleworkspace.New(googleworkspace.Config{Credentials: creds, Subject: g.subject, Customer: g.customer,
		Endpoint: g.endpoint, Logger: logger})
	if err != nil {
		return nil, nil, err
	}
	s, err := connector.New(connector.Config{Store: st, Tenant: tenant, Source: c, Name: "googleworkspace",
		MaxDeprovisionShare: maxShare, Logger: logger})
	if err != nil {
		return nil, nil, err
	}
	return c, s, nil
}

// startGoogle runs the connector inside the server when it is configured:
// the push notification receiver on mux at the webhook URL's path, change
// notifications, polls and full runs. The returned function stops it and
// waits (the watch channels are stopped).
func startGoogle(ctx context.Context, cfg config, st store.Store, mux *http.ServeMux, logger *slog.Logger) (func(), error) {
	g := cfg.google
	if g.credentials == "" {
		return func() {}, nil
	}
	tenant := g.tenant
	if tenant == "" {
		tenant = cfg.tenant
	}
	logger = logger.With("connector", "googleworkspace", "tenant", tenant)
	c, s, err := newGoogle(g, st, tenant, 0, logger)
	if err != nil {
		return nil, err
	}
	rc := connector.RunConfig{FullEvery: g.fullEvery, PollEvery: g.pollEvery}
	if g.pollEvery <= 0 {
		rc.PollEvery = -1
	}
	if g.webhookURL != "" {
		states, ok := st.(store.States)
		if !ok {
			return nil, errors.New("the store does not implement store.States, needed by -google-webhook-url")
		}
		w, err := googleworkspace.NewWatch(googleworkspace.WatchConfig{Client: c, Store: states, Tenant: tenant,
			Address: g.webhookURL, Logger: logger})
		if err != nil {
			return nil, err
		}
		u, _ := url.Parse(g.webhookURL)
		mux.Handle("POST "+u.Path, w)
		rc.Watcher = w
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := s.Run(ctx, rc); err != nil {
			logger.Error("google workspace connector stopped", "err", err)
		}
	}()
	logger.Info("google workspace connector started", "subject", g.subject, "customer", g.customer,
		"poll", g.pollEvery, "full", g.fullEvery, "webhook", g.webhookURL)
	return func() { cancel(); <-done }, nil
}

// runGoogle implements "server google sync": one full reconciliation.
func runGoogle(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	if len(args) == 0 || args[0] != "sync" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			args = []string{"sync", "-h"}
		} else {
			return usagef("google sync", "usage: server google sync -tenant T -credentials key.json -subject admin@example.com [flags]")
		}
	}
	fs, cfg := adminFlags("google sync", getenv, out)
	for _, f := range cfg.google.flags() {
		name, _ := strings.CutPrefix(f.name, "google-")
		if name == "credentials" || name == "subject" || name == "customer" || name == "endpoint" {
			f.name = name
			f.register(fs, getenv)
		}
	}
	maxShare := fs.Float64("max-deprovision", connector.DefaultMaxDeprovisionShare,
		"stop without changing anything when the run would deactivate or delete more than this share of the users it owns (1: no limit)")
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("google sync", "unexpected argument %q", pos[0])
	}
	if cfg.google.credentials == "" || cfg.google.subject == "" {
		return usagef("google sync", "-credentials and -subject are required")
	}
	st, err := openStore(ctx, *cfg, mayCreate)
	if err != nil {
		return err
	}
	defer st.Close()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if *maxShare >= 1 {
		*maxShare = -1
	}
	_, s, err := newGoogle(cfg.google, st, cfg.tenant, *maxShare, logger)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Google Workspace → tenant %q (customer %s, as %s)\n", cfg.tenant, cfg.google.customer, cfg.google.subject)
	res, err := s.Sync(ctx)
	res.Print(out)
	if err != nil {
		return fmt.Errorf("google sync failed: %w", err)
	}
	return nil
}
