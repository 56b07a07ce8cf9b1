package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/conformance"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/sqlite"
)

// newLog writes a SQLite database whose provisioning log holds a creation
// and a deletion in tenant acme, an hour-old entry and another tenant's.
func newLog(t *testing.T, now time.Time) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "scimkit.db")
	st, err := sqlite.Open(t.Context(), sqlite.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CreateTenant(t.Context(), store.TenantRecord{ID: "acme", Dialect: "entra"}); err != nil {
		t.Fatal(err)
	}
	const id = "2819c223-7f76-453a-919d-413861904646"
	for _, e := range []store.ProvisioningEntry{
		{Time: now.Add(-2 * time.Hour), Tenant: "acme", Method: "DELETE", Path: "/Users/old", Status: 404},
		{Time: now.Add(-time.Minute), Tenant: "acme", IdP: "entra", Method: "POST", Path: "/Users", ResourceType: "User",
			ResourceID: id, Status: 201, Body: `{"userName":"bjensen","password":"t1meMa$heen"}`},
		{Time: now.Add(-time.Minute), Tenant: "other", Method: "DELETE", Path: "/Users/x", Status: 404},
		{Time: now, Tenant: "acme", IdP: "entra", Method: "DELETE", Path: "/Users/" + id, ResourceType: "User", ResourceID: id, Status: 204},
	} {
		if _, err := st.Append(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func TestRun(t *testing.T) {
	now := time.Now()
	db := newLog(t, now)
	out := filepath.Join(t.TempDir(), "acme.json")
	var stderr bytes.Buffer
	noEnv := func(string) string { return "" }
	if err := run(context.Background(), []string{"-store", db, "-tenant", "acme", "-since", "1h", "-o", out}, noEnv, os.Stdout, &stderr, now.Add(time.Second)); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	f, err := conformance.ParseReplayFile(data)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range f.Steps {
		var body bytes.Buffer
		if len(s.Request.Body) > 0 {
			json.Compact(&body, s.Request.Body)
		}
		got = append(got, s.Request.Method+" "+s.Request.Path+" "+body.String())
	}
	want := []string{`POST /Users {"userName":"bjensen"}`, `DELETE /Users/{{user1.id}} `}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("steps (-want +got):\n%s", d)
	}
	if f.Dialect != "entra" || f.IdP != "entra" {
		t.Errorf("dialect %q idp %q, want entra from the tenant record and the entries", f.Dialect, f.IdP)
	}
}

func TestRunErrors(t *testing.T) {
	now := time.Now()
	missing := filepath.Join(t.TempDir(), "none.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-store", "memory"}, "memory store"},
		{[]string{"-store", missing}, "none.db"},
		{[]string{"-store", newLog(t, now), "-since", "yesterday"}, "-since"},
		{[]string{"extra"}, "unexpected argument"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			err := run(context.Background(), tc.args, func(string) string { return "" }, &bytes.Buffer{}, &bytes.Buffer{}, now)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
			if _, statErr := os.Stat(missing); statErr == nil {
				t.Errorf("a missing -store file was created")
			}
		})
	}
}
