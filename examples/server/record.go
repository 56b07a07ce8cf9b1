package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/scimkit/scimkit/internal/recordcmd"
)

// runRecord implements "server record": it writes a replay file of a
// tenant's recent IdP traffic from the provisioning log of the store the
// server runs on (conformance.Record), for scimconform -replay:
//
//	go run ./examples/server record -tenant acme -since 1h -o acme.json
//
// The log holds the write requests, and the lookups too when the server
// runs with -log-reads. The summary goes to stderr, so that -o - (the
// default) writes only the file to out.
func runRecord(ctx context.Context, args []string, getenv func(string) string, out io.Writer, now time.Time) error {
	fs := flag.NewFlagSet("record", flag.ContinueOnError)
	fs.SetOutput(out)
	var cfg config
	for _, f := range []envFlag{
		{"store", "SCIMKIT_STORE", "scimkit.db", `the server's store: a SQLite file path or a postgres:// DSN`, &cfg.store},
		{"pg-schema", "SCIMKIT_PG_SCHEMA", "scimkit", "PostgreSQL schema (postgres store only)", &cfg.pgSchema},
	} {
		f.register(fs, getenv)
	}
	var rf recordcmd.Flags
	tenant := getenv("SCIMKIT_TENANT")
	if tenant == "" {
		tenant = "default"
	}
	rf.Register(fs, tenant)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (usage: server record [-tenant T] [-since 1h] [-until D] [-idp okta] [-o file.json])", fs.Arg(0))
	}
	if err := recordcmd.CheckStore(cfg.store); err != nil {
		return err
	}
	if err := rf.Resolve(now); err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	return recordcmd.Run(ctx, st, rf.Query, rf.Out, out, os.Stderr, "record")
}
