package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
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
// which need one that outlives the command; mode says whether it may be
// created (create commands) or must exist (all others).
func openAdmin(ctx context.Context, cfg config, mode storeMode) (adminStore, error) {
	if cfg.store == "memory" {
		return nil, errors.New("token and tenant commands need a persistent store: set -store (or SCIMKIT_STORE) to a SQLite file or a PostgreSQL DSN, as for the server")
	}
	st, err := openStore(ctx, cfg, mode)
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
// and cfg (made by adminFlags, plus the subcommand's own flags), checks
// that it got between min and max positional arguments, and opens the
// store they name; the caller closes it.
func parseAdmin(ctx context.Context, fs *flag.FlagSet, cfg *config, args []string, mode storeMode, min, max int) (adminStore, []string, error) {
	pos, err := parseArgs(fs, args)
	if err != nil {
		return nil, nil, err
	}
	if len(pos) < min || len(pos) > max {
		c, _ := findCommand(strings.TrimPrefix(fs.Name(), "server "))
		return nil, nil, &usageError{msg: "usage: " + fs.Name() + " " + c.synopsis, help: fs.Name()}
	}
	st, err := openAdmin(ctx, *cfg, mode)
	return st, pos, err
}

// subcommand returns the subcommand word of args, or a usage error (or
// the group's help for -h).
func subcommand(group string, args []string, subs []string, out io.Writer) (string, []string, error) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			fmt.Fprintf(out, "usage: server %s %s [flags]\n\n", group, strings.Join(subs, "|"))
			for _, sub := range subs {
				c, _ := findCommand(group + " " + sub)
				fmt.Fprintf(out, "  server %s %s\n      %s\n", c.name, c.synopsis, strings.ReplaceAll(c.summary, "\n", "\n      "))
			}
			return "", nil, flag.ErrHelp
		}
		return "", nil, usagef(group, "%s needs a subcommand: %s", group, strings.Join(subs, ", "))
	}
	if !slices.Contains(subs, args[0]) {
		return "", nil, usagef(group, "unknown %s subcommand %q (%s)", group, args[0], strings.Join(subs, ", "))
	}
	return args[0], args[1:], nil
}

// runToken implements "server token create|list|revoke|rotate".
func runToken(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	sub, args, err := subcommand("token", args, []string{"create", "list", "rotate", "revoke"}, out)
	if err != nil {
		return err
	}
	fs, cfg := adminFlags("token "+sub, getenv, out)
	switch sub {
	case "create":
		name := fs.String("name", "", "a label for the token, e.g. okta or entra")
		ttl := fs.Duration("ttl", 0, "expire the token after this long, e.g. 2160h (0: never; Entra ID expects a token that does not expire)")
		st, _, err := parseAdmin(ctx, fs, cfg, args, mayCreate, 0, 0)
		if err != nil {
			return err
		}
		defer st.Close()
		if err := createToken(ctx, st, out, cfg.tenant, *name, *ttl); err != nil {
			return err
		}
		fmt.Fprintf(out, "List tokens with: server token list%s\n", storeHint(*cfg))
		return nil
	case "list":
		st, pos, err := parseAdmin(ctx, fs, cfg, args, mustExist, 0, 1)
		if err != nil {
			return err
		}
		defer st.Close()
		return listTokens(ctx, st, out, strings.Join(pos, ""))
	case "revoke":
		st, pos, err := parseAdmin(ctx, fs, cfg, args, mustExist, 1, 1)
		if err != nil {
			return err
		}
		defer st.Close()
		if _, err := findToken(ctx, st, pos[0]); err != nil {
			return withListHint(err, *cfg)
		}
		if err := st.RevokeToken(ctx, pos[0]); err != nil {
			return fmt.Errorf("revoke %s: %w", pos[0], err)
		}
		fmt.Fprintf(out, "Revoked %s. The server refuses it from its next request.\n", pos[0])
		return nil
	default: // rotate
		ttl := fs.Duration("ttl", 0, "lifetime of the new token (default: the old token's lifetime, counted from now; never if it never expired)")
		revokeOld := fs.Bool("revoke", false, "revoke the old token at once (default: keep it until you revoke it)")
		st, pos, err := parseAdmin(ctx, fs, cfg, args, mustExist, 1, 1)
		if err != nil {
			return err
		}
		defer st.Close()
		if err := rotateToken(ctx, st, out, pos[0], *ttl, *revokeOld); err != nil {
			return withListHint(err, *cfg)
		}
		if !*revokeOld {
			fmt.Fprintf(out, "The old token %s still works until: server token revoke%s %s\n", pos[0], storeHint(*cfg), pos[0])
		}
		return nil
	}
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
	expires := "never expires"
	if !rec.Expires.IsZero() {
		expires = "expires " + rec.Expires.Format(time.RFC3339)
	}
	fmt.Fprintf(out, "Created token %s for tenant %q (%s). It is shown only now:\n\n  %s\n\nPaste it into the IdP.\n", rec.ID, rec.Tenant, expires, secret)
	return nil
}

// rotateToken creates a token like id (same tenant and name) so the IdP
// can switch without downtime; the old one stays valid unless revokeOld.
// The new token keeps the old one's lifetime (Expires - Created, counted
// from now) unless ttl is set, so rotating never turns an expiring token
// into one that never expires.
func rotateToken(ctx context.Context, st adminStore, out io.Writer, id string, ttl time.Duration, revokeOld bool) error {
	old, err := findToken(ctx, st, id)
	if err != nil {
		return err
	}
	if ttl == 0 && !old.Expires.IsZero() {
		ttl = old.Expires.Sub(old.Created)
	}
	if err := createToken(ctx, st, out, old.Tenant, old.Name, ttl); err != nil {
		return err
	}
	if revokeOld {
		if err := st.RevokeToken(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(out, "Revoked the old token %s.\n", id)
	}
	return nil
}

// errNoToken says that no token has the id asked for.
var errNoToken = errors.New("no such token")

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
	return store.TokenRecord{}, fmt.Errorf("token %q: %w", id, errNoToken)
}

// withListHint adds how to list the tokens of the store in use to an
// errNoToken.
func withListHint(err error, cfg config) error {
	if errors.Is(err, errNoToken) {
		return fmt.Errorf("%w (see: server token list%s)", err, storeHint(cfg))
	}
	return err
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

// adminFlags returns a flag set for command name with the store and
// tenant flags shared by the token and tenant commands (and -create for
// the create commands).
func adminFlags(name string, getenv func(string) string, out io.Writer) (*flag.FlagSet, *config) {
	fs := newFlagSet(name, out)
	cfg := &config{}
	flags := []envFlag{
		{"store", "SCIMKIT_STORE", "scimkit.db", `the server's store: a SQLite file path or a PostgreSQL DSN (postgres://... or host=... dbname=...)`, &cfg.store},
		{"pg-schema", "SCIMKIT_PG_SCHEMA", "scimkit", "PostgreSQL schema (postgres store only)", &cfg.pgSchema},
	}
	if name == "token create" || name == "google sync" {
		flags = append(flags, envFlag{"tenant", "SCIMKIT_TENANT", "default", "the tenant", &cfg.tenant})
	}
	if strings.HasSuffix(name, " create") {
		fs.BoolVar(&cfg.create, "create", false, "create the SQLite file -store names even though its name does not end in .db, .sqlite or .sqlite3")
	}
	for _, f := range flags {
		f.register(fs, getenv)
	}
	return fs, cfg
}
