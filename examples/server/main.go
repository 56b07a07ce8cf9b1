package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, nil)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "scimkit:", err)
	}
	os.Exit(exitCode(err))
}

// run is main without process globals, so tests can drive it. ready, when
// not nil, receives the listening address once the server accepts
// requests. The error's exit code is exitCode's.
func run(ctx context.Context, args []string, getenv func(string) string, out io.Writer, ready chan<- string) error {
	sfs := newFlagSet("", io.Discard)
	defineServerFlags(sfs, getenv)
	words, rest := splitCommand(args, sfs)
	if len(words) == 0 {
		if slices.Contains(args, "-version") || slices.Contains(args, "--version") {
			fmt.Fprintln(out, version())
			return nil
		}
		cfg, err := parseFlags("", args, getenv, out)
		if err != nil {
			return err
		}
		return serve(ctx, cfg, getenv, out, ready)
	}
	sub := append(words[1:], rest...)
	switch words[0] {
	case "token":
		return runToken(ctx, sub, getenv, out)
	case "tenant":
		return runTenant(ctx, sub, getenv, out)
	case "record":
		return runRecord(ctx, sub, getenv, out, time.Now())
	case "google":
		return runGoogle(ctx, sub, getenv, out)
	case "version":
		fmt.Fprintln(out, version())
		return nil
	}
	return printHelp(ctx, out, sub, getenv)
}
