// Command server is scimkit's reference SCIM 2.0 server: a real service
// provider that Okta or Microsoft Entra ID can provision into.
//
//	go run ./examples/server
//
// starts it on the embedded default store (a SQLite file, scimkit.db, in
// the working directory), creates a bearer token for the default tenant on
// first start, and prints the SCIM base URL and the token, ready to paste
// into the IdP. Every flag has an environment variable (SCIMKIT_ADDR,
// SCIMKIT_STORE, ...); SCIMKIT_TOKEN, when set, is accepted as a bearer
// token of the default tenant, so containers and scripts start with no
// interaction:
//
//	SCIMKIT_TOKEN=secret go run ./examples/server -addr 127.0.0.1:9000 -store memory
//
// Tokens are managed with subcommands:
//
//	go run ./examples/server token create [-tenant T] [-name N]
//	go run ./examples/server token list
//	go run ./examples/server token revoke ID
//
// Tokens are kept as SHA-256 digests in a JSON file beside the database
// (-tokens, default scimkit.tokens.json); the secret is shown once.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, nil); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "scimkit:", err)
		}
		os.Exit(2)
	}
}

// run is main without process globals, so tests can drive it. ready, when
// not nil, receives the listening address once the server accepts requests.
func run(ctx context.Context, args []string, getenv func(string) string, out io.Writer, ready chan<- string) error {
	if len(args) > 0 && args[0] == "token" {
		return runToken(args[1:], getenv, out)
	}
	cfg, err := parseFlags("server", args, getenv, out)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, getenv, out, ready)
}
