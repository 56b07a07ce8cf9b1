package hooks_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/sqlite"
)

// Environment of the child process of TestCrashKill.
const (
	envCrashChild  = "SCIMKIT_HOOKS_CRASH_CHILD" // "sqlite" or "postgres"
	envCrashDB     = "SCIMKIT_HOOKS_CRASH_DB"    // SQLite path or PostgreSQL DSN
	envCrashSchema = "SCIMKIT_HOOKS_CRASH_SCHEMA"
	envCrashOut    = "SCIMKIT_HOOKS_CRASH_OUT" // file the child appends delivered event ids to
	envCrashPrefix = "SCIMKIT_HOOKS_CRASH_PREFIX"
	crashChanges   = 60                     // SCIM writes per child
	crashKillAfter = 25                     // deliveries per child before the kill
	crashBlockAt   = 40                     // the child's handler never finishes its 40th new event
	crashLeaseTTL  = 500 * time.Millisecond // so that the next process takes over quickly
)

// TestCrashKill proves that events committed before a kill -9 are
// delivered after the restart. It runs this test binary as a child
// process (TestCrashChild) that commits SCIM writes through the scim
// handler while a Dispatcher delivers them to a handler appending each
// event id to a file and then slow-walking (one event never finishes, so
// the checkpoint stops below it while other lanes go on), and kills it with SIGKILL mid-delivery (and mid-commit); a
// second child is started and killed the same way; then a fresh
// Dispatcher in this process, on the same database, delivers the rest.
// Every event of the outbox must have been delivered at least once
// (the union of the children's file and the last Dispatcher), and only
// committed events may have been delivered.
func TestCrashKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	for _, b := range []string{"sqlite", "postgres"} {
		t.Run(b, func(t *testing.T) {
			env := []string{envCrashChild + "=" + b, envCrashOut + "=" + filepath.Join(t.TempDir(), "delivered")}
			var open func() store.Store
			if b == "sqlite" {
				path := filepath.Join(t.TempDir(), "scim.db")
				env = append(env, envCrashDB+"="+path)
				open = func() store.Store { return openCrashStore(t, b, path, "") }
			} else {
				dsn := pgDSN(t)
				schema := pgSchema(t, dsn)
				env = append(env, envCrashDB+"="+dsn, envCrashSchema+"="+schema)
				open = func() store.Store { return openCrashStore(t, b, dsn, schema) }
			}
			out := strings.TrimPrefix(env[1], envCrashOut+"=")
			for round := range 2 {
				runAndKill(t, append(env, fmt.Sprintf("%s=r%d", envCrashPrefix, round)), out, (round+1)*crashKillAfter)
			}
			checkAfterCrash(t, open(), out)
		})
	}
}

// runAndKill starts a child and kills it with SIGKILL once out holds
// at least lines delivered event ids.
func runAndKill(t *testing.T, env []string, out string, lines int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), env...)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(60 * time.Second)
	for len(readIDs(t, out)) < lines {
		select {
		case err := <-exited:
			t.Fatalf("child exited before the kill (%v):\n%s", err, output.String())
		case <-deadline:
			cmd.Process.Kill()
			<-exited
			t.Fatalf("child delivered fewer than %d events in 60s:\n%s", lines, output.String())
		case <-time.After(time.Millisecond):
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := <-exited; err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("child ended with %v, want killed:\n%s", err, output.String())
	}
}

