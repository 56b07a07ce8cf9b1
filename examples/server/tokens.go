package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store"
)

// envTokenName names the token stored for SCIMKIT_TOKEN.
const envTokenName = "env"

// adminStore is what the token and tenant commands need of the store.
type adminStore interface {
	store.Store
	store.Tokens
	store.Tenants
}

// openAdmin opens the configured store for the token and tenant commands,
// which need one that outlives the command.
func openAdmin(ctx context.Context, cfg config) (adminStore, error) {
	if cfg.store == "memory" {
		return nil, errors.New("token and tenant commands need a persistent store: set -store (or SCIMKIT_STORE) to a SQLite file or a postgres:// DSN, as for the server")
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	as, ok := st.(adminStore)
	if !ok {
		st.Close()
		return nil, errors.New("the store does not keep tokens and tenants")
	}
	return as, nil
}

// parseAdmin parses the flags of a token or tenant subcommand into fs
// and cfg (made by adminFlags, plus the subcommand's own flags) and opens
// the store they name; the caller closes it.
func parseAdmin(ctx context.Context, fs *flag.FlagSet, cfg *config, args []string) (adminStore, error) {
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return openAdmin(ctx, *cfg)
}

// runToken implements "server token create|list|revoke|rotate".
func runToken(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	usage := "usage: server token create|list|revoke|rotate [flags]"
	if len(args) == 0 {
		return errors.New(usage)
	}
	sub := args[0]
	fs, cfg := adminFlags("token "+sub, getenv, out)
	name := fs.String("name", "", "a label for the token, e.g. okta or entra (create)")
	ttl := fs.Duration("ttl", 0, "expire the token after this long (create, rotate; 0: never)")
	revokeOld := fs.Bool("revoke", false, "revoke the old token at once (rotate; default: keep it until you revoke it)")
	st, err := parseAdmin(ctx, fs, cfg, args[1:])
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "create":
		return createToken(ctx, st, out, cfg.tenant, *name, *ttl)
	case "list":
		return listTokens(ctx, st, out, fs.Arg(0))
	case "revoke":
		if fs.NArg() != 1 {
			return errors.New("usage: server token revoke ID")
		}
		if err := st.RevokeToken(ctx, fs.Arg(0)); err != nil {
			return fmt.Errorf("revoke %s: %w", fs.Arg(0), err)
		}
		fmt.Fprintf(out, "Revoked %s. The server refuses it from its next request.\n", fs.Arg(0))
		return nil
	case "rotate":
		if fs.NArg() != 1 {
			return errors.New("usage: server token rotate [-revoke] ID")
		}
		return rotateToken(ctx, st, out, fs.Arg(0), *ttl, *revokeOld)
	}
	return fmt.Errorf("unknown token subcommand %q (create, list, revoke, rotate)", sub)
}

func createToken(ctx context.Context, st adminStore, out io.Writer, tenant, name string, ttl time.Duration) error {
	opts := scim.TokenOptions{Name: name}
	if ttl > 0 {
		opts.Expires = time.Now().Add(ttl)
	}
	secret, rec, err := scim.IssueToken(ctx, st, tenant, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Created token %s for tenant %q. It is shown only now:\n\n  %s\n\n", rec.ID, rec.Tenant, secret)
	fmt.Fprintf(out, "Paste it into the IdP, then revoke the old one with: server token revoke <id>\n")
	return nil
}

// rotateToken creates a token like id (same tenant and name) so the IdP
// can switch without downtime; the old one stays valid unless revokeOld.
func rotateToken(ctx context.Context, st adminStore, out io.Writer, id string, ttl time.Duration, revokeOld bool) error {
	old, err := findToken(ctx, st, id)
	if err != nil {
		return err
	}
	if err := createToken(ctx, st, out, old.Tenant, old.Name, ttl); err != nil {
		return err
	}
	if revokeOld {
		if err := st.RevokeToken(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(out, "Revoked the old token %s.\n", id)
		return nil
	}
	fmt.Fprintf(out, "The old token %s still works until: server token revoke %s\n", id, id)
	return nil
}

func findToken(ctx context.Context, st adminStore, id string) (store.TokenRecord, error) {
	all, err := st.ListTokens(ctx, "")
	if err != nil {
		return store.TokenRecord{}, err
	}
	for _, t := range all {
		if t.ID == id {
			return t, nil
		}
	}
	return store.TokenRecord{}, fmt.Errorf("no token %q (see: server token list)", id)
}

func listTokens(ctx context.Context, st adminStore, out io.Writer, tenant string) error {
	all, err := st.ListTokens(ctx, tenant)
	if err != nil {
		return err
	}
	now := time.Now()
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tTENANT\tNAME\tPREFIX\tCREATED\tEXPIRES\tLAST USED\tSTATE")
	for _, t := range all {
		state := "active"
		switch {
		case !t.Revoked.IsZero():
			state = "revoked " + t.Revoked.Format(time.RFC3339)
		case !t.Active(now):
			state = "expired"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Tenant, t.Name, dash(t.Prefix),
			t.Created.Format(time.RFC3339), timeOrDash(t.Expires), timeOrDash(t.LastUsed), state)
	}
	return w.Flush()
}

func timeOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.RFC3339)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s + "…"
}

