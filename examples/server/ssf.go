package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/internal/ssftrust"
	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/ssf"
	"github.com/scimkit/scimkit/store"
)

// ssfConsumer names the SSF push delivery's checkpoint in the store.
const ssfConsumer = "ssf-push"

// ssfConfig is the Shared Signals configuration (-ssf*).
type ssfConfig struct {
	enabled     bool
	origin      string // public origin; "" derives it from -base-url or the listen address
	kek         []byte
	keyRotation time.Duration
	trusted     map[string][]ssf.TrustedTransmitter // receiver: per tenant
}

// ssfFlags are the raw -ssf* flag values.
type ssfFlags struct{ enabled, origin, kek, rotation, trust string }

// addSSFFlags registers the -ssf* flags on fs.
func addSSFFlags(fs *flag.FlagSet, getenv func(string) string) *ssfFlags {
	f := &ssfFlags{enabled: getenv("SCIMKIT_SSF")}
	fs.BoolFunc("ssf", "serve an OpenID Shared Signals (SSF 1.0) transmitter: every deactivation becomes a signed CAEP session-revoked, by push or poll ($SCIMKIT_SSF)",
		func(v string) error { f.enabled = v; return nil })
	for _, e := range []envFlag{
		{"ssf-origin", "SCIMKIT_SSF_ORIGIN", "", "public origin of the server, the SSF issuer of the default tenant, e.g. https://gw.example.com (default: from -base-url, else the listen address)", &f.origin},
		{"ssf-kek", "SCIMKIT_SSF_KEK", "", "base64 of 32 random bytes: the key that seals SSF signing keys and push credentials in the store (openssl rand -base64 32); required with a persistent store", &f.kek},
		{"ssf-key-rotation", "SCIMKIT_SSF_KEY_ROTATION", "0", "rotate SSF signing keys when older than this (0: never); the previous key stays in the JWKS", &f.rotation},
		{"ssf-trust", "SCIMKIT_SSF_TRUST", "", `SSF receiver: transmitters to accept session revocations from, JSON or @file: [{"tenant":"default","issuer":"https://idp.example.com","audience":["https://gw.example.com"],"push_authorization":"Bearer ...","poll_url":"...","poll_authorization":"Bearer ..."}]`, &f.trust},
	} {
		e.register(fs, getenv)
	}
	return f
}

// config checks the -ssf* flags.
func (f *ssfFlags) config(store string) (ssfConfig, error) {
	var c ssfConfig
	var err error
	if c.enabled, err = parseBool("-ssf", f.enabled); err != nil {
		return c, err
	}
	if c.keyRotation, err = time.ParseDuration(f.rotation); err != nil || c.keyRotation < 0 {
		return c, fmt.Errorf("-ssf-key-rotation: %q is not a non-negative duration", f.rotation)
	}
	if f.origin != "" {
		if u, err := url.Parse(f.origin); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || strings.Trim(u.Path, "/") != "" {
			return c, fmt.Errorf("-ssf-origin %q must be an origin such as https://gw.example.com", f.origin)
		}
		c.origin = strings.TrimSuffix(f.origin, "/")
	}
	switch {
	case f.kek != "":
		if c.kek, err = base64.StdEncoding.DecodeString(f.kek); err != nil || len(c.kek) != 32 {
			return c, errors.New("-ssf-kek must be the base64 of 32 bytes (openssl rand -base64 32)")
		}
	case c.enabled && store != "memory":
		return c, errors.New("-ssf needs -ssf-kek (openssl rand -base64 32) to seal its signing keys in the store; keep it in a secret store")
	case c.enabled:
		c.kek = make([]byte, 32) // memory store: keys live as long as the process
		rand.Read(c.kek)
	}
	if c.trusted, err = ssftrust.Parse(f.trust, scim.DefaultTenant); err != nil {
		return c, err
	}
	return c, nil
}

// startSSF mounts the SSF transmitter (and receiver, with -ssf-trust) on
// mux and runs push delivery and pollers until ctx is done; the returned
// function waits for them. base is the SCIM base URL (for the origin).
// Without -ssf and -ssf-trust it does nothing.
func startSSF(ctx context.Context, cfg config, st store.Store, auth scim.Authenticator, mux *http.ServeMux,
	base string, out io.Writer, logger *slog.Logger) (wait func(), err error) {
	c := cfg.ssf
	if !c.enabled && len(c.trusted) == 0 {
		return func() {}, nil
	}
	var tasks []func()
	if c.enabled {
		origin := c.origin
		if origin == "" {
			u, err := url.Parse(base)
			if err != nil {
				return nil, fmt.Errorf("-ssf: origin from %q: %w", base, err)
			}
			origin = u.Scheme + "://" + u.Host
		}
		tx, err := ssf.NewTransmitter(ssf.Config{Store: st, Authenticator: auth, Origin: origin, DefaultTenant: cfg.tenant,
			KEK: c.kek, KeyRotation: c.keyRotation, Logger: logger, TenantExists: tenantExists(st, cfg.tenant)})
		if err != nil {
			return nil, err
		}
		mux.Handle(ssf.WellKnownPath, tx)
		mux.Handle(ssf.WellKnownPath+"/", tx)
		mux.Handle("/ssf/", tx)
		d, err := hooks.NewDispatcher(hooks.Config{Store: st, Logger: logger, MeterProvider: cfg.obs.meters,
			Handlers: map[string]hooks.Handler{ssfConsumer: tx}})
		if err != nil {
			return nil, err
		}
		cfg.dispatchers.add(ssfConsumer, d)
		tasks = append(tasks, func() { d.Run(ctx); d.Close() })
		fmt.Fprintf(out, "  SSF:           %s (transmitter configuration; the SCIM bearer tokens manage streams)\n", tx.ConfigurationURL(cfg.tenant))
	}
	if len(c.trusted) > 0 {
		access, err := hooks.NewAccess(hooks.AccessConfig{Revoker: hooks.RevokerFunc(func(_ context.Context, r hooks.Revocation) error {
			logger.Info("ssf: session revocation received", "tenant", r.Tenant, "user", r.UserID, "reason", r.Reason, "event", r.EventID)
			return nil
		}), MeterProvider: cfg.obs.meters})
		if err != nil {
			return nil, err
		}
		rx, err := ssf.NewReceiver(ssf.ReceiverConfig{Store: st, Trusted: c.trusted, DefaultTenant: cfg.tenant, Revoker: access, Logger: logger})
		if err != nil {
			return nil, err
		}
		mux.Handle("POST /ssf/receive", rx)
		mux.Handle("POST /ssf/t/{tenant}/receive", rx)
		tasks = append(tasks, func() { rx.RunPollers(ctx) })
	}
	done := make(chan struct{}, len(tasks))
	for _, task := range tasks {
		go func() { defer func() { done <- struct{}{} }(); task() }()
	}
	return func() {
		for range tasks {
			<-done
		}
	}, nil
}

// tenantExists answers for the transmitter: the default tenant always
// exists, another when the store has its record.
func tenantExists(st store.Store, def string) func(context.Context, string) error {
	return func(ctx context.Context, tenant string) error {
		if tenant == def {
			return nil
		}
		ts, ok := st.(store.Tenants)
		if !ok {
			return fmt.Errorf("tenant %q: %w", tenant, store.ErrNotFound)
		}
		_, err := ts.GetTenant(ctx, tenant)
		return err
	}
}
