package console_test

import (
	"context"
	"flag"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/scimkit/scimkit/store"
)

var screenshot = flag.String("screenshot", "", "write a screenshot of the provisioning log page to this PNG file (e.g. ../docs/console.png)")

// browser starts headless Chromium for the test, or skips it when none
// is installed (apt-get install chromium; .ci/run installs it).
func browser(t *testing.T) context.Context {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Skip("no Chromium on PATH (apt-get install chromium): browser tests skipped")
	}
	opts := append(append([]chromedp.ExecAllocatorOption{}, chromedp.DefaultExecAllocatorOptions[:]...),
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.WindowSize(1360, 900))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 2*time.Minute) // a hung browser fails the test instead of CI
	t.Cleanup(func() { cancelT(); cancel(); cancelA() })
	return ctx
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	must(t, "text of "+sel, err)
	return s
}

// TestBrowser drives the console in Chromium as an operator would: sign
// in, find a SCIM POST in the log and open it, create and rotate a token,
// replay a parked event, sign out.
func TestBrowser(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t, false)
	e.parkOne("crm.fails@example.com")
	u := e.srv.URL + "/admin"

	must(t, "sign in", chromedp.Do(ctx,
		chromedp.Navigate(u+"/"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), adminToken),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("table.log")),
	))

	// Traffic, as an IdP sends it.
	for _, c := range []struct {
		method, path, body string
		want               int
	}{
		{"POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen@example.com","name":{"givenName":"Barbara","familyName":"Jensen"},"password":"t1meMa$heen","active":true}`, 201},
		{"POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen@example.com"}`, 409},
		{"POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Engineering"}`, 201},
		{"GET", "/Users/does-not-exist", "", 404},
	} {
		if got := e.scim(c.method, c.path, c.body); got != c.want {
			t.Fatalf("%s %s: %d, want %d", c.method, c.path, got, c.want)
		}
	}

	// The log shows the POST; its detail shows the redacted body and the
	// event it produced.
	must(t, "filter the log", chromedp.Do(ctx,
		chromedp.Navigate(u+"/log"),
		chromedp.SetValue(chromedp.CSS(`select[name="method"]`), "POST"),
		chromedp.SendKeys(chromedp.CSS(`input[name="type"]`), "User"),
		chromedp.SendKeys(chromedp.CSS(`input[name="status"]`), "201"),
	))
	// RunResponse waits for the navigation the click starts.
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("#filter")))
	must(t, "submit the filter", err)
	if resp.Status != http.StatusOK {
		t.Fatalf("filtered log: %d", resp.Status)
	}
	must(t, "filtered log", chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("table.log a.detail"))))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.Contains(loc, "status=201") {
		t.Errorf("filtered log at %s, want status=201 in the query", loc)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("table.log tbody tr").length`))
	must(t, "rows", err)
	if rows != 2 { // bjensen, and the user whose event was parked
		t.Errorf("the POST User 201 filter shows %d rows, want 2:\n%s", rows, text(t, ctx, "table.log"))
	}
	must(t, "open the newest entry", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("table.log a.detail")),
		chromedp.WaitVisible(chromedp.CSS("#request")),
	))
	if req := text(t, ctx, "#request"); !strings.Contains(req, "bjensen@example.com") || strings.Contains(req, "t1meMa$heen") {
		t.Errorf("request body shown:\n%s\nwant bjensen's, without the password", req)
	}
	if evs := text(t, ctx, "table.events"); !strings.Contains(evs, "user.created") {
		t.Errorf("events shown: %s, want user.created", evs)
	}

	if *screenshot != "" {
		must(t, "log page", chromedp.Do(ctx, chromedp.Navigate(u+"/log"), chromedp.WaitVisible(chromedp.CSS("table.log"))))
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		must(t, "screenshot", err)
		must(t, "write screenshot", os.WriteFile(*screenshot, png, 0o644))
	}

	tokenFlow(t, ctx, e, u)
	replayFlow(t, ctx, e, u)

	must(t, "sign out", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#signout")),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.Navigate(u+"/log"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
	))
}

