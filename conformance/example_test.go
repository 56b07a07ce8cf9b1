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
