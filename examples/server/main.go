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
	"time"
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
	if len(args) > 0 {
		switch args[0] {
		case "token":
			return runToken(ctx, args[1:], getenv, out)
		case "tenant":
			return runTenant(ctx, args[1:], getenv, out)
		case "record":
			return runRecord(ctx, args[1:], getenv, out, time.Now())
		case "google":
			return runGoogle(ctx, args[1:], getenv, out)
		}
	}
	cfg, err := parseFlags("server", args, getenv, out)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, getenv, out, ready)
}
