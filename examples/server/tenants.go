package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store"
)

// runTenant implements "server tenant create|list|delete".
func runTenant(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: server tenant create|list|delete [flags] [ID]")
	}
	sub := args[0]
	fs, cfg := adminFlags("tenant "+sub, getenv, out)
	name := fs.String("name", "", "a label for the tenant (create)")
	dialect := fs.String("dialect", "default", "IdP dialect: default, okta, entra, strict (create)")
	policy := fs.String("delete-policy", "hard", "DELETE: hard (remove) or soft (remove and keep a tombstone: the id is never reused and a POST reusing the externalId is 409; 404 afterwards either way, RFC 7644 §3.6) (create)")
	st, err := parseAdmin(ctx, fs, cfg, args[1:])
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "create":
		if fs.NArg() != 1 {
			return errors.New("usage: server tenant create [-name N] [-dialect D] [-delete-policy P] ID")
		}
		rec := store.TenantRecord{ID: fs.Arg(0), Name: *name, Dialect: *dialect, DeletePolicy: *policy}
		if _, err := scim.TenantConfigOf(rec, scim.TenantConfig{}); err != nil {
			return err
		}
		if _, err := st.CreateTenant(ctx, rec); err != nil {
			return fmt.Errorf("create tenant %s: %w", rec.ID, err)
		}
		fmt.Fprintf(out, "Created tenant %q (dialect %s, delete policy %s). Give it a token with: server token create -tenant %s\n",
			rec.ID, rec.Dialect, rec.DeletePolicy, rec.ID)
		return nil
	case "list":
		return listTenants(ctx, st, out)
	case "delete":
		if fs.NArg() != 1 {
			return errors.New("usage: server tenant delete ID")
		}
		if err := st.DeleteTenant(ctx, fs.Arg(0)); err != nil {
			return fmt.Errorf("delete tenant %s: %w", fs.Arg(0), err)
		}
		fmt.Fprintf(out, "Deleted tenant %q and revoked its tokens; its resources are kept.\n", fs.Arg(0))
		return nil
	}
	return fmt.Errorf("unknown tenant subcommand %q (create, list, delete)", sub)
}

func listTenants(ctx context.Context, st adminStore, out io.Writer) error {
	all, err := st.ListTenants(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tDIALECT\tDELETE POLICY\tCREATED")
	for _, t := range all {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Dialect, t.DeletePolicy, t.Created.Format(time.RFC3339))
	}
	return w.Flush()
}
