package main

import (
	"context"
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
	fs := newFlagSet("record", out)
	var cfg config
	for _, f := range []envFlag{
		{"store", "SCIMKIT_STORE", "scimkit.db", `the server's store: a SQLite file path or a PostgreSQL DSN (postgres://... or host=... dbname=...)`, &cfg.store},
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
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("record", "unexpected argument %q", pos[0])
	}
	if kind, err := storeKind(cfg.store); err != nil {
		return err
	} else if kind != kindPostgres { // CheckStore knows only postgres:// URLs
		if err := recordcmd.CheckStore(cfg.store); err != nil {
			return err
		}
	}
	if err := rf.Resolve(now); err != nil {
		return &usageError{msg: err.Error(), help: "server record"}
	}
	st, err := openStore(ctx, cfg, mustExist)
	if err != nil {
		return err
	}
	defer st.Close()
	return recordcmd.Run(ctx, st, rf.Query, rf.Out, out, os.Stderr, "record")
}
