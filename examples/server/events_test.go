package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scimkit/hooks"
)

// feedPage is the JSON of GET /events.
type feedPage struct {
	Events []struct {
		Seq        int64  `json:"seq"`
		Type       string `json:"type"`
		Tenant     string `json:"tenant"`
		ResourceID string `json:"resourceId"`
	} `json:"events"`
	Next int64 `json:"next"`
}

func getFeed(t *testing.T, url, token string) feedPage {
	t.Helper()
	code, body := do(t, "GET", url, token, "")
	if code != 200 {
		t.Fatalf("GET %s = %d %s", url, code, body)
	}
	var p feedPage
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("GET %s: %v\n%s", url, err, body)
	}
	return p
}

// TestEventsFeed: GET /events answers each bearer token with its own
// tenant's events after a cursor, and refuses what FeedHandler refuses.
func TestEventsFeed(t *testing.T) {
	env := map[string]string{"SCIMKIT_STORE": filepath.Join(t.TempDir(), "scimkit.db"), "SCIMKIT_TOKEN": "default-secret"}
	getenv := func(k string) string { return env[k] }
	var out bytes.Buffer
	for _, args := range [][]string{{"tenant", "create", "acme"}, {"token", "create", "-tenant", "acme"}} {
		if err := run(t.Context(), args, getenv, &out, nil); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	acme := tokenRE.FindString(out.String())
	addr, _ := startServer(t, nil, env)
	base, events := "http://"+addr+basePath, "http://"+addr+eventsPath
	ids := map[string]string{}
	for _, c := range []struct{ tenant, token string }{{"default", "default-secret"}, {"acme", acme}} {
		code, body := do(t, "POST", base+"/Users", c.token, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}`)
		if code != 201 {
			t.Fatalf("create user in %s: %d %s", c.tenant, code, body)
		}
		ids[c.tenant] = regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(body)[1]
	}
	for _, c := range []struct{ tenant, token string }{{"default", "default-secret"}, {"acme", acme}} {
		t.Run(c.tenant, func(t *testing.T) {
			p := getFeed(t, events, c.token)
			var got []string
			for _, e := range p.Events {
				got = append(got, e.Tenant+" "+string(e.Type)+" "+e.ResourceID)
			}
			if diff := cmp.Diff([]string{c.tenant + " user.created " + ids[c.tenant]}, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if again := getFeed(t, fmt.Sprintf("%s?after=%d&limit=10", events, p.Next), c.token); len(again.Events) != 0 || again.Next != p.Next {
				t.Errorf("after the cursor: %+v, want no events and next %d", again, p.Next)
			}
		})
	}
	refusals := []struct {
		name, method, url, token string
		want                     int
	}{
		{"no token", "GET", events, "", 401},
		{"wrong token", "GET", events, "nope", 401},
		{"bad cursor", "GET", events + "?after=x", acme, 400},
		{"bad limit", "GET", events + "?limit=0", acme, 400},
		{"POST", "POST", events, acme, 405},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			if code, body := do(t, r.method, r.url, r.token, ""); code != r.want {
				t.Errorf("%s %s = %d, want %d\n%s", r.method, r.url, code, r.want, body)
			}
		})
	}
	req, _ := http.NewRequest("GET", events, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("WWW-Authenticate"); got == "" {
		t.Error("401 without WWW-Authenticate")
	}
}

// TestWebhook: with -webhook and -webhook-secret the server POSTs each
// event, signed with the secret, to the URL.
func TestWebhook(t *testing.T) {
	secret := hooks.NewWebhookSecret()
	var mu sync.Mutex
	var got []string
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := hooks.VerifyWebhook([]string{secret}, r.Header, body, 0); err != nil {
			t.Errorf("webhook: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var msg struct{ Type string }
		json.Unmarshal(body, &msg)
		mu.Lock()
		got = append(got, msg.Type)
		mu.Unlock()
	}))
	defer recv.Close()
	addr, _ := startServer(t, []string{"-store", "memory", "-webhook", recv.URL, "-webhook-secret", secret}, map[string]string{"SCIMKIT_TOKEN": "s3cret"})
	code, body := do(t, "POST", "http://"+addr+basePath+"/Users", "s3cret", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}`)
	if code != 201 {
		t.Fatalf("create user: %d %s", code, body)
	}
	deadline := time.Now().Add(20 * time.Second) // bounds a hang; nothing is asserted about time
	for {
		mu.Lock()
		ok := slices.Contains(got, "user.created")
		mu.Unlock()
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no signed user.created webhook; got %v", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestWebhookFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"no secret", []string{"-webhook", "http://127.0.0.1:1/hook"}},
		{"bad secret", []string{"-webhook", "http://127.0.0.1:1/hook", "-webhook-secret", "whsec_!!!"}},
		{"secret without URL", []string{"-webhook-secret", hooks.NewWebhookSecret()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parseFlags("server", tt.args, func(string) string { return "" }, io.Discard); err == nil {
				t.Errorf("parseFlags(%v) succeeded", tt.args)
			}
		})
	}
	cfg, err := parseFlags("server", []string{"-webhook", "http://x/hook", "-webhook-secret", "whsec_YQ==, whsec_Yg=="}, func(string) string { return "" }, io.Discard)
	if err != nil || len(cfg.webhookSecrets) != 2 {
		t.Errorf("two secrets while rotating: %v %v", cfg.webhookSecrets, err)
	}
}

// TestLogWritesFlag: -log-writes auto records writes except on the memory
// store (unless -log-reads asks for a log); explicit values win; reads
// without writes is refused.
func TestLogWritesFlag(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		want    bool
		wantErr bool
	}{
		{[]string{}, true, false},
		{[]string{"-store", "memory"}, false, false},
		{[]string{"-store", "memory", "-log-writes", "true"}, true, false},
		{[]string{"-store", "memory", "-log-reads", "true"}, true, false},
		{[]string{"-store", "x.db", "-log-writes", "false"}, false, false},
		{[]string{"-log-writes", "false", "-log-reads", "true"}, false, true},
		{[]string{"-log-writes", "maybe"}, false, true},
	} {
		cfg, err := parseFlags("server", tt.args, func(string) string { return "" }, io.Discard)
		if (err != nil) != tt.wantErr {
			t.Errorf("parseFlags(%v): error %v, want error %v", tt.args, err, tt.wantErr)
			continue
		}
		if err == nil && cfg.logWrites != tt.want {
			t.Errorf("parseFlags(%v): logWrites %v, want %v", tt.args, cfg.logWrites, tt.want)
		}
	}
}