// tokenFlow creates a token with a lifetime in the browser, checks that
// its secret (shown once) works for SCIM, and rotates it.
func tokenFlow(t *testing.T, ctx context.Context, e *env, u string) {
	must(t, "create a token", chromedp.Do(ctx,
		chromedp.Navigate(u+"/tokens?tenant=acme"),
		chromedp.SendKeys(chromedp.CSS("#new-name"), "entra"),
		chromedp.SetValue(chromedp.CSS(`select[name="ttl"]`), "720h"),
		chromedp.Click(chromedp.CSS("#create-token")),
		chromedp.WaitVisible(chromedp.CSS("#secret")),
	))
	secret := strings.TrimSpace(text(t, ctx, "#secret"))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); strings.Contains(loc, secret) {
		t.Errorf("the secret is in the URL %s", loc)
	}
	if got := scimStatus(t, e, secret); got != http.StatusOK {
		t.Fatalf("GET /Users with the new secret %q: %d, want 200", secret, got)
	}
	created := tokenNamed(t, e, "entra")
	if len(created) != 1 || created[0].Expires.IsZero() {
		t.Fatalf("tokens named entra: %+v, want one that expires", created)
	}
	must(t, "rotate it", chromedp.Do(ctx,
		chromedp.Navigate(u+"/tokens?tenant=acme"),
		chromedp.Click(chromedp.CSS(`tr[data-token="`+created[0].ID+`"] button.rotate`)),
		chromedp.WaitVisible(chromedp.CSS("#rotated")),
	))
	rotated := strings.TrimSpace(text(t, ctx, "#secret"))
	after := tokenNamed(t, e, "entra")
	if len(after) != 2 || rotated == secret || !after[1].Expires.Equal(after[0].Expires) || !after[0].Active(time.Now()) {
		t.Fatalf("after rotation: %+v; want a second token with the same expiry, the first still active", after)
	}
	if got := scimStatus(t, e, rotated); got != http.StatusOK {
		t.Errorf("GET /Users with the rotated secret: %d, want 200", got)
	}
	// Reloading the secret's page shows it is gone and issues no token.
	must(t, "reload the secret's page", chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#gone"))))
	if n := len(tokenNamed(t, e, "entra")); n != 2 {
		t.Errorf("after a reload: %d tokens named entra, want 2", n)
	}
	// Revoking the old one asks first.
	must(t, "revoke the old one", chromedp.Do(ctx,
		chromedp.Navigate(u+"/tokens?tenant=acme"),
		chromedp.Click(chromedp.CSS(`tr[data-token="`+created[0].ID+`"] button.revoke`)),
		chromedp.WaitVisible(chromedp.CSS("#confirm-revoke")),
	))
	if got := scimStatus(t, e, secret); got != http.StatusOK {
		t.Errorf("the old secret before confirming: %d, want 200", got)
	}
	must(t, "confirm", chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#confirm-revoke")), chromedp.WaitVisible(chromedp.CSS("#notice"))))
	if got := scimStatus(t, e, secret); got != http.StatusUnauthorized {
		t.Errorf("the old secret after revoking: %d, want 401", got)
	}
}

// replayFlow replays the parked event from the deliveries page.
func replayFlow(t *testing.T, ctx context.Context, e *env, u string) {
	must(t, "open deliveries", chromedp.Do(ctx,
		chromedp.Navigate(u+"/deliveries"),
		chromedp.WaitVisible(chromedp.CSS("table.consumers a.parked")),
	))
	if row := text(t, ctx, "table.consumers tbody tr"); !strings.Contains(row, "crm") {
		t.Errorf("consumers: %s, want crm", row)
	}
	must(t, "open the consumer", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("table.consumers a.parked")),
		chromedp.WaitVisible(chromedp.CSS("button.replay")),
	))
	if lastErr := text(t, ctx, "td.lasterror"); !strings.Contains(lastErr, "503") {
		t.Errorf("last error shown: %q, want the consumer's", lastErr)
	}
	must(t, "replay", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("button.replay")),
		chromedp.WaitVisible(chromedp.CSS("#notice")),
	))
	if ps, err := e.st.Parked(t.Context(), "crm", 0); err != nil || len(ps) != 0 {
		t.Errorf("parked after replay: %d, %v; want none", len(ps), err)
	}
}

func scimStatus(t *testing.T, e *env, secret string) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", e.srv.URL+"/scim/v2/Users", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	res, err := e.srv.Client().Do(req)
	must(t, "SCIM GET", err)
	res.Body.Close()
	return res.StatusCode
}

func tokenNamed(t *testing.T, e *env, name string) []store.TokenRecord {
	t.Helper()
	all, err := e.st.ListTokens(t.Context(), "acme")
	must(t, "list tokens", err)
	var out []store.TokenRecord
	for _, tk := range all {
		if tk.Name == name {
			out = append(out, tk)
		}
	}
	return out
}
