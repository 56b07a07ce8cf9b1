package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store"
)

// runTenant implements "server tenant create|list|delete".
func runTenant(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	sub, args, err := subcommand("tenant", args, []string{"create", "list", "delete"}, out)
	if err != nil {
		return err
	}
	fs, cfg := adminFlags("tenant "+sub, getenv, out)
	switch sub {
	case "create":
		name := fs.String("name", "", "a label for the tenant")
		dialect := fs.String("dialect", "default", "IdP dialect: default, okta, entra, strict")
		policy := fs.String("delete-policy", "hard", "DELETE: hard (remove) or soft (remove and keep a tombstone: the id is never reused and a POST reusing the externalId is 409; 404 afterwards either way, RFC 7644 §3.6)")
		pos, err := parseArgs(fs, args)
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return usagef("tenant create", "tenant create needs one tenant ID")
		}
		rec := store.TenantRecord{ID: pos[0], Name: *name, Dialect: *dialect, DeletePolicy: *policy}
		if _, err := scim.TenantConfigOf(rec, scim.TenantConfig{}); err != nil {
			return &usageError{msg: err.Error(), help: "server tenant create"}
		}
		st, err := openAdmin(ctx, *cfg, mayCreate)
		if err != nil {
			return err
		}
		defer st.Close()
		if _, err := st.CreateTenant(ctx, rec); err != nil {
			return fmt.Errorf("create tenant %s: %w", rec.ID, err)
		}
		fmt.Fprintf(out, "Created tenant %q (dialect %s, delete policy %s). Give it a token with: server token create -tenant %s%s\n",
			rec.ID, rec.Dialect, rec.DeletePolicy, rec.ID, storeHint(*cfg))
		return nil
	case "list":
		st, _, err := parseAdmin(ctx, fs, cfg, args, mustExist, 0, 0)
		if err != nil {
			return err
		}
		defer st.Close()
		return listTenants(ctx, st, out)
	default: // delete
		st, pos, err := parseAdmin(ctx, fs, cfg, args, mustExist, 1, 1)
		if err != nil {
			return err
		}
		defer st.Close()
		if err := st.DeleteTenant(ctx, pos[0]); err != nil {
			return fmt.Errorf("delete tenant %s: %w", pos[0], err)
		}
		fmt.Fprintf(out, "Deleted tenant %q and revoked its tokens; its resources are kept.\n", pos[0])
		return nil
	}
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
