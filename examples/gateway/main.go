package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/sqlite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr, nil); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "gateway:", err)
		}
		os.Exit(2)
	}
}

// run is main without process globals. ready, when not nil, receives the
// listening address.
func run(ctx context.Context, args []string, getenv func(string) string, out io.Writer, ready chan<- string) error {
	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	fs.SetOutput(out)
	addr := fs.String("addr", "127.0.0.1:8081", "listen address")
	storeArg := fs.String("store", "memory", `store: "memory", a SQLite file path, or a postgres:// DSN`)
	tenant := fs.String("tenant", "default", "tenant of the SCIM token and the sessions")
	groupID := fs.String("group-id", "", "id of the group whose members are allowed")
	groupName := fs.String("group-name", "", "displayName of the group whose members are allowed (pinned by id once found)")
	onChange := fs.String("on-group-change", "reauth", "when a user's groups change: reauth, automatic or noaction")
	revoke := fs.Bool("revoke-on-deprovision", true, "end sessions when a user is deactivated or deleted")
	trust := fs.String("ssf-trust", "", `SSF transmitters whose session revocations end sessions (POST /ssf/receive, or polled), JSON or @file: [{"issuer":"https://idp.example.com","audience":["https://gw.example.com"],"push_authorization":"Bearer ...","poll_url":"...","poll_authorization":"Bearer ..."}]`)
	gf := addGoogleFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	trusted, err := parseTrust(*trust, *tenant)
	if err != nil {
		return err
	}
	google, err := gf.options()
	if err != nil {
		return err
	}
	change, err := hooks.ParseIdentityChange(*onChange)
	if err != nil {
		return err
	}
	token := getenv("GATEWAY_SCIM_TOKEN")
	if token == "" {
		return errors.New("set GATEWAY_SCIM_TOKEN to the bearer token the IdP will use")
	}
	st, err := openStore(ctx, *storeArg)
	if err != nil {
		return err
	}
	defer st.Close()
	logger := slog.New(slog.NewTextHandler(out, nil))
	g, err := newGateway(options{Store: st, Tenant: *tenant, SCIMToken: token, GroupID: *groupID, GroupName: *groupName,
		Policy: hooks.Policy{RevokeOnDeprovision: *revoke, OnGroupChange: change}, Logger: logger, SSF: trusted, Google: google})
	if err != nil {
		return err
	}
	return serve(ctx, g, *addr, logger, ready)
}

func openStore(ctx context.Context, arg string) (store.Store, error) {
	switch {
	case arg == "memory":
		return memory.New(), nil
	case strings.HasPrefix(arg, "postgres://"), strings.HasPrefix(arg, "postgresql://"):
		return postgres.Open(ctx, postgres.Config{DSN: arg})
	default:
		return sqlite.Open(ctx, sqlite.Config{Path: arg})
	}
}

// serve runs the dispatcher and the HTTP server until ctx ends.
func serve(ctx context.Context, g *gateway, addr string, logger *slog.Logger, ready chan<- string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	go func() { errc <- g.run(ctx) }()
	srv := &http.Server{Handler: g, ReadHeaderTimeout: 10 * time.Second}
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("gateway listening", "url", "http://"+ln.Addr().String(), "scim", "http://"+ln.Addr().String()+scimPath)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	if serr := srv.Shutdown(sctx); err == nil && !errors.Is(serr, http.ErrServerClosed) {
		err = serr
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
