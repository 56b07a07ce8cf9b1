package conformance_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"regexp"

	"github.com/scimkit/scimkit/conformance"
	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store/memory"
)

// ExampleRun shows the suite inside go test: in a TestXxx function, call
// conformance.Run(t, target) with the server's URL and token. Outside
// go test, Runner does the same and returns a Report, as here.
func ExampleRun() {
	h, _ := scim.New(scim.Config{
		Store:         memory.New(),
		Authenticator: scim.StaticTokens{{Tenant: "acme", SHA256: scim.HashToken("secret")}},
		Logger:        slog.New(slog.DiscardHandler),
	})
	srv := httptest.NewServer(h)
	defer srv.Close()

	target := conformance.Target{
		BaseURL: srv.URL,
		Token:   "secret",
		Profile: conformance.ProfileRFC,
		Run:     regexp.MustCompile(`^users\.`),
	}
	// In a test: conformance.Run(t, target)
	report := (&conformance.Runner{Target: target}).Run(context.Background())
	fmt.Println("failed:", report.Failed(), "passed:", report.Count(conformance.StatusPass) == len(report.Results))
	// Output: failed: false passed: true
}

// ExampleRecord records a tenant's traffic from the reference server's
// provisioning log and replays it against another server.
func ExampleRecord() {
	ctx := context.Background()
	tokens := scim.StaticTokens{{Tenant: "acme", SHA256: scim.HashToken("secret")}}
	st := memory.New()
	h, _ := scim.New(scim.Config{Store: st, ProvisioningLog: st, Authenticator: tokens, Logger: slog.New(slog.DiscardHandler)})
	idp := httptest.NewServer(h)
	defer idp.Close()

	// What the IdP sent, here through a replay of a shipped Okta sequence.
	conformance.Replay(ctx, conformance.Target{BaseURL: idp.URL, Token: "secret"}, conformance.ShippedReplays()["okta-groups.json"])

	file, err := conformance.Record(ctx, st, conformance.RecordQuery{Tenant: "acme"})
	if err != nil {
		fmt.Println(err)
		return
	}
	other, _ := scim.New(scim.Config{Store: memory.New(), Authenticator: tokens, Logger: slog.New(slog.DiscardHandler)})
	srv := httptest.NewServer(other)
	defer srv.Close()
	report := conformance.Replay(ctx, conformance.Target{BaseURL: srv.URL, Token: "secret"}, file)
	fmt.Println("idp:", file.IdP, "differences:", report.Failed())
	// Output: idp: okta differences: false
}

// ExampleGradeReplay grades what an IdP sent, here JumpCloud's shipped
// connection test (a replay file, or a tenant's provisioning log written
// by Record): per request, the departures from RFC 7644's client
// requirements and the known quirks, then the settings the IdP needs.
func ExampleGradeReplay() {
	g := conformance.GradeReplay(conformance.ShippedReplays()["jumpcloud-connect.json"])
	fmt.Println("idp:", g.IdP)
	fmt.Println("first request:", g.Steps[0].Method, g.Steps[0].Path, g.Steps[0].Quirks)
	fmt.Println("quirks:", g.QuirkIDs())
	fmt.Println("scimkit:", g.Settings)
	fmt.Println("IdP:", g.IdPSettings)
	// Output:
	// idp: jumpcloud
	// first request: GET //Users?startIndex=1&count=1 [Q-JUMPCLOUD-TRAILING-SLASH]
	// quirks: [Q-MEMBERS-REMOVE-BY-VALUE Q-JUMPCLOUD-TRAILING-SLASH]
	// scimkit: [Dialect: default, okta or entra (DialectStrict refuses it)]
	// IdP: [JumpCloud: enter the Base URL without a trailing '/']
}