// checkAfterCrash runs a Dispatcher on s until every event of the outbox
// was delivered by it or by the killed children (whose ids are in out).
func checkAfterCrash(t *testing.T, s store.Store, out string) {
	t.Helper()
	committed := outboxEvents(t, s)
	cp := checkpoint(t, s, "crash")
	before := map[string]bool{}
	for _, id := range readIDs(t, out) {
		before[id] = true
	}
	isCommitted := map[string]bool{}
	for _, e := range committed {
		isCommitted[e.ID] = true
	}
	for id := range before {
		if !isCommitted[id] {
			t.Errorf("event %s delivered but not in the outbox", id)
		}
	}
	if len(before) >= len(committed) {
		t.Fatalf("the children delivered all %d events before being killed: nothing left to prove", len(committed))
	}
	after := &sink{}
	d, err := hooks.NewDispatcher(hooks.Config{Store: s, Handlers: map[string]hooks.Handler{"crash": after},
		PollInterval: 20 * time.Millisecond, Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() { cancel(); <-done }()
	missing := func() []int64 {
		got := map[string]bool{}
		for _, e := range after.events() {
			got[e.ID] = true
		}
		var m []int64
		for _, e := range committed {
			if !before[e.ID] && !got[e.ID] {
				m = append(m, e.Seq)
			}
		}
		return m
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(missing()) > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if m := missing(); len(m) > 0 {
		t.Fatalf("%d committed events never delivered (Seq %v)", len(m), m)
	}
	checkPerResourceOrder(t, after.events())
	t.Logf("%d events committed, %d delivered before the kills, checkpoint %d, %d delivered after the restart",
		len(committed), len(before), cp, len(after.events()))
}

// readIDs returns the event ids in the file out (none if it is missing).
func readIDs(t *testing.T, out string) []string {
	t.Helper()
	b, err := os.ReadFile(out)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return strings.Fields(string(b))
}

func openCrashStore(t testing.TB, backend, db, schema string) store.Store {
	t.Helper()
	var s store.Store
	var err error
	if backend == "sqlite" {
		s, err = sqlite.Open(context.Background(), sqlite.Config{Path: db})
	} else {
		s, err = postgres.Open(context.Background(), postgres.Config{DSN: db, Schema: schema, MaxConns: 4})
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestCrashChild is the child process of TestCrashKill; it does nothing
// in a normal test run. It delivers to a handler that appends each event
// id to a file (and never finishes the crashBlockAt-th event after those
// already committed), commits crashChanges SCIM writes meanwhile, then
// waits to be killed.
func TestCrashChild(t *testing.T) {
	backend := os.Getenv(envCrashChild)
	if backend == "" {
		t.Skip("child process of TestCrashKill")
	}
	s := openCrashStore(t, backend, os.Getenv(envCrashDB), os.Getenv(envCrashSchema))
	f, err := os.OpenFile(os.Getenv(envCrashOut), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	var start int64 // the last event before this child's writes
	if evs := outboxEvents(t, s); len(evs) > 0 {
		start = evs[len(evs)-1].Seq
	}
	var mu sync.Mutex
	h := hooks.HandlerFunc(func(ctx context.Context, ev hooks.Event) error {
		if ev.Seq == start+crashBlockAt {
			<-ctx.Done() // never finishes: the checkpoint stays below it
			return ctx.Err()
		}
		mu.Lock()
		_, err := f.WriteString(ev.ID + "\n") // one write(2): survives SIGKILL
		mu.Unlock()
		if err != nil {
			return err
		}
		time.Sleep(10 * time.Millisecond)
		return nil
	})
	d, err := hooks.NewDispatcher(hooks.Config{Store: s, Handlers: map[string]hooks.Handler{"crash": h},
		LeaseTTL: crashLeaseTTL, PollInterval: 20 * time.Millisecond, Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	go d.Run(ctx)
	commitOverSCIM(t, s, os.Getenv(envCrashPrefix), crashChanges)
	<-ctx.Done()
	t.Error("not killed within 90s")
}

// commitOverSCIM makes n writes through the scim handler, as an IdP
// would: user creations, deactivations, and groups with members.
func commitOverSCIM(t *testing.T, s store.Store, prefix string, n int) {
	t.Helper()
	h, err := scim.New(scim.Config{Store: s, Authenticator: scim.StaticTokens{{Tenant: "acme", ID: "idp", SHA256: scim.HashToken("tok")}}})
	if err != nil {
		t.Fatal(err)
	}
	do := func(method, path, body string) map[string]any {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer tok")
		req.Header.Set("Content-Type", "application/scim+json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code/100 != 2 {
			t.Fatalf("%s %s = %d %s", method, path, rec.Code, rec.Body)
		}
		var r map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	var users []string
	for i := range n {
		switch {
		case i%10 == 9 && len(users) >= 3:
			do(http.MethodPost, "/Groups", fmt.Sprintf(`{"schemas":["%s"],"displayName":"%s-g%d","members":[{"value":%q},{"value":%q}]}`,
				schema.GroupSchema, prefix, i, users[len(users)-1], users[len(users)-3]))
		case i%3 == 2:
			do(http.MethodPatch, "/Users/"+users[len(users)-1],
				`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`)
		default:
			u := do(http.MethodPost, "/Users", fmt.Sprintf(`{"schemas":["%s"],"userName":"%s-%d@example.com","active":true}`,
				schema.UserSchema, prefix, i))
			users = append(users, u["id"].(string))
		}
	}
}
