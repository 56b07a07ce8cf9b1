package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store"
)

// basePath is where the SCIM handler is mounted.
const basePath = "/scim/v2"

// shutdownGrace bounds how long in-flight requests may take to finish after
// a shutdown signal.
const shutdownGrace = 30 * time.Second

// serve runs the server until ctx is done, then shuts it down gracefully.
func serve(ctx context.Context, cfg config, getenv func(string) string, out io.Writer, ready chan<- string) error {
	logger, closeLog, err := newLogger(cfg)
	if err != nil {
		return err
	}
	defer closeLog()
	var served bool // log "stopped" once everything, background services included, has stopped
	defer func() {
		if served {
			logger.Info("stopped")
		}
	}()
	// /metrics also accepts the console's admin token (console.go).
	if cfg.obs.adminToken, err = adminToken(cfg, getenv); err != nil {
		return err
	}
	tel, err := setupTelemetry(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := tel.shutdown(sctx); err != nil {
			logger.Warn("telemetry shutdown", "err", err)
		}
	}()
	cfg.obs.meters, cfg.obs.tracers = tel.meters, tel.tracers
	if err := checkTLS(cfg); err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, mayCreate)
	if err != nil {
		return err
	}
	defer st.Close()
	admin, ok := st.(adminStore)
	if !ok {
		return errors.New("the store does not keep tokens and tenants")
	}
	auth := &scim.StoreTokens{Tokens: admin, Logger: logger}
	h, err := newHandler(cfg, admin, auth, logger)
	if err != nil {
		return err
	}
	feed, err := feedHandler(st, auth)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle(basePath+"/", h)
	mux.Handle(basePath, h) // the base URL itself, without a redirect
	mux.Handle(eventsPath, feed)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", readyz(st, cfg.tenant))
	if tel.metrics != nil {
		mux.Handle("GET "+metricsPath, tel.metrics)
	}
	if err := mountConsole(mux, &cfg, st, getenv, logger); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	base := cfg.baseURL
	if base == "" {
		scheme := "http"
		if cfg.tlsCert != "" {
			scheme = "https"
		}
		base = scheme + "://" + ln.Addr().String() + basePath
	}
	hctx, stopHooks := context.WithCancel(ctx)
	waitHooks, err := startWebhook(hctx, cfg, st, logger)
	if err != nil {
		stopHooks()
		ln.Close()
		return err
	}
	defer func() { stopHooks(); waitHooks() }()
	stopGoogle, err := startGoogle(hctx, cfg, st, mux, logger)
	if err != nil {
		ln.Close()
		return err
	}
	defer stopGoogle()
	var ssfLines bytes.Buffer // printed after the banner
	waitSSF, err := startSSF(hctx, cfg, st, auth, mux, base, &ssfLines, logger)
	if err != nil {
		ln.Close()
		return err
	}
	defer func() { stopHooks(); waitSSF() }()
	// The first token is minted last, once the listener, the TLS files
	// and every background service are known good, so that a failed start
	// never swallows the only copy of its secret.
	secret, err := setupTokens(ctx, admin, cfg.tenant, getenv("SCIMKIT_TOKEN"))
	if err != nil {
		ln.Close()
		return err
	}
	printBanner(out, cfg, base, secret)
	out.Write(ssfLines.Bytes())
	// Timeouts bound what a slow or stalled client can hold: headers in
	// 10s, a whole request body in 1m (bodies are capped in bytes by the
	// handler), a response in 2m, an idle keep-alive connection 2m.
	srv := &http.Server{Handler: accessLog(logger, baseSlashes(basePath, mux)), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	if cfg.obs.metrics && cfg.obs.metricsToken == "" && cfg.obs.adminToken == "" && !isLoopback(ln.Addr().String()) {
		logger.Warn(metricsPath+" is served without a credential on a non-loopback address, and its labels name tenants: set -metrics-token-file (or SCIMKIT_METRICS_TOKEN), or -metrics=false",
			"addr", ln.Addr().String())
	}
	served = true
	return serveUntilDone(ctx, srv, ln, cfg, logger, ready)
}