// ensureEnvToken stores SCIMKIT_TOKEN as a token of tenant, hashed like
// any other, once: the same secret finds its record again at the next
// start; a new secret is added and the previous "env" token revoked. A
// secret that was revoked or belongs to another tenant is refused.
func ensureEnvToken(ctx context.Context, st store.Tokens, tenant, secret string) error {
	rec, err := st.TokenByHash(ctx, scim.HashToken(secret))
	switch {
	case errors.Is(err, store.ErrNotFound):
		if rec, err = st.CreateToken(ctx, scim.TokenRecordFor(secret, tenant, scim.TokenOptions{Name: envTokenName})); err != nil {
			return fmt.Errorf("SCIMKIT_TOKEN: %w", err)
		}
	case err != nil:
		return fmt.Errorf("SCIMKIT_TOKEN: %w", err)
	case rec.Tenant != tenant:
		return fmt.Errorf("SCIMKIT_TOKEN is already a token of tenant %q, not %q", rec.Tenant, tenant)
	case !rec.Active(time.Now()):
		return fmt.Errorf("SCIMKIT_TOKEN is token %s, which was revoked or expired: set a new secret", rec.ID)
	}
	if rec.Name != envTokenName {
		return nil
	}
	all, err := st.ListTokens(ctx, tenant)
	if err != nil {
		return err
	}
	for _, t := range all {
		if t.Name == envTokenName && t.ID != rec.ID && t.Revoked.IsZero() {
			if err := st.RevokeToken(ctx, t.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// firstToken creates a token for the default tenant when it has no active
// one, so a first start is ready to connect an IdP. It returns the new
// secret, or "" when the tenant already has a token.
func firstToken(ctx context.Context, st store.Tokens, tenant string) (string, error) {
	all, err := st.ListTokens(ctx, tenant)
	if err != nil {
		return "", err
	}
	now := time.Now()
	for _, t := range all {
		if t.Active(now) {
			return "", nil
		}
	}
	secret, _, err := scim.IssueToken(ctx, st, tenant, scim.TokenOptions{Name: "first-start"})
	return secret, err
}

// adminFlags returns a flag set with the store and tenant flags shared by
// the token and tenant commands.
func adminFlags(name string, getenv func(string) string, out io.Writer) (*flag.FlagSet, *config) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	cfg := &config{}
	for _, f := range []envFlag{
		{"store", "SCIMKIT_STORE", "scimkit.db", `store: a SQLite file path or a postgres:// DSN`, &cfg.store},
		{"pg-schema", "SCIMKIT_PG_SCHEMA", "scimkit", "PostgreSQL schema (postgres store only)", &cfg.pgSchema},
		{"tenant", "SCIMKIT_TENANT", "default", "the tenant", &cfg.tenant},
	} {
		f.register(fs, getenv)
	}
	return fs, cfg
}
