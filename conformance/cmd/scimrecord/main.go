package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/scimkit/scimkit/internal/recordcmd"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/sqlite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, time.Now()); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "scimrecord:", err)
		}
		os.Exit(2)
	}
}

type options struct {
	store, pgSchema string
	recordcmd.Flags
}

func parse(args []string, getenv func(string) string, stderr io.Writer, now time.Time) (*options, error) {
	fs := flag.NewFlagSet("scimrecord", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	env := func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&o.store, "store", env("SCIMKIT_STORE", "scimkit.db"), "the server's store: a SQLite file path or a postgres:// DSN ($SCIMKIT_STORE)")
	fs.StringVar(&o.pgSchema, "pg-schema", env("SCIMKIT_PG_SCHEMA", "scimkit"), "PostgreSQL schema of the tables ($SCIMKIT_PG_SCHEMA)")
	o.Register(fs, env("SCIMKIT_TENANT", "default"))
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err := recordcmd.CheckStore(o.store); err != nil {
		return nil, err
	}
	return o, o.Resolve(now)
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, now time.Time) error {
	o, err := parse(args, getenv, stderr, now)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, o)
	if err != nil {
		return err
	}
	defer st.Close()
	return recordcmd.Run(ctx, st, o.Query, o.Out, stdout, stderr, "scimrecord")
}

func openStore(ctx context.Context, o *options) (store.Store, error) {
	if strings.HasPrefix(o.store, "postgres://") || strings.HasPrefix(o.store, "postgresql://") {
		return postgres.Open(ctx, postgres.Config{DSN: o.store, Schema: o.pgSchema})
	}
	return sqlite.Open(ctx, sqlite.Config{Path: o.store})
}