// newHandler is the SCIM handler on st: store tokens (auth) and tenants,
// the provisioning log when the store keeps one and cfg.logWrites is set.
func newHandler(cfg config, st adminStore, auth scim.Authenticator, logger *slog.Logger) (*scim.Handler, error) {
	dialect, err := scim.ParseDialect(cfg.dialect)
	if err != nil {
		return nil, fmt.Errorf("-dialect: %w", err)
	}
	pw, err := scim.ParsePasswordPolicy(cfg.passwords)
	if err != nil {
		return nil, fmt.Errorf("-password: %w", err)
	}
	scfg := scim.Config{
		Store:                    st,
		Authenticator:            auth,
		Tenant:                   scim.TenantsFromStore(st, scim.TenantConfig{Dialect: dialect, Password: pw}),
		Defaults:                 scim.TenantConfig{Dialect: dialect, Password: pw}, // what public discovery describes
		Prefix:                   basePath,
		BaseURL:                  cfg.baseURL,
		PublicDiscovery:          cfg.publicDis,
		Logger:                   logger,
		ProvisioningLogRetention: cfg.retention,
		ProvisioningLogReads:     cfg.logReads,
		MeterProvider:            cfg.obs.meters,
		TracerProvider:           cfg.obs.tracers,
	}
	if scfg.Limiter, err = cfg.rate.limiter(); err != nil {
		return nil, err
	}
	if cfg.uniqueGroupNames {
		scfg.ResourceTypes = []*schema.ResourceType{schema.UserResourceType(), schema.GroupResourceTypeUniqueNames()}
	}
	if pl, ok := st.(store.ProvisioningLog); ok && cfg.logWrites {
		scfg.ProvisioningLog = pl
	}
	return scim.New(scfg)
}

// serveUntilDone serves srv on ln (TLS with cfg's certificate, if any);
// once ctx is done it lets in-flight requests finish within shutdownGrace.
// ready, when not nil, receives the address once requests are accepted.
func serveUntilDone(ctx context.Context, srv *http.Server, ln net.Listener, cfg config, logger *slog.Logger, ready chan<- string) error {
	errc := make(chan error, 1)
	go func() {
		if cfg.tlsCert != "" {
			errc <- srv.ServeTLS(ln, cfg.tlsCert, cfg.tlsKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	logger.Info("listening on "+ln.Addr().String(), "addr", ln.Addr().String(), "tls", cfg.tlsCert != "")
	if ready != nil {
		ready <- ln.Addr().String()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing in-flight requests", "grace", shutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// setupTokens stores SCIMKIT_TOKEN (envToken) when set; otherwise it
// creates a first token for the default tenant when the tenant has none.
// It returns the secret of a token it created, or "".
func setupTokens(ctx context.Context, st store.Tokens, tenant, envToken string) (string, error) {
	if envToken != "" {
		return "", ensureEnvToken(ctx, st, tenant, envToken)
	}
	return firstToken(ctx, st, tenant)
}

func printBanner(out io.Writer, cfg config, base, secret string) {
	origin := strings.TrimSuffix(base, basePath)
	fmt.Fprintf(out, "scimkit reference server\n  SCIM base URL: %s\n  store:         %s\n  tenant:        %s\n", base, redactDSN(cfg.store), cfg.tenant)
	fmt.Fprintf(out, "  rate limit:    %s\n  metrics:       %s\n", cfg.rate, metricsNote(cfg.obs, origin))
	switch {
	case secret != "":
		fmt.Fprintf(out, "  bearer token:  %s\n  (shown once; the store keeps only its SHA-256 digest)\n", secret)
	case cfg.store == "memory":
		fmt.Fprintf(out, "  tokens:        SCIMKIT_TOKEN (the memory store keeps nothing after the process)\n")
	default:
		fmt.Fprintf(out, "  tokens:        in the store (list: server token list%s; new: server token create%s)\n", storeHint(cfg), storeHint(cfg))
	}
}

// checkTLS loads the certificate and key, so that a bad file stops the
// start before anything is created or printed.
func checkTLS(cfg config) error {
	if cfg.tlsCert == "" {
		return nil
	}
	if _, err := tls.LoadX509KeyPair(cfg.tlsCert, cfg.tlsKey); err != nil {
		return fmt.Errorf("-tls-cert/-tls-key: %w", err)
	}
	return nil
}

// readyz answers 200 when the store answers a trivial query, 503 otherwise.
func readyz(st store.Store, tenant string) http.HandlerFunc {
	rt := schema.UserResourceType()
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if _, err := st.List(ctx, tenant, rt, store.Query{Count: 0}); err != nil {
			http.Error(w, "store not ready", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ready\n")
	}
}
