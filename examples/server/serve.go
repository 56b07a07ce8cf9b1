package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/scimkit/scimkit/patch"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/sqlite"
)

// basePath is where the SCIM handler is mounted.
const basePath = "/scim/v2"

// shutdownGrace bounds how long in-flight requests may take to finish after
// a shutdown signal.
const shutdownGrace = 30 * time.Second

func serve(ctx context.Context, cfg config, getenv func(string) string, out io.Writer, ready chan<- string) error {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.logLevel}))
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()

	auth := &fileAuthenticator{path: cfg.tokens}
	if t := getenv("SCIMKIT_TOKEN"); t != "" {
		auth.extra = scim.StaticTokens{{Tenant: cfg.tenant, ID: "env", SHA256: scim.HashToken(t)}}
	}
	secret, err := firstToken(cfg, auth.extra != nil)
	if err != nil {
		return err
	}
	dialect, err := parseDialect(cfg.dialect)
	if err != nil {
		return err
	}
	h, err := scim.New(scim.Config{
		Store:           st,
		Authenticator:   auth,
		Prefix:          basePath,
		BaseURL:         cfg.baseURL,
		PublicDiscovery: cfg.publicDis,
		Defaults:        scim.TenantConfig{Dialect: dialect},
		Logger:          logger,
	})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle(basePath+"/", h)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", readyz(st, cfg.tenant))

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	scheme := "http"
	if cfg.tlsCert != "" {
		scheme = "https"
	}
	base := cfg.baseURL
	if base == "" {
		base = scheme + "://" + ln.Addr().String() + basePath
	}
	printBanner(out, cfg, base, secret)
	errc := make(chan error, 1)
	go func() {
		if cfg.tlsCert != "" {
			errc <- srv.ServeTLS(ln, cfg.tlsCert, cfg.tlsKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
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

func openStore(ctx context.Context, cfg config) (store.Store, error) {
	switch {
	case cfg.store == "memory":
		return memory.New(), nil
	case strings.HasPrefix(cfg.store, "postgres://"), strings.HasPrefix(cfg.store, "postgresql://"):
		return postgres.Open(ctx, postgres.Config{DSN: cfg.store, Schema: cfg.pgSchema})
	default:
		return sqlite.Open(ctx, sqlite.Config{Path: cfg.store})
	}
}

func parseDialect(s string) (patch.Dialect, error) {
	switch strings.ToLower(s) {
	case "", "default":
		return patch.DialectDefault, nil
	case "okta":
		return patch.DialectOkta, nil
	case "entra", "azure", "aad":
		return patch.DialectEntra, nil
	case "strict", "rfc":
		return patch.DialectStrict, nil
	}
	return 0, fmt.Errorf("-dialect: unknown dialect %q (default, okta, entra, strict)", s)
}

// firstToken creates a token for the default tenant when it has none and
// SCIMKIT_TOKEN is not set, so a first start is ready to connect an IdP. It
// returns the new secret, or "" when none was created.
func firstToken(cfg config, haveEnvToken bool) (string, error) {
	if haveEnvToken {
		return "", nil
	}
	tf, err := loadTokens(cfg.tokens)
	if err != nil {
		return "", err
	}
	now := time.Now()
	for _, r := range tf.Tokens {
		if r.Tenant == cfg.tenant && r.active(now) {
			return "", nil
		}
	}
	secret, rec := newToken(cfg.tenant, "first-start", now, 0)
	tf.Tokens = append(tf.Tokens, rec)
	return secret, saveTokens(cfg.tokens, tf)
}

func printBanner(out io.Writer, cfg config, base, secret string) {
	fmt.Fprintf(out, "scimkit reference server\n  SCIM base URL: %s\n  store:         %s\n  tenant:        %s\n", base, redactDSN(cfg.store), cfg.tenant)
	switch {
	case secret != "":
		fmt.Fprintf(out, "  bearer token:  %s\n  (shown once; stored as a SHA-256 digest in %s)\n", secret, cfg.tokens)
	default:
		fmt.Fprintf(out, "  tokens:        %s (new one: go run ./examples/server token create)\n", cfg.tokens)
	}
}

// redactDSN hides a password in a postgres:// DSN.
func redactDSN(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		if at := strings.LastIndex(s, "@"); at > i {
			if c := strings.Index(s[i+3:at], ":"); c >= 0 {
				return s[:i+3+c] + ":***" + s[at:]
			}
		}
	}
	return s
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
