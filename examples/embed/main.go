// Command embed is the README's embedding example: a gateway's SCIM
// endpoint on the SQLite store, with the access hooks that revoke a
// deactivated user's sessions and re-authenticate users whose groups
// changed. A test keeps the README's copy identical to this file.
package main

import (
	"context"
	"log"
	"net/http"
	"os"
	"os/signal"

	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store/sqlite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	st, err := sqlite.Open(ctx, sqlite.Config{Path: "scim.db"}) // or memory.New(), postgres.Open(...)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	secret := os.Getenv("SCIM_TOKEN") // the bearer token you give the IdP
	h, err := scim.New(scim.Config{
		Store:         st,
		Authenticator: scim.StaticTokens{{Tenant: "acme", ID: "okta", SHA256: scim.HashToken(secret)}},
		Prefix:        "/scim/v2",
	})
	if err != nil {
		log.Fatal(err)
	}

	access, err := hooks.NewAccess(hooks.AccessConfig{
		Directory: hooks.NewDirectory(st, nil, nil), // policy data: a user's groups, a group's members
		Revoker: hooks.RevokerFunc(func(ctx context.Context, r hooks.Revocation) error {
			log.Printf("revoke every session of %s/%s", r.Tenant, r.UserID) // deactivated or deleted
			return nil
		}),
		Reauthenticator: hooks.ReauthenticatorFunc(func(ctx context.Context, r hooks.Reauth) error {
			log.Printf("re-authenticate %s/%s: groups %v → %v", r.Tenant, r.UserID, r.Before, r.After)
			return nil
		}),
	})
	if err != nil {
		log.Fatal(err)
	}
	d, err := hooks.NewDispatcher(hooks.Config{Store: st, Handlers: map[string]hooks.Handler{"access": access}})
	if err != nil {
		log.Fatal(err)
	}
	go d.Run(ctx)

	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", h)
	srv := &http.Server{Addr: "127.0.0.1:8080", Handler: mux}
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
