// Command scimrecord writes a replay file from the provisioning log of the
// scimkit reference server: the write requests a tenant's IdP really sent,
// with secrets removed and server-assigned ids turned into placeholders
// (conformance.Record), ready for scimconform -replay against any server.
//
//	go run ./conformance/cmd/scimrecord -tenant acme -since 1h -o acme.json
//	go run ./conformance/cmd/scimconform -url https://host/scim/v2 -token $T -replay acme.json
//
// It reads the store the server runs on, with the server's flags and
// environment variables: -store (SCIMKIT_STORE: a SQLite file path, default
// scimkit.db, or a postgres:// DSN) and -pg-schema (SCIMKIT_PG_SCHEMA).
// -since and -until take a duration before now (1h, 30m) or an RFC 3339
// time. The file's note lists the requests that could not be recorded.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/scimkit/scimkit/conformance"
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
	store, pgSchema, out string
	query                conformance.RecordQuery
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
	fs.StringVar(&o.query.Tenant, "tenant", env("SCIMKIT_TENANT", "default"), "tenant whose traffic is recorded ($SCIMKIT_TENANT)")
	since := fs.String("since", "1h", "start: a duration before now (1h) or an RFC 3339 time; empty for the whole log")
	until := fs.String("until", "", "end (exclusive): a duration before now or an RFC 3339 time; empty for now")
	fs.StringVar(&o.query.IdP, "idp", "", "keep only the requests of this client: okta, entra or unknown")
	fs.StringVar(&o.out, "o", "-", "output file (- for stdout)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.store == "memory" {
		return nil, errors.New("-store memory: the memory store lives in the server's process; record from its SQLite file or PostgreSQL database")
	}
	var err error
	if o.query.Since, err = parseWhen(*since, now); err != nil {
		return nil, fmt.Errorf("-since: %w", err)
	}
	if o.query.Until, err = parseWhen(*until, now); err != nil {
		return nil, fmt.Errorf("-until: %w", err)
	}
	return o, nil
}

// parseWhen reads a duration before now or an RFC 3339 time ("" is zero).
func parseWhen(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d.Abs()), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a duration (1h) nor an RFC 3339 time", s)
	}
	return t, nil
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
	log, ok := st.(store.ProvisioningLog)
	if !ok {
		return fmt.Errorf("store %T has no provisioning log", st)
	}
	if ts, ok := st.(store.Tenants); ok {
		if rec, err := ts.GetTenant(ctx, o.query.Tenant); err == nil {
			o.query.Dialect = rec.Dialect
		}
	}
	f, err := conformance.Record(ctx, log, o.query)
	if err != nil {
		return err
	}
	if err := write(o.out, stdout, f); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "scimrecord: %d steps from tenant %q (%s)\n", len(f.Steps), o.query.Tenant, f.Source)
	return nil
}

func openStore(ctx context.Context, o *options) (store.Store, error) {
	if strings.HasPrefix(o.store, "postgres://") || strings.HasPrefix(o.store, "postgresql://") {
		return postgres.Open(ctx, postgres.Config{DSN: o.store, Schema: o.pgSchema})
	}
	if _, err := os.Stat(o.store); err != nil {
		return nil, fmt.Errorf("-store %s: %w", o.store, err) // do not create an empty database
	}
	return sqlite.Open(ctx, sqlite.Config{Path: o.store})
}

func write(path string, stdout io.Writer, f *conformance.ReplayFile) error {
	w, file := stdout, (*os.File)(nil)
	if path != "-" {
		var err error
		if file, err = os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600); err != nil {
			return err
		}
		w = file
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	err := enc.Encode(f)
	if file != nil {
		err = errors.Join(err, file.Close())
	}
	return err
}
