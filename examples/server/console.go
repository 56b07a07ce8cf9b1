package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/scimkit/scimkit/console"
	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/store"
)

// consolePath is where the web console is mounted when an admin token is
// configured (SCIMKIT_ADMIN_TOKEN or -admin-token-file).
const consolePath = "/admin"

// adminToken returns the console's credential: SCIMKIT_ADMIN_TOKEN, or the
// first line of -admin-token-file; "" when neither is set (no console).
func adminToken(cfg config, getenv func(string) string) (string, error) {
	env := getenv("SCIMKIT_ADMIN_TOKEN")
	if cfg.adminTokenFile == "" {
		return env, nil
	}
	if env != "" {
		return "", errors.New("set either SCIMKIT_ADMIN_TOKEN or -admin-token-file, not both")
	}
	b, err := os.ReadFile(cfg.adminTokenFile)
	if err != nil {
		return "", fmt.Errorf("-admin-token-file: %w", err)
	}
	tok, _, _ := strings.Cut(string(b), "\n")
	if tok = strings.TrimSpace(tok); tok == "" {
		return "", fmt.Errorf("-admin-token-file %s is empty", cfg.adminTokenFile)
	}
	return tok, nil
}

// mountConsole mounts the web console at consolePath when an admin token
// is configured; otherwise nothing is there (404). It sets cfg.dispatchers,
// so the dispatchers started later register for the console's replay.
func mountConsole(mux *http.ServeMux, cfg *config, st store.Store, getenv func(string) string, logger *slog.Logger) error {
	tok, err := adminToken(*cfg, getenv)
	if err != nil || tok == "" {
		return err
	}
	if fi, err := os.Stat(cfg.adminTokenFile); err == nil && fi.Mode().Perm()&0o077 != 0 {
		logger.Warn("the admin token file is readable by other users: chmod 600 it", "file", cfg.adminTokenFile, "mode", fi.Mode().Perm().String())
	}
	cfg.dispatchers = &dispatchers{}
	con, err := console.New(console.Config{Store: st, AdminToken: tok, Prefix: consolePath, Replayer: cfg.dispatchers, DefaultTenant: cfg.tenant,
		SecureCookies: strings.HasPrefix(cfg.baseURL, "https://"), Logger: logger})
	if err != nil {
		return fmt.Errorf("console: %w", err)
	}
	mux.Handle(consolePath+"/", con)
	mux.Handle(consolePath, con)
	logger.Info("web console enabled", "path", consolePath+"/")
	return nil
}

// dispatchers are the server's running dispatchers by consumer, for the
// console's replay of parked events. A nil *dispatchers ignores add.
type dispatchers struct {
	mu sync.Mutex
	m  map[string]*hooks.Dispatcher
}

// add registers d as the dispatcher of consumer.
func (ds *dispatchers) add(consumer string, d *hooks.Dispatcher) {
	if ds == nil {
		return
	}
	ds.mu.Lock()
	defer ds.mu.Unlock()
	if ds.m == nil {
		ds.m = map[string]*hooks.Dispatcher{}
	}
	ds.m[consumer] = d
}

// Replay implements console.Replayer with the consumer's dispatcher.
func (ds *dispatchers) Replay(ctx context.Context, consumer string, ids ...string) error {
	ds.mu.Lock()
	d := ds.m[consumer]
	ds.mu.Unlock()
	if d == nil {
		return fmt.Errorf("consumer %q is not delivered by this server process", consumer)
	}
	return d.Replay(ctx, consumer, ids...)
}
