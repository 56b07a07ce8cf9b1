package conformance_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scimkit/conformance"
	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
	"github.com/scimkit/scimkit/store/sqlite"
)

// newRecordingServer serves the reference handler on st, recording every
// write request in st's provisioning log.
func newRecordingServer(t *testing.T, st *memory.Store) *httptest.Server {
	t.Helper()
	h, err := scim.New(scim.Config{
		Store:                st,
		ProvisioningLog:      st,
		ProvisioningLogReads: true,
		Authenticator: scim.StaticTokens{
			{Tenant: "t1", ID: "tok1", SHA256: scim.HashToken(token1)},
			{Tenant: "t2", ID: "tok2", SHA256: scim.HashToken(token2)},
		},
		Prefix: "/scim/v2",
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// recordFixture drives the reference handler with the Okta or Entra
// sequence of a shipped replay file and records the tenant's traffic.
func recordFixture(t *testing.T, f *conformance.ReplayFile) *conformance.ReplayFile {
	t.Helper()
	st := memory.New()
	start := time.Now().Add(-time.Second)
	if rep := conformance.Replay(t.Context(), target(newRecordingServer(t, st)), f); rep.Failed() {
		t.Fatalf("driving the reference server: %s", describeReplay(rep))
	}
	rec, err := conformance.Record(t.Context(), st, conformance.RecordQuery{Tenant: "t1", Since: start})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(bytes.ToLower(data), []byte("password")) || bytes.Contains(data, []byte(token1)) {
		t.Errorf("the recording holds a secret:\n%s", data)
	}
	parsed, err := conformance.ParseReplayFile(data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	return parsed
}

// TestRecordReplay records the reference server driven by each Okta and
// Entra sequence, then replays the recording against fresh servers on
// memory and SQLite: there must be no difference.
func TestRecordReplay(t *testing.T) {
	names := shippedNames()
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rec := recordFixture(t, conformance.ShippedReplays()[name])
			if len(rec.Steps) == 0 || len(rec.Unique) == 0 {
				t.Fatalf("recorded %d steps and %d unique values; note: %s", len(rec.Steps), len(rec.Unique), rec.Note)
			}
			captures := 0
			for _, s := range rec.Steps {
				captures += len(s.Capture)
			}
			t.Logf("%d steps, %d captures; note: %s", len(rec.Steps), captures, rec.Note)
			backends := map[string]func(t *testing.T) store.Store{
				"memory": func(*testing.T) store.Store { return memory.New() },
				"sqlite": openSQLite,
			}
			for bname, open := range backends {
				rep := conformance.Replay(t.Context(), target(newServer(t, open(t), nil)), rec)
				if rep.Failed() {
					t.Errorf("%s: replaying the recording: %s", bname, describeReplay(rep))
				}
				if len(rep.Steps) != len(rec.Steps) {
					t.Errorf("%s: replayed %d steps of %d", bname, len(rep.Steps), len(rec.Steps))
				}
			}
		})
	}
}

// TestRecordReplayDifference replays recordings against a strict server
// that refuses the capitalised PATCH ops Entra sends ("Replace"), and
// checks that the differences are reported.
func TestRecordReplayDifference(t *testing.T) {
	rec := recordFixture(t, conformance.ShippedReplays()["entra-users.json"])
	rep := conformance.Replay(t.Context(), target(newServer(t, memory.New(), strictOps)), rec)
	if !rep.Failed() {
		t.Fatalf("no difference reported against a server refusing \"Replace\"")
	}
	var diffs []string
	for _, s := range rep.Steps {
		for _, d := range s.Differences {
			diffs = append(diffs, s.Name+": "+d)
		}
	}
	if len(diffs) == 0 || !strings.Contains(strings.Join(diffs, "\n"), "status 400, recorded") {
		t.Errorf("differences %q, want a 400 where the recording has a success", diffs)
	}
	t.Logf("%d differences, first: %s", len(diffs), diffs[0])
}

// strictOps answers 400 to a PATCH whose op is not lower case, as strict
// servers do although RFC 7644 §3.5.2 compares ops case-insensitively in
// practice and Entra sends "Replace".
func strictOps(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPatch {
			h.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		var p patchReq
		json.Unmarshal(body, &p)
		for _, o := range p.Operations {
			if op, _ := o["op"].(string); op != strings.ToLower(op) {
				w.Header().Set("Content-Type", "application/scim+json")
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidSyntax","detail":"unknown op"}`)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

func openSQLite(t *testing.T) store.Store {
	st, err := sqlite.Open(t.Context(), sqlite.Config{Path: filepath.Join(t.TempDir(), "scim.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func shippedNames() []string {
	var names []string
	for n := range conformance.ShippedReplays() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func describeReplay(rep *conformance.ReplayReport) string {
	var b strings.Builder
	for _, s := range rep.Steps {
		if len(s.Differences) > 0 {
			b.WriteString("\nstep " + s.Name + ": " + strings.Join(s.Differences, "; ") + "\n" + s.Exchange.String())
		}
	}
	if rep.Error != "" {
		b.WriteString("\nstopped: " + rep.Error)
	}
	return b.String()
}
